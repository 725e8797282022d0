"""Cards for an age range the age told leaves out give way: "đứa lớn 16 tuổi mất thẻ" is not
for the card on children under 14. Their broad subject (the topic listing them) takes their
place, so "con 15 tuổi chưa có căn cước" still reaches the căn cước card."""

from __future__ import annotations

from dataclasses import replace

from content.loader import Catalogue
from content.models import Topic
from content.normalize import folded_phrase
from content.search import IndexDoc, Match, SearchIndex, SearchResult
from content.situations import outside_age, told_age


def for_the_age(
    result: SearchResult, folded: str, catalogue: Catalogue, index: SearchIndex
) -> SearchResult:
    """The ranking without the cards the age told in `folded` leaves out, each replaced by
    the topics that list it; unchanged when no age is told or nothing is left out."""
    age = told_age(folded)
    if age is None:
        return result
    kept: list[Match] = []
    changed = False
    for match in result.matches:
        if outside_age(folded_phrase(match.doc.title), age):
            parents = _parents(match.doc.id, catalogue, index)
            kept += [_in_place_of(match, doc, catalogue, folded) for doc in parents]
            changed = True
        else:
            kept.append(match)
    if not changed or not kept:
        return result
    first: dict[str, Match] = {}
    for match in kept:
        first.setdefault(match.doc.id, match)
    return SearchResult(result.query, list(first.values()))


def _in_place_of(match: Match, doc: IndexDoc, catalogue: Catalogue, folded: str) -> Match:
    """The topic with the outgrown card's score, named when the message names it ("chưa có
    căn cước" names the căn cước topic, which the words alone rank below its cards)."""
    topic = catalogue.get(doc.id)
    names = (topic.title, *topic.aliases) if topic is not None else ()
    named = next((n for n in names if f" {folded_phrase(n)} " in f" {folded} "), None)
    words = frozenset(folded_phrase(named).split()) if named else frozenset()
    return replace(match, doc=doc, phrase=named, phrase_words=words)


def _parents(entry_id: str, catalogue: Catalogue, index: SearchIndex) -> list[IndexDoc]:
    """The index entries of the topics that list this entry."""
    return [
        doc
        for doc in index.docs
        if isinstance(topic := catalogue.get(doc.id), Topic) and entry_id in topic.children
    ]
