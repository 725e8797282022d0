"""The context of one inbound message while it is being handled."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from content.normalize import tokenize
from content.search import Query
from db.models import User
from db.queries import StateSnapshot
from handlers.deps import Deps
from handlers.types import IncomingMessage

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

    @cached_property
    def query(self) -> Query:
        """The message as the search reads it (typos corrected, place names set aside)."""
        return self.deps.index.analyze(self.text[:MAX_QUERY_CHARS])

    @property
    def folded(self) -> str:
        """The text folded to plain words, shorthand expanded: "Chào bạn, dk ks" ->
        "chao ban dang ky khai sinh"."""
        return " ".join(self.deps.lexicon.expand(tokenize(self.text)))
