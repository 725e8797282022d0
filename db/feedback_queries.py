"""Session-first queries for feedback records, their audit trail and the outbox."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.feedback_search import MIN_PHONE_DIGITS, search_terms
from db.models import (
    VIETNAM,
    CannedReply,
    Feedback,
    FeedbackEvent,
    Interaction,
    Outbox,
    Rating,
    utcnow,
)

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud without doubt
# The ward has answered: no longer waiting, never overdue (one rule for the inbox, the CSV,
# the metrics and retention).
ANSWERED = ("answered", "resolved")


def awaiting_answer() -> ColumnElement[bool]:
    """A phản ánh still waiting for the ward's answer (SQL condition)."""
    return Feedback.status.not_in(ANSWERED)


def overdue(feedback: Feedback, now: datetime) -> bool:
    """Past its due time and still waiting for the ward's answer."""
    return feedback.expected_datetime < now and feedback.status not in ANSWERED


def new_code(now: datetime) -> str:
    """A short tracking code: PA-<day><month>-<4 characters>, e.g. PA-2611-7K3Q."""
    local = now.astimezone(VIETNAM)
    tail = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
    return f"PA-{local:%d%m}-{tail}"


async def create_feedback(session: AsyncSession, actor: str, **fields: Any) -> Feedback:
    """Insert a record under a fresh unique code, with its "created" audit event."""
    now = fields.pop("requested_datetime", None) or utcnow()
    for _ in range(20):
        feedback = Feedback(
            service_request_id=new_code(now),
            requested_datetime=now,
            updated_datetime=now,
            status="new",
            **fields,
        )
        try:
            async with session.begin_nested():
                session.add(feedback)
                await session.flush()
        except IntegrityError:
            continue  # the code was taken: draw another
        session.add(
            FeedbackEvent(
                feedback_id=feedback.id,
                actor=actor,
                action="created",
                to_status="new",
                created_at=now,
            )
        )
        return feedback
    raise RuntimeError("could not draw a free tracking code")


async def by_code(session: AsyncSession, code: str) -> Feedback | None:
    """The record with this tracking code."""
    rows = await session.execute(select(Feedback).where(Feedback.service_request_id == code))
    return rows.scalar_one_or_none()


