"""Every figure of the report, assembled from the database's aggregates (the statements are
in db/report_queries.py and db/report_activity_queries.py): no table is loaded into Python.
Days and hours are local to Vietnam (UTC+7 all year, no daylight saving).

Python only reshapes the aggregated rows (a few thousand at most) and groups the distinct
unanswered wordings by similarity (rapidfuzz), so staff see one line per content gap.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

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
    Signing,
    Subscribers,
    Usage,
)
from bot.report.text import shorten
from content.loader import Catalogue
from content.models import WardConfig
from content.ward_fields import apply
from db import question_queries, teaching_queries, ward_value_queries
from db import report_activity_queries as activity
from db import report_queries as queries
from db.models import utcnow
from handlers.domain.vocabulary import CHANNEL_LABELS, STATUS_LABELS, TOPICS

LOCAL_OFFSET = timedelta(hours=7)  # Vietnam: UTC+7 all year
OFFICE_HOURS = (7, 17)  # 7:00-17:00, Monday to Friday (the ward's own hours are unconfirmed)
ENTRY_INTENTS = ("procedure", "howto", "hotline", "redirect")
TOP_ENTRIES = 15
AWAITING = "awaiting_pickup"  # web: waits for the visitor to open the page; not delivered yet
MAX_WORDINGS = 2000  # distinct unanswered wordings grouped; the rest are rarer still


async def compute(
    session: AsyncSession, catalogue: Catalogue, period: Period, now: datetime | None = None
) -> Report:
    """The whole report for `period`, as of `now` (open feedback is judged at the earlier of
    `now` and the end of the period)."""
    now = now or utcnow()
    start, after = period.bounds()
    return Report(
        ward_name=catalogue.ward.name,
        signing=await _signing(session, catalogue.ward),
        period=period,
        generated_at=now,
        usage=await _usage(session, start, after),
        top_entries=await _top_entries(session, catalogue, start, after),
        gaps=await _gaps(session, catalogue, start, after),
        feedback=await _feedback(session, catalogue, start, after, min(now, after)),
        satisfaction=await _satisfaction(session, start, after),
        announcements=await _announcements(session, start, after),
        subscribers=await _subscribers(session, period, start, after, now),
        learning=await _learning(session, catalogue, start, after),
        questions=await _questions(session, catalogue, start, after),
        channel_labels=CHANNEL_LABELS,
        status_labels=STATUS_LABELS,
        topic_labels=TOPICS,
    )


async def _signing(session: AsyncSession, ward_file: WardConfig) -> Signing:
    """The addressees and the signer as the console last saved them (`report.*`)."""
    saved = await ward_value_queries.current(session, ward_file.id)
    signing = apply(ward_file, saved).report if saved else ward_file.report
    return Signing(
        addressees=tuple(a.strip() for a in (signing.addressees or "").split(";") if a.strip()),
        authority=signing.authority or "TM.",
        title=signing.title,
        signer=signing.signer,
    )


async def _usage(session: AsyncSession, start: datetime, after: datetime) -> Usage:
    groups = await activity.inbound_by_hour(session, start, after)
    first_day = (start + LOCAL_OFFSET).date()
    by_day: dict[date, dict[str, int]] = {}
    by_hour = [0] * 24
    by_intent: dict[str, int] = {}
    outside = 0
    for channel, hours, intent, count in groups:
        day = first_day + timedelta(days=hours // 24)
        hour = hours % 24
        by_day.setdefault(day, {})
        by_day[day][channel] = by_day[day].get(channel, 0) + count
        by_hour[hour] += count
        by_intent[intent or "khác"] = by_intent.get(intent or "khác", 0) + count
        if day.weekday() >= 5 or not OFFICE_HOURS[0] <= hour < OFFICE_HOURS[1]:
            outside += count
    # A conversation and a resident (a user row) each belong to one channel, so the totals
    # are the sums of the per-channel distinct counts.
    per_channel = await activity.inbound_by_channel(session, start, after)
    new = await activity.new_residents(session, start, after)
    residents = sum(row[3] for row in per_channel)
    return Usage(
        conversations=sum(row[1] for row in per_channel),
        messages_in=sum(by_hour),
        messages_out=await activity.messages_out(session, start, after),
        residents=residents,
        new_residents=new,
        returning_residents=residents - new,
        outside_office_hours=outside,
        by_channel=[
            ChannelUse(c, CHANNEL_LABELS.get(c, c), conv, msgs, people)
            for c, conv, msgs, people in per_channel
        ],
        by_day=dict(sorted(by_day.items())),
        by_hour=by_hour,
        by_intent=dict(sorted(by_intent.items(), key=lambda item: -item[1])),
        unanswered=await activity.unanswered_count(session, start, after),
    )


async def _top_entries(
    session: AsyncSession, catalogue: Catalogue, start: datetime, after: datetime
) -> list[EntryCount]:
    rows = await activity.top_entries(session, start, after, ENTRY_INTENTS, TOP_ENTRIES)
    entries = []
    for content_id, intent, count in rows:
        entry = catalogue.get(content_id)
        entries.append(EntryCount(content_id, entry.title if entry else content_id, intent, count))
    return entries


async def _gaps(
    session: AsyncSession, catalogue: Catalogue, start: datetime, after: datetime
) -> list[GapGroup]:
    wordings = await activity.unanswered_wordings(session, start, after, MAX_WORDINGS)
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
    start: datetime,
    after: datetime,
    judged_at: datetime,
) -> FeedbackFigures:
    by_category_status = await queries.feedback_by_category_status(session, start, after)
    titles = {c.code: c.title for c in catalogue.ward.feedback.categories}
    categories: dict[str, CategoryCount] = {}
    by_status: dict[str, int] = {}
    for code, status, count in by_category_status:
        row = categories.setdefault(code, CategoryCount(code, titles.get(code, code), 0))
        row.count += count
        row.by_status[status] = count
        by_status[status] = by_status.get(status, 0) + count
    by_channel = await queries.feedback_by_channel(session, start, after)
    answered = await queries.feedback_answered(session, start, after)
    on_time = await queries.feedback_answered_on_time(session, start, after)
    overdue = await queries.feedback_overdue_at(session, judged_at)
    return FeedbackFigures(
        received=sum(by_status.values()),
        answered=answered,
        resolved=await queries.feedback_resolved(session, start, after),
        open_overdue=overdue,
        by_category=sorted(categories.values(), key=lambda c: (-c.count, c.title)),
        by_status=by_status,
        by_channel=by_channel,
        median_hours_to_first_answer=await queries.median_hours_to_first_answer(
            session, start, after
        ),
        median_hours_to_resolution=await queries.median_hours_to_resolution(session, start, after),
        on_time=on_time,
        due_in_period=answered,
    )


async def _satisfaction(session: AsyncSession, start: datetime, after: datetime) -> Satisfaction:
    rows = await queries.ratings_by_subject_score(session, start, after)
    distribution = {score: 0 for score in range(1, 6)}
    subjects: dict[str, list[int]] = {}
    for subject, score, count in rows:
        distribution[score] = distribution.get(score, 0) + count
        totals = subjects.setdefault(subject, [0, 0])
        totals[0] += count
        totals[1] += score * count
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
    announcements = await queries.announcements_queued(session, start, after)
    ids = [announcement_id for announcement_id, _, _ in announcements]
    if not ids:
        return AnnouncementFigures([])
    counts = await queries.outbox_by_status(session, ids)
    replies = await queries.replies_by_announcement(session, ids)
    rows = []
    for announcement_id, text, queued_at in announcements:
        by_status = counts.get(announcement_id, {})
        rows.append(
            AnnouncementRow(
                id=announcement_id,
                title=shorten((text.strip().splitlines() or [""])[0]),
                queued_at=queued_at,
                recipients=sum(by_status.values()),
                sent=by_status.get("sent", 0),
                awaiting=by_status.get(AWAITING, 0),
                failed=by_status.get("failed", 0),
                blocked=by_status.get("blocked", 0),
                undeliverable=by_status.get("undeliverable", 0),
                replies=replies.get(announcement_id, 0),
            )
        )
    return AnnouncementFigures(rows)


async def _learning(
    session: AsyncSession, catalogue: Catalogue, start: datetime, after: datetime
) -> Learning:
    started = await activity.courses_started(session, start, after)
    completed = await activity.courses_completed(session, start, after)
    ids = sorted(set(started) | set(completed), key=lambda c: -started.get(c, 0))
    return Learning(
        started=sum(started.values()),
        completed=sum(completed.values()),
        by_course=[
            CourseCount(
                c,
                catalogue.courses[c].title if c in catalogue.courses else c,
                started.get(c, 0),
                completed.get(c, 0),
            )
            for c in ids
        ],
        contest_entries=await activity.contest_entries(session, start, after),
        contest_passed=await activity.contest_passes(session, start, after),
    )


async def _subscribers(
    session: AsyncSession, period: Period, start: datetime, after: datetime, now: datetime
) -> Subscribers:
    by_day = {}
    today = (now + LOCAL_OFFSET).date()
    for day in period.days:
        if day > today:
            break  # a period not over yet: its chart stops today
        end_of_day = Period(day, day, "").bounds()[1]
        by_day[day] = await queries.subscribers_at(session, end_of_day)
    by_topic = await queries.subscribers_by_topic(session, after)
    return Subscribers(
        at_start=await queries.subscribers_at(session, start),
        gained=await queries.subscribers_gained(session, start, after),
        lost=await queries.subscribers_lost(session, start, after),
        by_day=by_day,
        by_topic={topic: by_topic.get(topic, 0) for topic in TOPICS},
    )
