"""The whole exchange with the resident on a record's page, in time order: what they wrote
(and the buttons they pressed, by their titles), what the assistant answered, what staff
sent through the outbox with its delivery, and their rating. Internal notes are not part of
it: the resident never saw them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from db.models import FeedbackEvent, Interaction, Outbox, Rating
from handlers.domain.vocabulary import RATING_LABELS, STATUS_LABELS

RESIDENT, ASSISTANT, STAFF = "resident", "assistant", "staff"


@dataclass(frozen=True)
class Message:
    at: datetime
    side: str  # RESIDENT, ASSISTANT or STAFF
    who: str
    text: str
    delivery: Outbox | None = None  # a staff message's outbox row (status, error)


def _said(row: Interaction) -> Message:
    if row.direction != "in":
        return Message(row.created_at, ASSISTANT, "Trợ lý", row.text)
    if row.text:
        return Message(row.created_at, RESIDENT, "Người dân", row.text)
    pressed = f"Bấm nút “{row.button_title}”" if row.button_title else "Bấm một nút"
    return Message(row.created_at, RESIDENT, "Người dân", pressed)


def _sent(event: FeedbackEvent, outbox: Outbox | None, names: dict[str, str]) -> Message:
    who = names.get(event.actor, event.actor)
    if outbox is not None and outbox.text:  # what the resident received, word for word
        text = outbox.text
    elif event.action == "reply":
        text = event.note or ""
    else:
        text = f"Tình trạng: {STATUS_LABELS.get(event.to_status or '', event.to_status)}"
    return Message(event.created_at, STAFF, who, text, outbox)


def messages(
    conversation: Sequence[Interaction],
    events: Sequence[tuple[FeedbackEvent, Outbox | None]],
    rating: Rating | None,
    names: dict[str, str],
) -> list[Message]:
    """The thread, oldest first."""
    thread = [_said(row) for row in conversation]
    thread += [
        _sent(event, outbox, names)
        for event, outbox in events
        if event.action == "reply" or (event.action == "status" and event.outbox_id)
    ]
    if rating is not None:
        label = RATING_LABELS.get(rating.score, "")
        text = f"Đánh giá cách phường xử lý: {rating.score}/5 – {label}"
        thread.append(Message(rating.created_at, RESIDENT, "Người dân", text))
    return sorted(thread, key=lambda m: m.at)
