"""The monthly report's statements: every figure is computed by the database (GROUP BY,
COUNT, medians by ORDER BY ... OFFSET), no table is loaded into Python. This module holds the
period and time helpers, feedback, satisfaction, announcements and subscribers; what residents
did (messages, entries, courses, contests) is in db/report_activity_queries.py.

Periods are half-open, [start, after), in UTC; bucketing by local day and hour is whole-second
integer arithmetic, one expression per dialect."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, Select, and_, case, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Announcement, Feedback, Outbox, Rating, SubscriptionEvent


def within(column: Any, start: datetime, after: datetime) -> ColumnElement[bool]:
    """The SQL condition `start <= column < after`."""
    return and_(column >= start, column < after)


async def count_rows(session: AsyncSession, table: type, where: ColumnElement[bool]) -> int:
    """How many rows of `table` meet `where`."""
    return int(await session.scalar(select(func.count()).select_from(table).where(where)) or 0)


def epoch_seconds(session: AsyncSession, column: Any) -> ColumnElement[int]:
    """Whole seconds since 1970 of a timestamp column, in this session's dialect."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", column)), Integer)
    return cast(func.strftime("%s", column), Integer)


def hours_since(session: AsyncSession, column: Any, start: datetime) -> ColumnElement[int]:
    """Whole hours from `start` to the column: with `start` a local midnight and no daylight
    saving in Vietnam, the bucket gives the local day, hour and weekday."""
    return (epoch_seconds(session, column) - int(start.timestamp())) // 3600  # integer division


def hours_between(session: AsyncSession, later: Any, earlier: Any) -> ColumnElement[float]:
    """Hours (fractional) from one timestamp column to another."""
    return (epoch_seconds(session, later) - epoch_seconds(session, earlier)) / 3600.0


# Feedback (phản ánh)


async def feedback_by_category_status(
    session: AsyncSession, start: datetime, after: datetime
) -> list[tuple[str, str, int]]:
    """(category code, status, count) of the records filed in the period."""
    rows = await session.execute(
        select(Feedback.service_code, Feedback.status, func.count())
        .where(within(Feedback.requested_datetime, start, after))
        .group_by(Feedback.service_code, Feedback.status)
    )
    return [(code, status, int(count)) for code, status, count in rows.all()]


async def feedback_by_channel(
    session: AsyncSession, start: datetime, after: datetime
) -> dict[str, int]:
    """Channel -> records filed there in the period."""
    rows = await session.execute(
        select(Feedback.channel, func.count())
        .where(within(Feedback.requested_datetime, start, after))
        .group_by(Feedback.channel)
    )
    return {channel: int(count) for channel, count in rows.all()}


async def feedback_answered(session: AsyncSession, start: datetime, after: datetime) -> int:
    """Records first answered in the period."""
    return await count_rows(session, Feedback, within(Feedback.first_answered_at, start, after))


async def feedback_answered_on_time(
    session: AsyncSession, start: datetime, after: datetime
) -> int:
    """Records first answered in the period, by their due time."""
    on_time = Feedback.first_answered_at <= Feedback.expected_datetime
    return await count_rows(
        session, Feedback, and_(within(Feedback.first_answered_at, start, after), on_time)
    )


async def feedback_resolved(session: AsyncSession, start: datetime, after: datetime) -> int:
    """Records resolved in the period."""
    return await count_rows(session, Feedback, within(Feedback.resolved_at, start, after))


async def feedback_overdue_at(session: AsyncSession, moment: datetime) -> int:
    """Records past their due time and not yet answered at `moment`. Judged from the answer
    time, not the status (feedback_queries.awaiting_answer): `moment` may be in the past."""
    return await count_rows(
        session,
        Feedback,
        and_(
            Feedback.requested_datetime < moment,
            Feedback.expected_datetime < moment,
            (Feedback.first_answered_at.is_(None)) | (Feedback.first_answered_at >= moment),
        ),
    )


async def median_hours_to_first_answer(
    session: AsyncSession, start: datetime, after: datetime
) -> float | None:
    """Median hours from filing to the first answer, of records first answered in the period."""
    hours = hours_between(session, Feedback.first_answered_at, Feedback.requested_datetime)
    return await _feedback_median(session, hours, within(Feedback.first_answered_at, start, after))


async def median_hours_to_resolution(
    session: AsyncSession, start: datetime, after: datetime
) -> float | None:
    """Median hours from filing to resolution, of records resolved in the period."""
    hours = hours_between(session, Feedback.resolved_at, Feedback.requested_datetime)
    return await _feedback_median(session, hours, within(Feedback.resolved_at, start, after))