async def of_user(session: AsyncSession, user_id: int, limit: int = 5) -> list[Feedback]:
    """A resident's most recent records."""
    rows = await session.execute(
        select(Feedback)
        .where(Feedback.user_id == user_id)
        .order_by(Feedback.requested_datetime.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def enqueue(
    session: AsyncSession,
    channel: str,
    user_ref: str,
    text: str,
    kind: str,
    user_id: int | None = None,
    buttons: Sequence[dict] = (),
) -> Outbox:
    """Store a message for the channel's sender (delivered after commit)."""
    row = Outbox(
        channel=channel,
        user_ref=user_ref,
        user_id=user_id,
        kind=kind,
        text=text,
        buttons=list(buttons),
        status="pending",
        next_attempt_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    return row


async def rated(session: AsyncSession, feedback_id: int) -> bool:
    """True once the resident rated the handling of this record."""
    found = await session.scalar(select(Rating.id).where(Rating.feedback_id == feedback_id))
    return found is not None


GROUPED_ALERT_CHARS = 3500  # a grouped staff alert stays one Telegram message
ALERT_GROUPING = 60  # seconds an alert waits for others to join it at most


async def join_waiting_alert(
    session: AsyncSession, channel: str, recipient: str, text: str
) -> bool:
    """Add `text` to a staff alert for this recipient still waiting to be sent (not claimed
    by a sender, queued in the last minute); False when there is none to join."""
    since = utcnow() - timedelta(seconds=ALERT_GROUPING)
    row = await session.scalar(
        select(Outbox)
        .where(
            Outbox.kind == "staff_alert",
            Outbox.channel == channel,
            Outbox.user_ref == recipient,
            Outbox.status == "pending",
            Outbox.claimed_by.is_(None),
            Outbox.created_at >= since,
        )
        .order_by(Outbox.id.desc())
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if row is None or len(row.text) + len(text) + 2 > GROUPED_ALERT_CHARS:
        return False
    row.text = f"{row.text}\n\n{text}"
    return True


async def filed_since(
    session: AsyncSession, model: type[Feedback] | type[Any], user_id: int, since: datetime
) -> int:
    """How many records (feedback or questions) the resident filed since then."""
    created = model.requested_datetime if model is Feedback else model.created_at
    found = await session.scalar(
        select(func.count()).select_from(model).where(model.user_id == user_id, created >= since)
    )
    return int(found or 0)


async def latest_since(session: AsyncSession, user_id: int, since: datetime) -> Feedback | None:
    """The resident's most recent record filed since then, if any."""
    rows = await session.execute(
        select(Feedback)
        .where(Feedback.user_id == user_id, Feedback.requested_datetime >= since)
        .order_by(Feedback.requested_datetime.desc(), Feedback.id.desc())
        .limit(1)
    )
    return rows.scalar_one_or_none()


async def add_rating(session: AsyncSession, **fields: Any) -> None:
    """Store a satisfaction answer."""
    session.add(Rating(**fields))


async def set_status(
    session: AsyncSession,
    feedback: Feedback,
    status: str,
    actor: str,
    note: str | None = None,
    outbox_id: int | None = None,
    action: str = "status",
) -> None:
    """Change the status, with one audit event (`action` "reply": the answer that changed
    it, one line in the history); answered/resolved times are kept."""
    now = utcnow()
    previous = feedback.status
    feedback.status, feedback.updated_datetime = status, now
    if note:
        feedback.status_notes = note
    if status in ANSWERED and feedback.first_answered_at is None:
        feedback.first_answered_at = now
    if status == "resolved":
        feedback.resolved_at = now
    session.add(
        FeedbackEvent(
            feedback_id=feedback.id,
            actor=actor,
            action=action,
            from_status=previous,
            to_status=status,
            note=note,
            outbox_id=outbox_id,
            created_at=now,
        )
    )


# --- the console's inbox --------------------------------------------------------------------


@dataclass(frozen=True)
class InboxFilter:
    """What the console's inbox is narrowed to; an empty field does not narrow it."""

    status: str = ""
    category: str = ""  # a service code
    channel: str = ""
    announcement_id: int | None = None  # residents' questions about one announcement
    overdue: bool = False
    search: str = ""  # words of the text, the area or the code (any diacritics), a phone
    assigned_to: int | None = None  # "Của tôi": records assigned to this account
    sort: str = "new"  # "new": newest first; "due": waiting records by due date first


def _matches(term: str) -> ColumnElement[bool]:
    """A search term in the folded column: a phone's digits anywhere in a number, a short
    number as a whole word ("tổ 7" is not "tổ 70" nor the code "79H3"), a word at the start
    of a word ("an" finds "an ninh" and "ăn", not "ban")."""
    if term.isdigit():
        if len(term) >= MIN_PHONE_DIGITS:
            return Feedback.search_text.contains(term)
        return Feedback.search_text.contains(f" {term} ")
    return Feedback.search_text.contains(f" {term}")


def _inbox_statement(filters: InboxFilter, now: datetime) -> Select[tuple[Feedback]]:
    stmt = select(Feedback)
    if filters.status:
        stmt = stmt.where(Feedback.status == filters.status)
    if filters.category:
        stmt = stmt.where(Feedback.service_code == filters.category)
    if filters.channel:
        stmt = stmt.where(Feedback.channel == filters.channel)
    if filters.announcement_id is not None:
        stmt = stmt.where(Feedback.announcement_id == filters.announcement_id)
    if filters.overdue:
        stmt = stmt.where(Feedback.expected_datetime < now, awaiting_answer())
    if filters.assigned_to is not None:
        stmt = stmt.where(Feedback.assigned_to == filters.assigned_to)
    for term in search_terms(filters.search):  # every word must be there
        stmt = stmt.where(_matches(term))
    return stmt


def _ordered(stmt: Select[tuple[Feedback]], sort: str) -> Select[tuple[Feedback]]:
    if sort == "due":  # what the ward still owes, the closest deadline first
        waiting = case((awaiting_answer(), 0), else_=1)
        return stmt.order_by(waiting, Feedback.expected_datetime, Feedback.id)
    return stmt.order_by(Feedback.requested_datetime.desc(), Feedback.id.desc())


async def inbox(
    session: AsyncSession,
    filters: InboxFilter,
    now: datetime,
    limit: int | None = None,
    offset: int = 0,
) -> list[Feedback]:
    """Records passing the filters in the filter's order (`limit` None: all, for the CSV
    export)."""
    stmt = _ordered(_inbox_statement(filters, now), filters.sort)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return list((await session.execute(stmt)).scalars())


async def inbox_count(session: AsyncSession, filters: InboxFilter, now: datetime) -> int:
    """How many records pass the filters (all pages)."""
    matching = _inbox_statement(filters, now).with_only_columns(Feedback.id).subquery()
    return int(await session.scalar(select(func.count()).select_from(matching)) or 0)


async def assigned_open(session: AsyncSession, staff_id: int) -> int:
    """Records assigned to this account still waiting for the ward's answer (the console's
    badge)."""
    found = await session.scalar(
        select(func.count())
        .select_from(Feedback)
        .where(Feedback.assigned_to == staff_id, awaiting_answer())
    )
    return int(found or 0)


async def trail(
    session: AsyncSession, feedback_id: int
) -> list[tuple[FeedbackEvent, Outbox | None]]:
    """A record's audit events in order, each with the message it sent (if any)."""
    rows = await session.execute(
        select(FeedbackEvent, Outbox)
        .outerjoin(Outbox, FeedbackEvent.outbox_id == Outbox.id)
        .where(FeedbackEvent.feedback_id == feedback_id)
        .order_by(FeedbackEvent.id)
    )
    return [(event, outbox) for event, outbox in rows.all()]


async def conversation(session: AsyncSession, user_id: int, limit: int = 30) -> list[Interaction]:
    """The resident's last messages in and out, oldest first (beside the record)."""
    rows = await session.execute(
        select(Interaction)
        .where(Interaction.user_id == user_id)
        .order_by(Interaction.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())[::-1]


async def rating_of(session: AsyncSession, feedback_id: int) -> Rating | None:
    """The resident's rating of how this record was handled (the latest, if several)."""
    return await session.scalar(
        select(Rating).where(Rating.feedback_id == feedback_id).order_by(Rating.id.desc())
    )


async def canned_replies(
    session: AsyncSession, owner_first: int | None = None
) -> list[CannedReply]:
    """The ward's ready-made replies by title; `owner_first`'s own ones first."""
    stmt = select(CannedReply).order_by(CannedReply.title, CannedReply.id)
    if owner_first is not None:
        stmt = stmt.order_by(None).order_by(
            case((CannedReply.owner_id == owner_first, 0), else_=1), CannedReply.title
        )
    rows = await session.execute(stmt)
    return list(rows.scalars())
