"""The monthly report's statements about what residents did: messages by channel and hour,
the entries they asked for, the questions left unanswered, courses and contests. Periods are
half-open, [start, after), as in db/report_queries.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import contest_queries as cq
from db.models import (
    Contest,
    ContestAttempt,
    CourseProgress,
    Feedback,
    Interaction,
    UnansweredQuestion,
    User,
)
from db.report_queries import count_rows, hours_since, within


def _inbound(start: datetime, after: datetime) -> ColumnElement[bool]:
    """Residents' messages (not the assistant's) sent in the period."""
    return and_(within(Interaction.created_at, start, after), Interaction.direction == "in")


async def inbound_by_hour(
    session: AsyncSession, start: datetime, after: datetime
) -> list[tuple[str, int, str | None, int]]:
    """(channel, whole hours since `start`, intent, messages) of residents' messages in the
    period: one pass in hourly groups, which every breakdown by day, hour or intent sums."""
    bucket = hours_since(session, Interaction.created_at, start)
    rows = await session.execute(
        select(Interaction.channel, bucket, Interaction.intent, func.count())
        .where(_inbound(start, after))
        .group_by(Interaction.channel, bucket, Interaction.intent)
    )
    return [(channel, int(h), intent, int(n)) for channel, h, intent, n in rows.all()]


async def inbound_by_channel(
    session: AsyncSession, start: datetime, after: datetime
) -> list[tuple[str, int, int, int]]:
    """(channel, conversations, messages, residents) of residents' messages in the period,
    the busiest channel first."""
    rows = await session.execute(
        select(
            Interaction.channel,
            func.count(distinct(Interaction.conversation_id)),
            func.count(),
            func.count(distinct(Interaction.user_id)),
        )
        .where(_inbound(start, after))
        .group_by(Interaction.channel)
        .order_by(func.count().desc())
    )
    return [(channel, int(c), int(m), int(r)) for channel, c, m, r in rows.all()]


async def new_residents(session: AsyncSession, start: datetime, after: datetime) -> int:
    """Residents first seen in the period who wrote to the assistant in it."""
    wrote = (
        select(Interaction.id)
        .where(_inbound(start, after), Interaction.user_id == User.id)
        .limit(1)
        .exists()
    )
    return await count_rows(session, User, and_(within(User.created_at, start, after), wrote))


async def messages_out(session: AsyncSession, start: datetime, after: datetime) -> int:
    """Messages the assistant sent in the period."""
    period = within(Interaction.created_at, start, after)
    return await count_rows(session, Interaction, and_(Interaction.direction == "out", period))


def _a_question() -> ColumnElement[bool]:
    """Not a problem the resident then filed as feedback: "Gửi phản ánh" right after a message
    the assistant could not answer turns that message into the feedback's description. It was
    a phản ánh, not a question, so it is no content gap."""
    filed = (
        select(Feedback.id)
        .where(
            Feedback.user_id == UnansweredQuestion.user_id,
            Feedback.description == UnansweredQuestion.text,
            Feedback.requested_datetime >= UnansweredQuestion.created_at,
        )
        .limit(1)
        .exists()
    )
    return ~filed


def _unanswered(start: datetime, after: datetime) -> ColumnElement[bool]:
    return and_(within(UnansweredQuestion.created_at, start, after), _a_question())


async def unanswered_count(session: AsyncSession, start: datetime, after: datetime) -> int:
    """Questions the assistant could not answer in the period (problems filed as feedback
    left out)."""
    return await count_rows(session, UnansweredQuestion, _unanswered(start, after))


async def top_entries(
    session: AsyncSession, start: datetime, after: datetime, intents: Sequence[str], limit: int
) -> list[tuple[str, str, int]]:
    """(entry id, intent, messages) of the entries residents asked for most in the period
    under these intents, most asked first (ties by entry id), at most `limit`."""
    rows = await session.execute(
        select(Interaction.content_id, Interaction.intent, func.count())
        .where(
            _inbound(start, after),
            Interaction.intent.in_(intents),
            Interaction.content_id.is_not(None),
        )
        .group_by(Interaction.content_id, Interaction.intent)
        .order_by(func.count().desc(), Interaction.content_id)
        .limit(limit)
    )
    return [(str(entry_id), intent, int(n)) for entry_id, intent, n in rows.all()]


async def unanswered_wordings(
    session: AsyncSession, start: datetime, after: datetime, limit: int
) -> list[tuple[str, int, str, str | None]]:
    """(normalized wording, times asked, a written form, best guess) of the questions left
    unanswered in the period (problems filed as feedback left out), the most asked first, at
    most `limit`."""
    rows = await session.execute(
        select(
            UnansweredQuestion.normalized,
            func.count(),
            func.min(UnansweredQuestion.text),  # "Cấp…" sorts before "cap…": the written form
            func.max(UnansweredQuestion.best_guess),
        )
        .where(_unanswered(start, after))
        .group_by(UnansweredQuestion.normalized)
        .order_by(func.count().desc())
        .limit(limit)
    )
    return [(str(n), int(c), str(text), guess) for n, c, text, guess in rows.all()]


async def courses_started(
    session: AsyncSession, start: datetime, after: datetime
) -> dict[str, int]:
    """Course id -> learners who started it in the period."""
    return await _courses_by(session, CourseProgress.started_at, start, after)


async def courses_completed(
    session: AsyncSession, start: datetime, after: datetime
) -> dict[str, int]:
    """Course id -> learners who completed it in the period."""
    return await _courses_by(session, CourseProgress.completed_at, start, after)


async def _courses_by(
    session: AsyncSession, column: Any, start: datetime, after: datetime
) -> dict[str, int]:
    """Course id -> progress rows whose time `column` falls in the period."""
    rows = await session.execute(
        select(CourseProgress.course_id, func.count())
        .where(within(column, start, after))
        .group_by(CourseProgress.course_id)
    )
    return {course_id: int(n) for course_id, n in rows.all()}


async def contest_entries(session: AsyncSession, start: datetime, after: datetime) -> int:
    """Contest attempts finished in the period."""
    return await count_rows(
        session, ContestAttempt, within(ContestAttempt.finished_at, start, after)
    )


async def contest_passes(session: AsyncSession, start: datetime, after: datetime) -> int:
    """Contest attempts finished in the period with at least the contest's pass mark."""
    found = await session.scalar(
        select(func.count())
        .select_from(ContestAttempt)
        .join(Contest, Contest.id == ContestAttempt.contest_id)
        .where(within(ContestAttempt.finished_at, start, after), cq.passed_attempt())
    )
    return int(found or 0)
