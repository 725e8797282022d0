"""Typed button payloads. Packed as short text ("open:dang-ky-khai-sinh"); channels with a size
limit (Telegram's 64 bytes) pack further inside their own adapter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Verb = Literal[
    "open",
    "more",
    "menu",
    "section",
    "sub",
    "unsub",
    "cancel",
    "fb",
    "rate",
    "annq",
    "learn",
    "quiz",
    "priv",
    "none",
    "human",
]
VERBS: frozenset[str] = frozenset(Verb.__args__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Action:
    """What pressing a button asks for."""

    verb: Verb
    arg: str = ""

    def pack(self) -> str:
        """Text form used as the button payload."""
        return f"{self.verb}:{self.arg}" if self.arg else self.verb

    @classmethod
    def unpack(cls, payload: str) -> Action | None:
        """Parse a payload; None when it is not one of ours (forged, stale or garbled)."""
        verb, _, arg = payload.strip().partition(":")
        if verb not in VERBS or len(payload) > 128:
            return None
        return cls(verb, arg)  # type: ignore[arg-type]


MAX_NUMBER = 2**31 - 1  # ids and options fit a 32-bit database integer


def number_arg(text: str) -> int | None:
    """A number carried by a button or typed as one (an id, an option): plain ASCII digits
    small enough for the database; None for anything else ("²", 10**120, "abc")."""
    if not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_NUMBER)):
        return None
    value = int(text)
    return value if value <= MAX_NUMBER else None


def open_entry(entry_id: str) -> str:
    """Payload that shows an entry's card."""
    return Action("open", entry_id).pack()


def more_of(entry_id: str) -> str:
    """Payload that shows an entry's details."""
    return Action("more", entry_id).pack()
