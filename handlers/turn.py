"""The context of one inbound message while it is being handled."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from content.clauses import MIN_WORDS, readings
from content.models import Topic
from content.normalize import folded_phrase
from content.search import IndexDoc, Match, Query, SearchResult
from content.situations import age_ranges, asked_age, outside_age
from db.models import User
from db.queries import StateSnapshot
from handlers.deps import Deps
from handlers.domain.types import IncomingMessage

if TYPE_CHECKING:
    from handlers.acts import Reading
    from handlers.feature import Feature

MAX_QUERY_CHARS = 1500  # rambling beyond this adds noise, not meaning


@dataclass(eq=False)
class Turn:
    """One message being handled: the message, its cleaned text, the resident and their state."""

    msg: IncomingMessage
    text: str  # cleaned: control characters removed, length capped
    deps: Deps
    session: AsyncSession
    user: User
    state: StateSnapshot
    open_contests: tuple[tuple[int, str], ...] = ()  # (id, title) running now: a menu button
    reading: Reading | None = None  # the message's dialogue act, once read
    flow_owner: Feature | None = None  # the feature whose flow is in progress, if any

    @cached_property
    def query(self) -> Query:
        """The message as the search reads it (typos corrected, place names set aside)."""
        return self.deps.index.analyze(self.text[:MAX_QUERY_CHARS])

    @cached_property
    def result(self) -> SearchResult:
        """The catalogue's ranking for the message, read the way that names its subject best:
        a long story is read by its request clause when that clause is clear on its own."""
        return self._for_the_age(self._ranked())

    def _ranked(self) -> SearchResult:
        if len(self.text.split()) < MIN_WORDS:
            return self.deps.index.rank(self.query)
        options = readings(self.text[:MAX_QUERY_CHARS])
        whole = self.deps.index.search(options[-1])
        rival = whole.best if whole.best is not None and whole.best.confident else None
        for text in options[:-1]:  # the request clauses, most specific first, by words
            result = self.deps.index.search(text, learned=False)
            best = result.best
            if best is None or best.phrase is None or not best.confident:
                continue
            if rival is not None and rival.doc.id != best.doc.id and rival.score > best.score:
                break  # the story names its subject more strongly than the clause does
            return self.deps.index.search(text)  # the clause names its own subject
        return whole

    def _for_the_age(self, result: SearchResult) -> SearchResult:
        """Without the cards for an age range the age told leaves out ("đứa lớn 16 tuổi mất
        thẻ" is not for the card on children under 14), when another card remains."""
        age = asked_age(self.folded)
        if age is None or any(last > first for first, last in age_ranges(self.folded)):
            return result  # "thẻ BHYT cho con dưới 6 tuổi" names a range, not an age
        kept: list[Match] = []
        for match in result.matches:
            if not outside_age(folded_phrase(match.doc.title), age):
                kept.append(match)
                continue
            # Its broad subject still fits, in its place ("con 15 tuổi chưa có căn cước":
            # thẻ căn cước).
            kept += [replace(match, doc=doc, phrase=None) for doc in self._parents(match.doc.id)]
        if not kept or [m.doc.id for m in kept] == [m.doc.id for m in result.matches]:
            return result
        seen: set[str] = set()
        unique = [m for m in kept if not (m.doc.id in seen or seen.add(m.doc.id))]
        return SearchResult(result.query, unique)

    def _parents(self, entry_id: str) -> list[IndexDoc]:
        """The index entries of the topics that list this entry."""
        return [
            doc
            for doc in self.deps.index.docs
            if isinstance(topic := self.deps.catalogue.get(doc.id), Topic)
            and entry_id in topic.children
        ]

    @cached_property
    def folded(self) -> str:
        """The text folded to plain words, shorthand expanded: "Chào bạn, dk ks" ->
        "chao ban dang ky khai sinh"."""
        return " ".join(self.deps.lexicon.words(self.text))
