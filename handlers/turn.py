"""The context of one inbound message while it is being handled."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from content.normalize import tokenize
from db.models import User
from db.queries import StateSnapshot
from handlers.deps import Deps
from handlers.types import IncomingMessage


@dataclass
class Turn:
    """One message being handled: the message, its cleaned text, the resident and their state."""

    msg: IncomingMessage
    text: str  # cleaned: control characters removed, length capped
    deps: Deps
    session: AsyncSession
    user: User
    state: StateSnapshot

    @property
    def folded(self) -> str:
        """The text folded to plain words, shorthand expanded: "Chào bạn, dk ks" ->
        "chao ban dang ky khai sinh"."""
        return " ".join(self.deps.lexicon.expand(tokenize(self.text)))
