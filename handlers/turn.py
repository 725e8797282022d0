"""The context of one inbound message while it is being handled."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from content.clauses import MIN_WORDS, readings
from content.search import Query, SearchResult
from db.models import User
from db.queries import StateSnapshot
from handlers.age_fit import for_the_age
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
        return for_the_age(self._ranked(), self.folded, self.deps.catalogue, self.deps.index)

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
            clause = self.deps.index.search(text)  # the clause names its own subject...
            if clause.best is not None and clause.best.doc.id == best.doc.id:
                return clause
            break  # ...unless the entry model reads the clause otherwise: the whole decides
        return whole

    @cached_property
    def folded(self) -> str:
        """The text folded to plain words, shorthand expanded: "Chào bạn, dk ks" ->
        "chao ban dang ky khai sinh"."""
        return " ".join(self.deps.lexicon.words(self.text))
