"""The channel-agnostic message types: what adapters hand to the core and get back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from content.models import Intent

Channel = Literal["console", "cli", "web", "telegram", "zalo_bot", "zalo_oa", "messenger"]


@dataclass(frozen=True)
class Attachment:
    """A file the resident sent; adapters fill what their platform gives."""

    kind: Literal["image", "sticker", "file", "audio", "location", "unsupported"]
    url: str | None = None
    file_id: str | None = None
    # The file itself, where the platform keeps none for us (a photo uploaded from the website
    # widget, its type read from its bytes); stored only if a flow takes it.
    data: bytes | None = field(default=None, repr=False)
    content_type: str | None = None


@dataclass(frozen=True)
class Origin:
    """Where a website visitor writes from: the visitor's id is theirs to renew at will, so
    limits that must hold (one contest attempt per person) also count by address and browser."""

    address: str
    agent: str


@dataclass(frozen=True)
class IncomingMessage:
    """One message from a resident, already verified and de-duplicated by the adapter."""

    channel: Channel
    user_ref: str
    text: str | None = None
    payload: str | None = None  # a button the resident pressed
    attachment: Attachment | None = None
    display_name: str | None = None
    event_key: str | None = None  # the channel's id for this delivery, to handle it once
    reply_to: str | None = None  # the platform id of our message the resident replied to
    origin: Origin | None = None  # web only


@dataclass(frozen=True)
class Button:
    """A choice offered to the resident; `payload` is an Action packed as text."""

    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """One message to send; adapters render buttons as a keyboard or as numbered text."""

    text: str
    buttons: tuple[Button, ...] = ()
    image_url: str | None = None
    # Written by a person (a staff answer), not the assistant: platforms that allow replies
    # after their window only for people's own words (Messenger's HUMAN_AGENT) look at it.
    by_staff: bool = False

    @classmethod
    def stored(
        cls,
        text: str,
        buttons: list[dict] | None,
        image_url: str | None,
        by_staff: bool = False,
    ) -> Reply:
        """A reply as an outbox row keeps it (buttons as {"title", "payload"} objects)."""
        return cls(
            text,
            tuple(Button(b["title"], b["payload"]) for b in buttons or ()),
            image_url,
            by_staff,
        )


@dataclass
class Response:
    """What the core decided for one inbound message."""

    replies: list[Reply]
    intent: Intent
    content_id: str | None = None
    title: str | None = None
    score: float | None = None
    options: list[str] = field(default_factory=list)
    unanswered: bool = False  # store the question for staff: the catalogue has a gap here
    best_guess: str | None = None
    normalized: str | None = None  # the question as the search understood it
    # The question left unanswered when it is not this message ("Không phải các mục trên").
    question: str | None = None
    duplicate: bool = False  # a re-delivered update: already handled, nothing to send
    reply_ids: list[int] = field(default_factory=list)  # stored replies, to record delivery
    forget: bool = False  # the resident's data was just erased: store nothing of this turn

    @property
    def text(self) -> str:
        """All reply texts as the resident would read them, in order."""
        return "\n\n".join(r.text for r in self.replies)
