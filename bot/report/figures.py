"""Every figure of the report, computed by the database (GROUP BY, COUNT, AVG, medians by
ORDER BY ... OFFSET): no table is loaded into Python. Days and hours are local to Vietnam
(UTC+7 all year, no daylight saving), so one expression per dialect shifts timestamps.

Python only reshapes the aggregated rows (a few thousand at most) and groups the distinct
unanswered wordings by similarity (rapidfuzz), so staff see one line per content gap.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Float, Integer, and_, case, cast, distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.report.gaps import group_gaps, untaught
from bot.report.model import (
    AnnouncementFigures,
    AnnouncementRow,
    CategoryCount,
    ChannelUse,
    CourseCount,
    EntryCount,
    FeedbackFigures,
    GapGroup,
    Learning,
    Period,
    QuestionFigures,
    Report,
    Satisfaction,
    Subscribers,
    Usage,
)
from content.loader import Catalogue
from db import question_queries, teaching_queries
from db.models import (
    Announcement,
    Contest,
    ContestAttempt,
    CourseProgress,
    Feedback,
    Interaction,
    Outbox,
    Rating,
    SubscriptionEvent,
    UnansweredQuestion,
    User,
    utcnow,
)
from handlers.features.subscriptions import TOPICS
from handlers.features.tracking import STATUS_LABELS
from handlers.vocabulary import CHANNEL_LABELS

LOCAL_OFFSET = timedelta(hours=7)  # Vietnam: UTC+7 all year
OFFICE_HOURS = (7, 17)  # 7:00-17:00, Monday to Friday (the ward's own hours are unconfirmed)
ENTRY_INTENTS = ("procedure", "howto", "hotline", "redirect")
TOP_ENTRIES = 15
DELIVERED = ("sent", "awaiting_pickup")
MAX_WORDINGS = 2000  # distinct unanswered wordings grouped; the rest are rarer still


class _Local:
    """Dialect-specific time arithmetic, in whole seconds (no floating-point day fractions)."""

    def __init__(self, session: AsyncSession) -> None:
        self.postgres = session.get_bind().dialect.name == "postgresql"

    def epoch(self, column: Any) -> Any:
        if self.postgres:
            return cast(func.floor(func.extract("epoch", column)), Integer)
        return cast(func.strftime("%s", column), Integer)

    def hour_bucket(self, column: Any, start: datetime) -> Any:
        """Whole hours since `start`: with `start` a local midnight and no daylight saving in
        Vietnam, the bucket gives the local day, hour and weekday."""
        return (self.epoch(column) - int(start.timestamp())) // 3600  # integer division

    def hours_between(self, later: Any, earlier: Any) -> Any:
        return (self.epoch(later) - self.epoch(earlier)) / 3600.0


async def compute(
    session: AsyncSession, catalogue: Catalogue, period: Period, now: datetime | None = None
) -> Report:
    """The whole report for `period`, as of `now` (open feedback is judged at the earlier of
    `now` and the end of the period)."""
    now = now or utcnow()
    local = _Local(session)
    start, after = period.bounds()
    return Report(
        ward_name=catalogue.ward.name,
        period=period,
        generated_at=now,
        usage=await _usage(session, local, start, after),
        top_entries=await _top_entries(session, catalogue, start, after),
        gaps=await _gaps(session, catalogue, start, after),
        feedback=await _feedback(session, catalogue, local, start, after, min(now, after)),
        satisfaction=await _satisfaction(session, start, after),
        announcements=await _announcements(session, start, after),
        subscribers=await _subscribers(session, period, start, after),
        learning=await _learning(session, catalogue, start, after),
        questions=await _questions(session, catalogue, start, after),
        channel_labels=CHANNEL_LABELS,
        status_labels=STATUS_LABELS,
        topic_labels=TOPICS,
    )


def _in(column: Any, start: datetime, after: datetime) -> ColumnElement[bool]:
    return and_(column >= start, column < after)


async def _usage(session: AsyncSession, local: _Local, start: datetime, after: datetime) -> Usage:
    period = _in(Interaction.created_at, start, after)
    inbound = and_(period, Interaction.direction == "in")
    # One pass over the period's messages in hourly groups; every breakdown sums these.
    bucket = local.hour_bucket(Interaction.created_at, start)
    groups = (
        await session.execute(
            select(Interaction.channel, bucket, Interaction.intent, func.count())
            .where(inbound)
            .group_by(Interaction.channel, bucket, Interaction.intent)
        )
    ).all()
    first_day = (start + LOCAL_OFFSET).date()
    by_day: dict[date, dict[str, int]] = {}
    by_hour = [0] * 24
    by_intent: dict[str, int] = {}
    outside = 0
    for channel, hours, intent, count in groups:
        day = first_day + timedelta(days=int(hours) // 24)
        hour = int(hours) % 24
        by_day.setdefault(day, {})
        by_day[day][channel] = by_day[day].get(channel, 0) + count
        by_hour[hour] += count
        by_intent[intent or "khác"] = by_intent.get(intent or "khác", 0) + count
        if day.weekday() >= 5 or not OFFICE_HOURS[0] <= hour < OFFICE_HOURS[1]:
            outside += count
    # A conversation and a resident (a user row) each belong to one channel, so the totals
    # are the sums of the per-channel distinct counts.
    per_channel = (
        await session.execute(
            select(
                Interaction.channel,
                func.count(distinct(Interaction.conversation_id)),
                func.count(),
                func.count(distinct(Interaction.user_id)),
            )
            .where(inbound)
            .group_by(Interaction.channel)
            .order_by(func.count().desc())
        )
    ).all()
    wrote = select(Interaction.id).where(inbound, Interaction.user_id == User.id).limit(1).exists()
    new = await _count(session, User, and_(_in(User.created_at, start, after), wrote))
    residents = sum(int(row[3]) for row in per_channel)
    return Usage(
        conversations=sum(int(row[1]) for row in per_channel),
        messages_in=sum(by_hour),
        messages_out=await _count(
            session, Interaction, and_(Interaction.direction == "out", period)
        ),
        residents=residents,
        new_residents=new,
        returning_residents=residents - new,
        outside_office_hours=outside,
        by_channel=[
            ChannelUse(c, CHANNEL_LABELS.get(c, c), int(conv), int(msgs), int(people))
            for c, conv, msgs, people in per_channel
        ],
        by_day=dict(sorted(by_day.items())),
        by_hour=by_hour,
        by_intent=dict(sorted(by_intent.items(), key=lambda item: -item[1])),
        unanswered=await _count(
            session, UnansweredQuestion, _in(UnansweredQuestion.created_at, start, after)
        ),
    )


async def _top_entries(
    session: AsyncSession, catalogue: Catalogue, start: datetime, after: datetime
) -> list[EntryCount]:
    rows = await session.execute(
        select(Interaction.content_id, Interaction.intent, func.count())
        .where(
            _in(Interaction.created_at, start, after),
            Interaction.direction == "in",
            Interaction.intent.in_(ENTRY_INTENTS),
            Interaction.content_id.is_not(None),
        )
        .group_by(Interaction.content_id, Interaction.intent)
        .order_by(func.count().desc(), Interaction.content_id)
        .limit(TOP_ENTRIES)
    )
    entries = []
    for content_id, intent, count in rows.all():
        entry = catalogue.get(content_id)
        entries.append(
            EntryCount(content_id, entry.title if entry else content_id, intent, int(count))
        )
    return entries


async def _gaps(
    session: AsyncSession, catalogue: Catalogue, start: datetime, after: datetime
) -> list[GapGroup]:
    rows = await session.execute(
        select(
            UnansweredQuestion.normalized,
            func.count(),
            func.min(UnansweredQuestion.text),  # "Cấp…" sorts before "cap…": the written form
            func.max(UnansweredQuestion.best_guess),
        )
        .where(_in(UnansweredQuestion.created_at, start, after))
        .group_by(UnansweredQuestion.normalized)
        .order_by(func.count().desc())
        .limit(MAX_WORDINGS)
    )
    wordings = [(str(n), int(c), str(text), guess) for n, c, text, guess in rows.all()]
    taught = await question_queries.taught_wordings(session, catalogue.ward.id)
    wordings = untaught(wordings, taught)  # what staff taught is no longer a gap
    return group_gaps(wordings, lambda entry_id: _title(catalogue, entry_id))


async def _questions(
    session: AsyncSession, catalogue: Catalogue, start: datetime, after: datetime
) -> QuestionFigures:
    asked = await question_queries.figures(session, start, after)
    taught = await teaching_queries.figures(session, catalogue.ward.id, start, after)
    hours = sorted(asked["hours"])
    middle = len(hours) // 2
    median = None
    if hours:
        median = hours[middle] if len(hours) % 2 else (hours[middle - 1] + hours[middle]) / 2
    return QuestionFigures(
        forwarded=asked["forwarded"],
        answered=asked["answered"],
        median_hours_to_answer=median,
        entries_learned=taught["entries"],
        aliases_learned=taught["aliases"],
        answered_by_learned=taught["answered"],
    )


def _title(catalogue: Catalogue, entry_id: str | None) -> str | None:
    entry = catalogue.get(entry_id) if entry_id else None
    return entry.title if entry else None


async def _feedback(
    session: AsyncSession,
    catalogue: Catalogue,
    local: _Local,
    start: datetime,
    after: datetime,
    judged_at: datetime,
) -> FeedbackFigures:
    filed = _in(Feedback.requested_datetime, start, after)
    by_category_status = (
        await session.execute(
            select(Feedback.service_code, Feedback.status, func.count())
            .where(filed)
            .group_by(Feedback.service_code, Feedback.status)
        )
    ).all()
    titles = {c.code: c.title for c in catalogue.ward.feedback.categories}
    categories: dict[str, CategoryCount] = {}
    by_status: dict[str, int] = {}
    for code, status, count in by_category_status:
        row = categories.setdefault(code, CategoryCount(code, titles.get(code, code), 0))
        row.count += count
        row.by_status[status] = count
        by_status[status] = by_status.get(status, 0) + count
    by_channel = dict(
        (
            await session.execute(
                select(Feedback.channel, func.count()).where(filed).group_by(Feedback.channel)
            )
        ).all()
    )
    answered_in = _in(Feedback.first_answered_at, start, after)
    resolved_in = _in(Feedback.resolved_at, start, after)
    answered = await _count(session, Feedback, answered_in)
    on_time = await _count(
        session,
        Feedback,
        and_(answered_in, Feedback.first_answered_at <= Feedback.expected_datetime),
    )
    overdue = await _count(
        session,
        Feedback,
        and_(
            Feedback.requested_datetime < judged_at,
            Feedback.expected_datetime < judged_at,
            (Feedback.first_answered_at.is_(None)) | (Feedback.first_answered_at >= judged_at),
        ),
    )
    return FeedbackFigures(
        received=sum(by_status.values()),
        answered=answered,
        resolved=await _count(session, Feedback, resolved_in),
        open_overdue=overdue,
        by_category=sorted(categories.values(), key=lambda c: (-c.count, c.title)),
        by_status=by_status,
        by_channel=by_channel,
        median_hours_to_first_answer=await _median(
            session,
            local.hours_between(Feedback.first_answered_at, Feedback.requested_datetime),
            answered_in,
        ),
        median_hours_to_resolution=await _median(
            session,
            local.hours_between(Feedback.resolved_at, Feedback.requested_datetime),
            resolved_in,
        ),
        on_time=on_time,
        due_in_period=answered,
    )


async def _count(session: AsyncSession, table: type, where: ColumnElement[bool]) -> int:
    return int(await session.scalar(select(func.count()).select_from(table).where(where)) or 0)


async def _median(session: AsyncSession, value: Any, where: ColumnElement[bool]) -> float | None:
    """The median in SQL on every dialect: count, then read the middle one or two values."""
    count = int(await session.scalar(select(func.count()).select_from(Feedback).where(where)) or 0)
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


async def _satisfaction(session: AsyncSession, start: datetime, after: datetime) -> Satisfaction:
    rows = (
        await session.execute(
            select(Rating.subject, Rating.score, func.count())
            .where(_in(Rating.created_at, start, after))
            .group_by(Rating.subject, Rating.score)
        )
    ).all()
    distribution = {score: 0 for score in range(1, 6)}
    subjects: dict[str, list[int]] = {}
    for subject, score, count in rows:
        distribution[int(score)] = distribution.get(int(score), 0) + count
        totals = subjects.setdefault(subject, [0, 0])
        totals[0] += count
        totals[1] += int(score) * count
    count = sum(distribution.values())
    weighted = sum(score * n for score, n in distribution.items())
    return Satisfaction(
        count=count,
        average=weighted / count if count else None,
        distribution=distribution,
        by_subject={s: (n, total / n) for s, (n, total) in subjects.items() if n},
    )


async def _announcements(
    session: AsyncSession, start: datetime, after: datetime
) -> AnnouncementFigures:
    announcements = (
        await session.execute(
            select(Announcement.id, Announcement.text, Announcement.queued_at)
            .where(_in(Announcement.queued_at, start, after))
            .order_by(Announcement.queued_at)
        )
    ).all()
    ids = [row.id for row in announcements]
    if not ids:
        return AnnouncementFigures([])
    counts: dict[int, dict[str, int]] = {}
    for announcement_id, status, count in (
        await session.execute(
            select(Outbox.announcement_id, Outbox.status, func.count())
            .where(Outbox.announcement_id.in_(ids))
            .group_by(Outbox.announcement_id, Outbox.status)
        )
    ).all():
        counts.setdefault(announcement_id, {})[status] = count
    replies = dict(
        (
            await session.execute(
                select(Feedback.announcement_id, func.count())
                .where(Feedback.announcement_id.in_(ids))
                .group_by(Feedback.announcement_id)
            )
        ).all()
    )
    rows = []
    for announcement_id, text, queued_at in announcements:
        by_status = counts.get(announcement_id, {})
        rows.append(
            AnnouncementRow(
                id=announcement_id,
                title=(text.strip().splitlines() or [""])[0][:120],
                queued_at=queued_at,
                recipients=sum(by_status.values()),
                sent=sum(by_status.get(s, 0) for s in DELIVERED),
                failed=by_status.get("failed", 0),
                blocked=by_status.get("blocked", 0),
                undeliverable=by_status.get("undeliverable", 0),
                replies=int(replies.get(announcement_id, 0)),
            )
        )
    return AnnouncementFigures(rows)


async def _learning(
    session: AsyncSession, catalogue: Catalogue, start: datetime, after: datetime
) -> Learning:
    started = dict(
        (
            await session.execute(
                select(CourseProgress.course_id, func.count())
                .where(_in(CourseProgress.started_at, start, after))
                .group_by(CourseProgress.course_id)
            )
        ).all()
    )
    completed = dict(
        (
            await session.execute(
                select(CourseProgress.course_id, func.count())
                .where(_in(CourseProgress.completed_at, start, after))
                .group_by(CourseProgress.course_id)
            )
        ).all()
    )
    finished = and_(
        _in(ContestAttempt.finished_at, start, after), ContestAttempt.contest_id == Contest.id
    )
    entries = await session.scalar(
        select(func.count())
        .select_from(ContestAttempt)
        .where(_in(ContestAttempt.finished_at, start, after))
    )
    passed = await session.scalar(
        select(func.count())
        .select_from(ContestAttempt)
        .join(Contest, Contest.id == ContestAttempt.contest_id)
        .where(finished, ContestAttempt.score * 100 >= Contest.pass_percent * ContestAttempt.total)
    )
    ids = sorted(set(started) | set(completed), key=lambda c: -started.get(c, 0))
    return Learning(
        started=sum(started.values()),
        completed=sum(completed.values()),
        by_course=[
            CourseCount(
                c,
                catalogue.courses[c].title if c in catalogue.courses else c,
                int(started.get(c, 0)),
                int(completed.get(c, 0)),
            )
            for c in ids
        ],
        contest_entries=int(entries or 0),
        contest_passed=int(passed or 0),
    )


def _subscribed_at(moment: datetime) -> Any:
    """Residents receiving at least one topic at `moment`: their adds outnumber removals."""
    net = func.sum(case((SubscriptionEvent.action == "add", 1), else_=-1))
    per_user = (
        select(SubscriptionEvent.user_id)
        .where(SubscriptionEvent.created_at < moment)
        .group_by(SubscriptionEvent.user_id, SubscriptionEvent.topic)
        .having(net > 0)
    )
    return select(per_user.subquery().c.user_id).distinct()


async def _subscribers(
    session: AsyncSession, period: Period, start: datetime, after: datetime
) -> Subscribers:
    at_start = _subscribed_at(start).subquery()
    at_end = _subscribed_at(after).subquery()
    count_start = await session.scalar(select(func.count()).select_from(at_start))
    gained = await session.scalar(
        select(func.count()).select_from(at_end).where(at_end.c[0].not_in(select(at_start.c[0])))
    )
    lost = await session.scalar(
        select(func.count()).select_from(at_start).where(at_start.c[0].not_in(select(at_end.c[0])))
    )
    by_day = {}
    for day in period.days:
        end_of_day = Period(day, day, "").bounds()[1]
        by_day[day] = int(
            await session.scalar(
                select(func.count()).select_from(_subscribed_at(end_of_day).subquery())
            )
            or 0
        )
    net = func.sum(case((SubscriptionEvent.action == "add", 1), else_=-1))
    per_topic = (
        select(SubscriptionEvent.topic, SubscriptionEvent.user_id)
        .where(SubscriptionEvent.created_at < after)
        .group_by(SubscriptionEvent.topic, SubscriptionEvent.user_id)
        .having(net > 0)
        .subquery()
    )
    by_topic = dict(
        (
            await session.execute(
                select(per_topic.c.topic, func.count()).group_by(per_topic.c.topic)
            )
        ).all()
    )
    return Subscribers(
        at_start=int(count_start or 0),
        gained=int(gained or 0),
        lost=int(lost or 0),
        by_day=by_day,
        by_topic={topic: int(by_topic.get(topic, 0)) for topic in TOPICS},
    )
