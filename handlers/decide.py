"""The decision after a search: answer, ask a short clarifying question, or fall back.

Pure logic over the ranked matches, so it can be reasoned about and tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from content.search import Match, SearchResult

MIN_SCORE = 0.9  # below this nothing in the catalogue really matches
MIN_COVERAGE = 0.5  # without a verbatim alias, the entry must explain half of the message
SURE_SCORE = 2.5  # ...unless it matches this strongly anyway
CLARIFY_RATIO = 0.85  # a rival this close to the best makes us ask instead of guess
NAMED_RIVAL_RATIO = 0.75  # a rival named by its alias this close to an unnamed best wins
RIVAL_COVERAGE = 0.5  # ...and explaining at least this share of what the best one explains
TIED_WORDS = 0.98  # a rival the words score this close to the best is tied by words...
TIED_RIVAL_RATIO = 0.6  # ...and, when the model lifts the best less than this much, vague
MAX_CHOICES = 3
NAMED_CHILD_RATIO = 0.4  # an entry named in the message beats its broad topic from this far
CONVERSATIONAL = frozenset({"feedback", "subscribe", "offtopic"})
ONE_WORD_INTENTS = frozenset({"feedback", "subscribe"})

Kind = Literal["answer", "clarify", "fallback", "offtopic", "feedback", "subscribe"]


@dataclass(frozen=True)
class Decision:
    """What to do with a message, and the matches it rests on (best first)."""

    kind: Kind
    matches: tuple[Match, ...] = ()


def weak(best: Match) -> bool:
    """A match on common words only ("thủ tục xin nuôi chó cảnh" matching "thủ tục"), or on
    one word alone ("mượn sách" matching the "danh sách" of an alias)."""
    # One word is enough to start feedback or a subscription ("rác", "đăng ký"): those
    # groups are made of such words, and the flow asks before anything is filed.
    lone = best.lone_word and best.doc.kind not in ONE_WORD_INTENTS
    return (
        best.phrase is None and (best.coverage < MIN_COVERAGE or lone) and best.score < SURE_SCORE
    )


def _tied_by_words(best: Match, rival: Match) -> bool:
    """True when the words match both alike (only words their names share, as "tổng đài" of
    two hotlines) and the entry model's lean alone set them apart, mildly."""
    return (
        best.phrase_words == rival.phrase_words  # both unnamed, or named by the same words
        and not best.lone_word  # one word of the message matched: no names to tie
        and best.word_score > 0
        and rival.word_score >= TIED_WORDS * best.word_score
        and rival.coverage >= best.coverage
        and rival.score >= TIED_RIVAL_RATIO * best.score
    )


def decide(result: SearchResult, related: Callable[[str, str], bool]) -> Decision:
    """Choose between an answer, a clarifying choice and a fallback.

    `related(a, b)` is true when one entry is a topic listing the other: either answer is right,
    so such a pair never needs a question.
    """
    best = result.best
    if best is None or best.score < MIN_SCORE or weak(best):
        return Decision("fallback", (best,) if best else ())
    if best.doc.kind in CONVERSATIONAL:
        return Decision(best.doc.kind, (best,))  # type: ignore[arg-type]
    close = [
        m
        for m in result.matches[1:]
        if (m.score >= CLARIFY_RATIO * best.score or _tied_by_words(best, m))
        and m.coverage >= RIVAL_COVERAGE * best.coverage
        and m.doc.kind not in CONVERSATIONAL
        and not related(best.doc.id, m.doc.id)
    ]
    if best.doc.kind == "topic":
        # A topic and one of its entries both fit, the entry by its own name ("thủ tục
        # khai tử"): the entry is the answer.
        named = [
            m
            for m in result.matches[1:]
            if m.phrase
            and m.score >= NAMED_CHILD_RATIO * best.score
            and related(best.doc.id, m.doc.id)
            and best.phrase is None
        ]
        if named:
            return Decision("answer", (named[0],))
    for match in close:
        if best.phrase_words and best.phrase_words < match.phrase_words:
            # A longer alias containing the best one's words: the more specific entry
            # ("vneid mức 2" beats "vneid") is the answer.
            return Decision("answer", (match,))
    named = [
        m
        for m in result.matches[1:]
        if m.phrase
        and m.score >= NAMED_RIVAL_RATIO * best.score
        and m.coverage >= best.coverage
        and m.doc.kind not in CONVERSATIONAL
    ]
    if best.phrase is None and len(named) == 1:
        # Only a close rival is named in the message ("lãnh tiền già", beside a card that
        # shares more of its story's words) and it explains as much: the name is what was
        # asked.
        return Decision("answer", (named[0],))
    # Ask only when the message is vague: no alias of the best entry in it, or an alias the
    # rival shares. A message naming two things ("bản sao hay trích lục?") is answered.
    # A rival named only by part of the best one's alias ("khai sinh" inside "liên thông khai
    # sinh") does not make the message vague: the longer name is what was asked.
    vague = [
        m
        for m in close
        if best.phrase is None
        or (m.phrase and m.overlaps(best) and not m.phrase_words < best.phrase_words)
    ]
    if vague:
        return Decision("clarify", (best, *vague[: MAX_CHOICES - 1]))
    return Decision("answer", (best,))
