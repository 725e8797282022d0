"""What ward staff taught, as the assistant answers from it: their answers as catalogue entries
(`WardAnswer`), and residents' wordings found again in new messages.

A taught wording matches a message when the subject words of both mostly agree, each word
weighed by how much it says in the catalogue (a word the catalogue never uses, like "loa" or
"hội trường", says the most). Both are read by the search index (folded, shorthand expanded,
typos corrected), so a message without diacritics or with a typo finds the wording too; a
word still misspelt is matched by its closeness to a taught word. Cheap to build: a change in
the console adds its wordings at once, without rebuilding the catalogue's index.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz, process

from content.models import Source, WardAnswer
from content.search import Query, SearchIndex

# Share of the subject words of the message and of the taught wording that must agree
# (their mean): set on blind paraphrases and near-miss questions (README, issue 16).
MATCHES = 0.66
# ...or this share of the taught wording's words in the message, however long the message: a
# resident telling their story around the very question staff answered.
COVERED = 0.8
CLOSE_WORD = 84  # rapidfuzz ratio at which a misspelt word counts as the taught one
MIN_FUZZY_LENGTH = 4  # shorter words are matched exactly ("loa" is not "lo")
UNKNOWN_WEIGHT = 1.0  # a word the catalogue never uses: as telling as a word unique to one entry


@dataclass(frozen=True)
class Wording:
    """One taught way of asking, read as subject words with their weights."""

    target: str  # the entry it asks for
    text: str
    words: Mapping[str, float]
    mass: float


@dataclass(frozen=True)
class Found:
    target: str
    score: float
    wording: str


class TaughtWordings:
    """The wordings staff taught, matched against residents' messages. Only the wordings that
    share a word (or a close spelling of one) with the message are scored."""

    def __init__(self, index: SearchIndex, taught: Iterable[tuple[str, str]]) -> None:
        self._index = index
        read = (self._read(target, text) for target, text in taught)
        self.wordings = [w for w in read if w.mass > 0]
        self._by_word: dict[str, list[int]] = {}
        for at, wording in enumerate(self.wordings):
            for word in wording.words:
                self._by_word.setdefault(word, []).append(at)
        self._spellable = [w for w in self._by_word if len(w) >= MIN_FUZZY_LENGTH]

    def __len__(self) -> int:
        return len(self.wordings)

    def _weights(self, query: Query) -> dict[str, float]:
        stop = self._index.lexicon.stopwords
        words = [t for t in query.tokens if t not in stop and not (t.isdigit() and len(t) < 3)]
        known = set(query.features)
        return {
            w: (self._index.weight(w) if w in known else UNKNOWN_WEIGHT)
            for w in dict.fromkeys(words)
        }

    def _read(self, target: str, text: str) -> Wording:
        words = self._weights(self._index.analyze(text))
        return Wording(target, text, words, sum(words.values()))

    def _close(self, asked: Mapping[str, float]) -> dict[str, float]:
        """Taught words the message misspells ("hoi truong" for "hội trường" is exact; "hoi
        truog" is close): taught word -> how close (0-1)."""
        close: dict[str, float] = {}
        for word in asked:
            if word in self._by_word or len(word) < MIN_FUZZY_LENGTH:
                continue
            for taught, ratio, _ in process.extract(
                word, self._spellable, scorer=fuzz.ratio, score_cutoff=CLOSE_WORD, limit=3
            ):
                close[taught] = max(close.get(taught, 0.0), ratio / 100)
        return close

    def match(self, query: Query) -> Found | None:
        """The taught entry this message asks for, if one of its wordings agrees enough."""
        if not self.wordings:
            return None
        asked = self._weights(query)
        mass = sum(asked.values())
        if mass <= 0:
            return None
        close = self._close(asked)
        candidates = {at for word in (*asked, *close) for at in self._by_word.get(word, ())}
        best: Found | None = None
        for at in sorted(candidates):
            wording = self.wordings[at]
            shared = _shared(asked, close, wording.words)
            covered = shared / wording.mass
            score = (shared / mass + covered) / 2
            if covered >= COVERED:
                score = max(score, covered)
            if score >= MATCHES and (best is None or score > best.score):
                best = Found(wording.target, round(score, 3), wording.text)
        return best


def _shared(
    asked: Mapping[str, float], close: Mapping[str, float], taught: Mapping[str, float]
) -> float:
    """The weight of the taught words the message has, a misspelt word counting by closeness."""
    total = 0.0
    for word, weight in taught.items():
        if word in asked:
            total += min(weight, asked[word]) if asked[word] > 0 else weight
        elif word in close:
            total += weight * close[word]
    return total


def ward_answer(
    entry_id: str,
    title: str,
    answer: str,
    source: str | None,
    on: date,
    ward_name: str,
    aliases: Iterable[str] = (),
) -> WardAnswer:
    """A taught answer as a catalogue entry: the staff's paragraphs, their source (the ward's
    staff when none was given) and the day it was written."""
    body = [line.strip() for line in answer.splitlines() if line.strip()]
    summary = re.split(r"(?<=[.!?])\s", body[0], maxsplit=1)[0] if body else title
    # One alias per wording, whatever its case (the catalogue refuses duplicates).
    unique: dict[str, str] = {}
    for alias in (a.strip() for a in aliases):
        if alias:
            unique.setdefault(alias.casefold(), alias)
    return WardAnswer(
        kind="answer",
        id=entry_id,
        title=title,
        aliases=list(unique.values()),
        summary=summary,
        body=body or [title],
        source=[Source(title=source or f"Cán bộ {ward_name} trả lời", confidence="official")],
        verified_on=on,
    )
