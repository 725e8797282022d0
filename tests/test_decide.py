"""The answer / clarify / fallback decision on hand-made rankings."""

from __future__ import annotations

from content.search import IndexDoc, Match, Query, SearchResult
from handlers.decide import decide

QUERY = Query(tokens=("x",), features=("x",), unknown=(), places=(), mass=1.0)


def match(
    doc_id: str,
    score: float,
    phrase: str | None = None,
    coverage: float = 1.0,
    kind: str = "procedure",
) -> Match:
    words = frozenset(phrase.split()) if phrase else frozenset()
    doc = IndexDoc(id=doc_id, kind=kind, title=doc_id, phrases=())
    return Match(doc, score, phrase, words, coverage)


def unrelated(a: str, b: str) -> bool:
    return False


def test_nothing_found_falls_back() -> None:
    assert decide(SearchResult(QUERY, []), unrelated).kind == "fallback"


def test_low_score_falls_back() -> None:
    assert decide(SearchResult(QUERY, [match("a", 0.5, "a")]), unrelated).kind == "fallback"


def test_common_words_only_fall_back() -> None:
    weak = match("a", 1.2, phrase=None, coverage=0.3)
    assert decide(SearchResult(QUERY, [weak]), unrelated).kind == "fallback"


def test_clear_winner_is_answered() -> None:
    result = SearchResult(QUERY, [match("a", 3.0, "khai sinh"), match("b", 1.0)])
    decision = decide(result, unrelated)
    assert decision.kind == "answer" and decision.matches[0].doc.id == "a"


def test_vague_message_with_close_rivals_asks() -> None:
    result = SearchResult(
        QUERY, [match("a", 2.0), match("b", 1.9), match("c", 1.8), match("d", 1.7)]
    )
    decision = decide(result, unrelated)
    assert decision.kind == "clarify"
    assert [m.doc.id for m in decision.matches] == ["a", "b", "c"]


def test_two_things_named_are_answered_not_asked() -> None:
    result = SearchResult(
        QUERY, [match("a", 2.0, "chung thuc ban sao"), match("b", 1.9, "trich luc")]
    )
    assert decide(result, unrelated).kind == "answer"


def test_shared_alias_words_ask() -> None:
    result = SearchResult(QUERY, [match("a", 2.0, "ban sao"), match("b", 1.9, "ban sao giay")])
    decision = decide(result, unrelated)
    # b's alias contains a's: b is the more specific entry
    assert decision.kind == "answer" and decision.matches[0].doc.id == "b"


def test_topic_and_its_child_never_ask() -> None:
    result = SearchResult(QUERY, [match("topic", 2.0, kind="topic"), match("child", 1.95)])
    assert decide(result, lambda a, b: {a, b} == {"topic", "child"}).kind == "answer"


def test_out_of_scope_group_wins() -> None:
    result = SearchResult(QUERY, [match("offtopic-am-thuc", 2.0, "nau an", kind="offtopic")])
    assert decide(result, unrelated).kind == "offtopic"


def test_a_rival_named_by_its_alias_beats_an_unnamed_best() -> None:
    unnamed = match("a", 5.9, phrase=None, coverage=0.44)
    named = match("b", 4.6, phrase="tien gia", coverage=0.46)
    decision = decide(SearchResult(QUERY, [unnamed, named]), unrelated)
    assert decision.kind == "answer" and decision.matches[0].doc.id == "b"


def test_a_named_rival_explaining_less_does_not_win() -> None:
    unnamed = match("a", 8.1, phrase=None, coverage=1.0)
    named = match("b", 6.9, phrase="giay khai sinh", coverage=0.77)
    decision = decide(SearchResult(QUERY, [unnamed, named]), unrelated)
    assert decision.matches[0].doc.id == "a"


def test_a_rival_explaining_far_less_is_no_reason_to_ask() -> None:
    best = match("a", 12.4, phrase=None, coverage=0.49)
    thin = match("b", 11.4, phrase=None, coverage=0.14)
    decision = decide(SearchResult(QUERY, [best, thin]), unrelated)
    assert decision.kind == "answer" and decision.matches[0].doc.id == "a"
