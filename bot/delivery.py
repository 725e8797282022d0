"""What a channel answers when asked to deliver one stored message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["sent", "failed", "undeliverable", "blocked", "awaiting_pickup"]
FINAL: frozenset[str] = frozenset({"sent", "undeliverable", "blocked", "awaiting_pickup"})


@dataclass(frozen=True)
class Delivery:
    """`failed` is retried later with backoff; `blocked` means the resident blocked the bot
    (already marked inactive); `undeliverable` will never go through (reason says why);
    `awaiting_pickup` waits for the website widget to fetch it."""

    status: Status
    reason: str | None = None
    message_id: str | None = None  # the platform's id of the sent message, to map replies
