"""Data retention's statements (handlers/domain/retention.py decides when and how far back):
deleting old rows, emptying old messages, and finding what is old enough to forget or
anonymise.

Session-first like the other query modules: the caller owns the transaction (one for the whole
run, so a dry run rolls everything back)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import feedback_queries as fq
from db import privacy_queries as pq
from db.models import (
    Feedback,
    Interaction,
    LoginAttempt,
    Outbox,
    Question,
    StaffSession,
    Subscription,
    UnansweredQuestion,
    User,
)
from db.outbox_queries import WAITING


async def _delete(session: AsyncSession, table: type, where: ColumnElement[bool]) -> int:
    """Delete the rows of `table` matching `where`; returns how many went."""
    result = await session.execute(delete(table).where(where))
    return result.rowcount or 0


async def delete_unanswered_before(session: AsyncSession, cutoff: datetime) -> int:
    """Delete the questions the assistant could not answer, asked before the cutoff."""
    return await _delete(session, UnansweredQuestion, UnansweredQuestion.created_at < cutoff)


async def delete_questions_before(session: AsyncSession, cutoff: datetime) -> int:
    """Delete the questions handed over to staff before the cutoff."""
    return await _delete(session, Question, Question.created_at < cutoff)


async def delete_messages_before(session: AsyncSession, cutoff: datetime) -> int:
    """Delete the messages in and out stored before the cutoff."""
    return await _delete(session, Interaction, Interaction.created_at < cutoff)


async def delete_login_attempts_before(session: AsyncSession, cutoff: datetime) -> int:
    """Delete the failed staff sign-ins recorded before the cutoff."""
    return await _delete(session, LoginAttempt, LoginAttempt.created_at < cutoff)


async def delete_expired_staff_sessions(session: AsyncSession, now: datetime) -> int:
    """Delete the console sessions that expired before `now`."""
    return await _delete(session, StaffSession, StaffSession.expires_at < now)


async def blank_outbox_before(session: AsyncSession, cutoff: datetime) -> int:
    """Messages sent (or given up) before the cutoff keep their status, which the report
    counts, but lose their text and address."""
    result = await session.execute(
        update(Outbox)
        .where(
            Outbox.status.not_in(WAITING),
            func.coalesce(Outbox.sent_at, Outbox.created_at) < cutoff,
            or_(Outbox.user_ref != "", Outbox.text != ""),
        )
        .values(**pq.blanked_outbox_values())
    )
    return result.rowcount or 0


async def idle_residents(session: AsyncSession, cutoff: datetime, limit: int) -> list[int]:
    """Up to `limit` residents not seen since the cutoff, with no subscription (a standing
    wish to hear from the ward) and no feedback still waiting for an answer, lowest id first."""
    open_feedback = select(Feedback.user_id).where(
        Feedback.user_id.is_not(None), fq.awaiting_answer()
    )
    idle = await session.scalars(
        select(User.id)
        .where(
            User.last_seen_at < cutoff,
            ~exists().where(Subscription.user_id == User.id),
            User.id.not_in(open_feedback),
        )
        .order_by(User.id)
        .limit(limit)
    )
    return list(idle)


async def resolved_feedback_before(session: AsyncSession, cutoff: datetime) -> list[int]:
    """Feedback resolved before the cutoff and still pointing to a person (a chat or a
    phone)."""
    resolved_at = func.coalesce(Feedback.resolved_at, Feedback.updated_datetime)
    rows = await session.scalars(
        select(Feedback.id).where(
            Feedback.status == "resolved",
            resolved_at < cutoff,
            or_(
                Feedback.user_id.is_not(None),
                Feedback.phone.is_not(None),
                Feedback.phone_consent.is_(True),
            ),
        )
    )
    return list(rows)
