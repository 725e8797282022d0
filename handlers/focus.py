"""Lead with what was asked: "bao lâu?" puts the time limit first, "có phải có mặt không?"
quotes the line of the entry that answers it."""

from __future__ import annotations

from collections.abc import Iterator

from content.loader import Catalogue
from content.models import AnswerEntry, HowTo, Procedure
from content.normalize import Lexicon
from content.search import Query, SearchIndex
from handlers.cards import procedure_facts
from handlers.render import bullets, fill

MIN_LINE_WEIGHT = 0.45  # a line must share at least one fairly rare word with the question
MAX_LEAD = 3


def _answer_lines(entry: AnswerEntry) -> Iterator[str]:
    if isinstance(entry, Procedure):
        yield from entry.documents
        yield from entry.notes
        yield from entry.steps
    elif isinstance(entry, HowTo):
        yield from entry.notes
    yield from getattr(entry, "body", ())


def _best_line(
    entry: AnswerEntry, query: Query, index: SearchIndex, answered: set[str]
) -> str | None:
    original = index.query_features(query)
    asked = original - answered - index.text_features(entry.title)
    for alias in entry.aliases:  # words that only named the entry are not a further question
        alias_feats = index.text_features(alias)
        if alias_feats <= original:
            asked -= alias_feats
    best, best_weight = None, MIN_LINE_WEIGHT
    for line in _answer_lines(entry):
        weight = sum(index.weight(f) for f in asked & index.text_features(line))
        if weight > best_weight:
            best, best_weight = line, weight
    return best


def lead_lines(
    entry: AnswerEntry,
    query: Query,
    folded: str,
    catalogue: Catalogue,
    lexicon: Lexicon,
    index: SearchIndex,
) -> list[str]:
    """Lines to show right under the title: the asked-for facts, then the best matching line."""
    ward = catalogue.ward
    lines: list[str] = []
    aspects = lexicon.aspects_in(folded)
    # Words of the aspects already answered ("lệ phí") must not also pick a quoted line.
    answered = {
        feature
        for name in aspects
        for phrase in lexicon.aspects[name]
        for feature in index.text_features(phrase)
    }
    if isinstance(entry, Procedure):
        facts = procedure_facts(entry, ward)
        lines += [facts[a] for a in aspects if a in facts]
        if "documents" in aspects:
            lines.append("Hồ sơ cần chuẩn bị:\n" + bullets(entry.documents, ward))
    line = _best_line(entry, query, index, answered)
    if line is not None and not any(fill(line, ward) in shown for shown in lines):
        lines.append("→ " + fill(line, ward))
    return lines[:MAX_LEAD]