async def _feedback_median(
    session: AsyncSession, value: ColumnElement[float], where: ColumnElement[bool]
) -> float | None:
    """The median in SQL on every dialect: count, then read the middle one or two values."""
    count = await count_rows(session, Feedback, where)
    if count == 0:
        return None
    middle = (
        await session.execute(
            select(cast(value, Float))
            .where(where)
            .order_by(value)
            .offset((count - 1) // 2)
            .limit(1 if count % 2 else 2)
        )
    ).scalars()
    values = [float(v) for v in middle]
    return sum(values) / len(values)


# Satisfaction and announcements


async def ratings_by_subject_score(
    session: AsyncSession, start: datetime, after: datetime
) -> list[tuple[str, int, int]]:
    """(subject, score, count) of the satisfaction answers given in the period."""
    rows = await session.execute(
        select(Rating.subject, Rating.score, func.count())
        .where(within(Rating.created_at, start, after))
        .group_by(Rating.subject, Rating.score)
    )
    return [(subject, int(score), int(count)) for subject, score, count in rows.all()]


async def announcements_queued(
    session: AsyncSession, start: datetime, after: datetime
) -> list[tuple[int, str, datetime]]:
    """(id, text, queued at) of the announcements queued in the period, oldest first."""
    rows = await session.execute(
        select(Announcement.id, Announcement.text, Announcement.queued_at)
        .where(within(Announcement.queued_at, start, after))
        .order_by(Announcement.queued_at)
    )
    return [(int(i), text, queued_at) for i, text, queued_at in rows.all()]


async def outbox_by_status(
    session: AsyncSession, announcement_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """Announcement id -> outbox status -> rows, for these announcements."""
    rows = await session.execute(
        select(Outbox.announcement_id, Outbox.status, func.count())
        .where(Outbox.announcement_id.in_(announcement_ids))
        .group_by(Outbox.announcement_id, Outbox.status)
    )
    counts: dict[int, dict[str, int]] = {}
    for announcement_id, status, count in rows.all():
        counts.setdefault(announcement_id, {})[status] = int(count)
    return counts


async def replies_by_announcement(
    session: AsyncSession, announcement_ids: Sequence[int]
) -> dict[int, int]:
    """Announcement id -> records filed in reply to it (none: absent)."""
    rows = await session.execute(
        select(Feedback.announcement_id, func.count())
        .where(Feedback.announcement_id.in_(announcement_ids))
        .group_by(Feedback.announcement_id)
    )
    return {int(i): int(count) for i, count in rows.all()}


# Subscribers, replayed from the add/remove history (the subscriptions table is the present)


def _holders(moment: datetime) -> Select[tuple[int, str]]:
    """(resident, topic) pairs subscribed at `moment`: their adds outnumber their removals."""
    net = func.sum(case((SubscriptionEvent.action == "add", 1), else_=-1))
    return (
        select(SubscriptionEvent.user_id, SubscriptionEvent.topic)
        .where(SubscriptionEvent.created_at < moment)
        .group_by(SubscriptionEvent.user_id, SubscriptionEvent.topic)
        .having(net > 0)
    )


def _subscribed_at(moment: datetime) -> Select[tuple[int]]:
    """Residents receiving at least one topic at `moment`."""
    return select(_holders(moment).subquery().c.user_id).distinct()


async def subscribers_at(session: AsyncSession, moment: datetime) -> int:
    """Residents receiving at least one topic at `moment`."""
    found = await session.scalar(
        select(func.count()).select_from(_subscribed_at(moment).subquery())
    )
    return int(found or 0)


async def subscribers_gained(session: AsyncSession, start: datetime, after: datetime) -> int:
    """Residents subscribed at the end of the period who were not at its start."""
    return await _subscribed_at_not_at(session, after, start)


async def subscribers_lost(session: AsyncSession, start: datetime, after: datetime) -> int:
    """Residents subscribed at the start of the period who no longer were at its end."""
    return await _subscribed_at_not_at(session, start, after)


async def _subscribed_at_not_at(session: AsyncSession, moment: datetime, other: datetime) -> int:
    """Residents subscribed at `moment` but not at `other`."""
    at_moment = _subscribed_at(moment).subquery()
    at_other = _subscribed_at(other).subquery()
    found = await session.scalar(
        select(func.count())
        .select_from(at_moment)
        .where(at_moment.c[0].not_in(select(at_other.c[0])))
    )
    return int(found or 0)


async def subscribers_by_topic(session: AsyncSession, moment: datetime) -> dict[str, int]:
    """Topic -> residents receiving it at `moment` (topics nobody receives: absent)."""
    holders = _holders(moment).subquery()
    rows = await session.execute(select(holders.c.topic, func.count()).group_by(holders.c.topic))
    return {topic: int(count) for topic, count in rows.all()}
