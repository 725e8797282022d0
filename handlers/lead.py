"""Lead with what was asked: "bao lâu?" puts the time limit first, "con tôi 10 tuổi thì sao?"
quotes the card's line for that age, "có phải có mặt không?" the line that answers it. When
the card has nothing for the situation asked about, the first line says so plainly and the
nearest lines follow."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from content.loader import Catalogue
from content.models import AnswerEntry, HowTo, Procedure, Redirect, WardConfig
from content.normalize import Lexicon, folded_phrase
from content.search import Query, SearchIndex
from content.situations import (
    age_fit,
    asked_age,
    asked_situations,
    covers_age,
    line_situations,
)
from handlers.cards import procedure_facts
from handlers.render import bullets, fill, sentences

MIN_LINE_WEIGHT = 0.45  # a line must share at least one fairly rare word with the question
MAX_LEAD = 3
QUIET_SITUATIONS = frozenset({"child"})
ADULT = 16
NEAREST_WEIGHT = 0.8  # a nearest line must share a telling word, or none is shown
SITUATION_BONUS = 1.0  # a line about the situation asked outweighs a shared word or two
AGE_FIT_BONUS = 2.0  # and of two lines for that age, the narrower range ("6 đến dưới 14") wins
FACT_PREFIXES = ("Thời hạn:", "Lệ phí:", "Nơi nộp:", "Nộp trực tuyến:")


@dataclass(frozen=True)
class Asked:
    """What a question asks of a card beyond its subject: facets and situations."""

    facets: tuple[str, ...]
    situations: tuple[str, ...]
    age: int | None

    @property
    def anything(self) -> bool:
        """True when the question asks a facet or a situation."""
        return bool(self.facets or self.situations)


def asked_of(folded: str, lexicon: Lexicon, entry: AnswerEntry | None = None) -> Asked:
    """The facets ("fee", "time"...) and situations ("late", "age"...) of a folded message;
    with an entry, words that are part of its name are not a facet ("mai táng phí" asks no
    fee, "lệ phí mai táng bao nhiêu" does)."""
    situations = asked_situations(folded, lexicon.situations)
    facets = lexicon.aspects_in(folded)
    if entry is not None and facets:
        names = [f" {folded_phrase(n)} " for n in (entry.title, *entry.aliases)]
        facets = [f for f in facets if _asked_beyond_names(folded, lexicon.aspects[f], names)]
    return Asked(tuple(facets), tuple(situations), asked_age(folded))


def _asked_beyond_names(folded: str, phrases: tuple[str, ...], names: list[str]) -> bool:
    """True when one of the phrases occurs in the message outside the entry's names (the
    phrase with the word or two before it is not a piece of a name)."""
    words = folded.split()
    for phrase in phrases:
        size = len(phrase.split())
        for i in range(len(words) - size + 1):
            if " ".join(words[i : i + size]) != phrase:
                continue
            contexts = [" ".join(words[max(0, i - k) : i + size]) for k in (1, 2)]
            if not any(f" {c} " in name for c in contexts if c != phrase for name in names):
                return True
    return False


def answer_lines(entry: AnswerEntry) -> Iterator[str]:
    """The lines of a card that can answer a question: documents, notes, steps, body."""
    if isinstance(entry, Procedure):
        yield from entry.documents
        yield from entry.notes
        yield from entry.steps
    elif isinstance(entry, HowTo | Redirect):
        yield from entry.notes
        yield from entry.steps
    yield from getattr(entry, "body", ())


def _asked_features(entry: AnswerEntry, query: Query, index: SearchIndex, answered: set[str]):
    original = index.query_features(query)
    asked = original - answered - index.text_features(entry.title)
    for alias in entry.aliases:  # words that only named the entry are not a further question
        alias_feats = index.text_features(alias)
        if alias_feats <= original:
            asked -= alias_feats
    return asked


def _by_words(lines: list[str], asked: set[str], index: SearchIndex, floor: float) -> str | None:
    best, best_weight = None, floor
    for line in lines:
        weight = sum(index.weight(f) for f in asked & index.text_features(line))
        if weight > best_weight:
            best, best_weight = line, weight
    return best


def _situation_line(
    lines: list[str], asked: Asked, words: set[str], lexicon: Lexicon, index: SearchIndex
) -> tuple[str | None, list[str]]:
    """The line that best answers the question, weighing its words and the situation asked
    (a line for another age never answers an age), and the situations no line covers."""
    wanted = [n for n in asked.situations if n not in QUIET_SITUATIONS]
    covered: set[str] = set()
    best, best_score = None, MIN_LINE_WEIGHT
    for line in lines:
        folded = folded_phrase(line)
        tags = set(line_situations(folded, lexicon.situations)) & set(wanted)
        if "age" in tags and asked.age is not None and not covers_age(folded, asked.age):
            tags.discard("age")
            if wanted == ["age"]:
                continue
        covered |= tags
        score = sum(index.weight(f) for f in words & index.text_features(line))
        score += SITUATION_BONUS * len(tags)
        if "age" in tags and asked.age is not None:  # the narrowest range asked about wins
            score += AGE_FIT_BONUS * age_fit(folded, asked.age)
        if score > best_score:
            best, best_score = line, score
    missing = [name for name in wanted if name not in covered]
    if best is not None and wanted and not covered:
        return None, missing  # the words matched, but not the situation asked
    return best, missing


def _missing_note(missing: list[str], asked: Asked, lexicon: Lexicon, nearest: bool) -> str:
    if missing == ["age"] and asked.age is not None:
        who = "trẻ" if asked.age < ADULT else "người"
        what = f"{who} {asked.age} tuổi" if asked.age else "trẻ mới sinh"
    else:
        labels = [lexicon.situations[n].label for n in missing if n in lexicon.situations]
        what = ", ".join(labels) or "trường hợp này"
    note = f"Mục này chưa có thông tin riêng cho trường hợp {what}"
    return f"{note}; thông tin gần nhất:" if nearest else f"{note}."


def _nearest(
    lines: list[str], missing: list[str], words: set[str], lexicon: Lexicon, index: SearchIndex
) -> str | None:
    """The closest line when the situation asked is not covered (for an age: a line about
    other ages, the closest thing the card says)."""
    lines = [line for line in lines if not line.startswith(FACT_PREFIXES)]
    if "age" in missing:
        aged = [
            line
            for line in lines
            if "age" in line_situations(folded_phrase(line), lexicon.situations)
        ]
        if aged:
            return _by_words(aged, words, index, -1.0) or aged[0]
    return _by_words(lines, words, index, NEAREST_WEIGHT)


FACET_LABELS = {
    "time": "Thời hạn",
    "fee": "Lệ phí",
    "where": "Nơi làm",
    "online": "Làm trực tuyến",
    "documents": "Giấy tờ cần mang",
}
# Words a line uses when it gives that fact ("07 ngày làm việc", "miễn phí", "tại Công an").
FACET_LINE_WORDS = {
    "time": ("ngay", "gio", "thang", "tuan", "thoi han"),
    "fee": ("le phi", "phi", "mien phi", "mien le phi", "muc dong", "so tien"),
    "where": (
        "noi nop",
        "nop tai",
        "tai cong an",
        "tai ubnd",
        "tai bo phan",
        "den cong an",
        "den ubnd",
        "den bo phan",
        "tru so",
        "dia chi",
    ),
    "online": ("truc tuyen", "vneid", "dich vu cong", "ung dung", "online"),
    "documents": ("giay", "ho so", "to khai", "mang theo", "ban sao"),
}


def facet_line(entry: HowTo | Redirect, facet: str, ward: WardConfig) -> str | None:
    """The line of a guide or a redirect that gives the fact asked ("bao lâu?", "phí bao
    nhiêu?"): its own field where it has one, else the first sentence that speaks of it, else a
    plain word that it has none and who to ask."""
    label = FACET_LABELS.get(facet, facet)
    if isinstance(entry, Redirect):
        if facet == "where":
            return f"{label}: {fill(entry.handled_by, ward)}. Liên hệ: {fill(entry.where, ward)}"
        if facet == "online" and entry.online is not None:
            return f"{label}: {fill(entry.online.how, ward)}"
    words = FACET_LINE_WORDS.get(facet, ())
    texts = [*sentences(entry.summary), *entry.steps, *entry.notes]
    for text in texts:
        padded = f" {folded_phrase(fill(text, ward))} "
        if any(f" {word} " in padded for word in words):
            return f"{label}: {fill(text, ward)}"
    if isinstance(entry, Redirect):
        return f"{label}: mục này chưa có thông tin. Bạn hỏi {fill(entry.handled_by, ward)}."
    if facet in ("time", "fee"):  # a guide done in an app has no "where" to name
        return f"{label}: mục này chưa có thông tin."
    return None


def lead_lines(
    entry: AnswerEntry,
    query: Query,
    folded: str,
    catalogue: Catalogue,
    lexicon: Lexicon,
    index: SearchIndex,
) -> list[str]:
    """Lines to show right under the title: the asked-for facts, then the line for the
    situation asked (or a plain word that the card has none), or the best matching line."""
    ward = catalogue.ward
    asked = asked_of(folded, lexicon, entry)
    lines: list[str] = []
    # Words of the facets already answered ("lệ phí") must not also pick a quoted line.
    answered = {
        feature
        for name in asked.facets
        for phrase in lexicon.aspects[name]
        for feature in index.text_features(phrase)
    }
    candidates = list(answer_lines(entry))
    if isinstance(entry, HowTo | Redirect):
        found = (facet_line(entry, name, ward) for name in asked.facets)
        lines += [line for line in found if line is not None]
    if isinstance(entry, Procedure):
        facts = procedure_facts(entry, ward)
        lines += [facts[a] for a in asked.facets if a in facts]
        if "documents" in asked.facets:
            lines.append("Hồ sơ cần chuẩn bị:\n" + bullets(entry.documents, ward))
        candidates += [text for key, text in facts.items() if key not in asked.facets]
    words = _asked_features(entry, query, index, answered)
    line, missing = _situation_line(candidates, asked, words, lexicon, index)
    if missing and not line:
        line = _nearest(candidates, missing, words, lexicon, index)
        lines.append(_missing_note(missing, asked, lexicon, nearest=line is not None))
    if line is not None and not any(fill(line, ward) in shown for shown in lines):
        lines.append("→ " + fill(line, ward))
    return lines[:MAX_LEAD]
