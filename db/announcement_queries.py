"""Announcements in the database: the audience as one SQL condition, queueing as one
INSERT ... SELECT per channel (no resident is loaded into Python), delivery figures as
GROUP BY counts."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, and_, exists, func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Announcement, Feedback, Outbox, Subscription, User, UTCDateTime
from db.queries import insert_for

KIND = "announcement"
# Outbox statuses as the console groups them: reached the resident, still going, given up.
# A website message stays "awaiting_pickup" until the visitor opens the page: not reached yet,
# and not counted as sent (the widget's fetch turns it into "sent").
DELIVERED = ("sent",)
AWAITING_PICKUP = "awaiting_pickup"
WAITING = ("pending", "sending")
FAILED = ("failed", "blocked", "undeliverable")
# The message for one channel: {"text": ..., "buttons": [{"title", "payload"}], "image_url": ...}
Render = Callable[[Announcement, str], dict[str, Any]]


def audience(announcement: Announcement, channel: str, area_keys: Sequence[str]) -> Any:
    """Who receives it on `channel`: active residents, subscribed to one of its topics
    (anyone active for an emergency), in one of its areas when areas are given."""
    conditions: list[ColumnElement[bool]] = [User.active.is_(True), User.channel == channel]
    if not announcement.emergency:
        conditions.append(
            exists().where(
                Subscription.user_id == User.id,
                Subscription.topic.in_(list(announcement.topics)),
            )
        )
    if area_keys:
        conditions.append(User.area_key.in_(list(area_keys)))
    return and_(*conditions)


def target_channels(announcement: Announcement, known: Sequence[str]) -> list[str]:
    return [c for c in known if not announcement.channels or c in announcement.channels]


async def count_audience(
    session: AsyncSession,
    announcement: Announcement,
    channels: Sequence[str],
    area_keys: Sequence[str],
) -> dict[str, int]:
    """Residents it would reach now, per channel (the console shows this before approving)."""
    counts = {}
    for channel in target_channels(announcement, channels):
        stmt = (
            select(func.count())
            .select_from(User)
            .where(audience(announcement, channel, area_keys))
        )
        counts[channel] = int((await session.execute(stmt)).scalar_one())
    return counts


async def queue(
    session: AsyncSession,
    announcement: Announcement,
    channels: Sequence[str],
    area_keys: Sequence[str],
    render: Render,
    now: datetime,
) -> int:
    """One outbox row per recipient, rendered for their channel; running it again adds
    nobody twice. Returns how many rows the announcement has."""
    columns = [
        "channel", "user_ref", "user_id", "kind", "text", "buttons", "image_url",
        "status", "attempts", "next_attempt_at", "created_at", "announcement_id",
    ]  # fmt: skip
    for channel in target_channels(announcement, channels):
        message = render(announcement, channel)
        rows = select(
            literal(channel),
            User.external_id,
            User.id,
            literal(KIND),
            literal(message["text"]),
            literal(message["buttons"], JSON),
            literal(message["image_url"]),
            literal("pending"),
            literal(0),
            literal(now, UTCDateTime()),
            literal(now, UTCDateTime()),
            literal(announcement.id),
        ).where(audience(announcement, channel, area_keys))
        stmt = (
            insert_for(session, Outbox)
            .from_select(columns, rows)
            .on_conflict_do_nothing(index_elements=["announcement_id", "user_id"])
        )
        await session.execute(stmt)
    total = await session.execute(
        select(func.count()).select_from(Outbox).where(Outbox.announcement_id == announcement.id)
    )
    return int(total.scalar_one())


async def get(session: AsyncSession, announcement_id: int) -> Announcement | None:
    return await session.get(Announcement, announcement_id)


async def recent(session: AsyncSession, limit: int = 100) -> list[Announcement]:
    rows = await session.execute(
        select(Announcement).order_by(Announcement.id.desc()).limit(limit)
    )
    return list(rows.scalars())


async def latest_runs(
    session: AsyncSession, series_id: int, limit: int = 20
) -> list[Announcement]:
    """The latest runs of a repeating announcement, newest first."""
    rows = await session.execute(
        select(Announcement)
        .where(Announcement.series_id == series_id)
        .order_by(Announcement.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def delivery_counts(
    session: AsyncSession, announcement_ids: Sequence[int]
) -> dict[int, dict[str, int]]:
    """Delivered / awaiting pickup / failed / waiting messages per announcement, in one
    GROUP BY."""
    counts = {
        i: {"delivered": 0, "awaiting_pickup": 0, "failed": 0, "waiting": 0}
        for i in announcement_ids
    }
    if not announcement_ids:
        return counts
    rows = await session.execute(
        select(Outbox.announcement_id, Outbox.status, func.count())
        .where(Outbox.announcement_id.in_(announcement_ids))
        .group_by(Outbox.announcement_id, Outbox.status)
    )
    for announcement_id, status, count in rows.all():
        if status in DELIVERED:
            counts[announcement_id]["delivered"] += count
        elif status == AWAITING_PICKUP:
            counts[announcement_id]["awaiting_pickup"] += count
        elif status in FAILED:
            counts[announcement_id]["failed"] += count
        elif status in WAITING:
            counts[announcement_id]["waiting"] += count
    return counts


async def reply_codes(session: AsyncSession, announcement_id: int, limit: int = 20) -> list[str]:
    """Tracking codes of the phản ánh residents sent in reply to it, newest first."""
    rows = await session.execute(
        select(Feedback.service_request_id)
        .where(Feedback.announcement_id == announcement_id)
        .order_by(Feedback.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def known_areas(session: AsyncSession, limit: int = 300) -> list[tuple[str, int]]:
    """(area key, active residents) for the tổ dân phố residents gave, by key: "Tổ dân phố 3"
    and "tdp 3" are one suggestion, as targeting treats them."""
    rows = await session.execute(
        select(User.area_key, func.count())
        .where(User.area_key.is_not(None), User.area_key != "", User.active.is_(True))
        .group_by(User.area_key)
        .order_by(User.area_key)
        .limit(limit)
    )
    return [(key, int(count)) for key, count in rows.all()]


async def waiting_approval(session: AsyncSession) -> int:
    """Announcements sent for approval and not yet approved (the admins' badge)."""
    count = await session.scalar(
        select(func.count()).select_from(Announcement).where(Announcement.status == "submitted")
    )
    return int(count or 0)


async def cancelled_runs(session: AsyncSession, series_id: int) -> set[datetime]:
    """Send times of the series' runs staff cancelled before they came (stored as cancelled
    runs that were never queued)."""
    rows = await session.execute(
        select(Announcement.send_at).where(
            Announcement.series_id == series_id,
            Announcement.status == "cancelled",
            Announcement.queued_at.is_(None),
        )
    )
    return {moment for moment in rows.scalars() if moment is not None}


async def claim(session: AsyncSession, announcement_id: int, now: datetime) -> bool:
    """Move an approved announcement to "sending"; False when another process got there
    first (a guarded UPDATE: one winner on SQLite and PostgreSQL alike)."""
    result = await session.execute(
        update(Announcement)
        .where(Announcement.id == announcement_id, Announcement.status == "approved")
        .values(status="sending", queued_at=now)
    )
    return result.rowcount == 1


async def advance_series(
    session: AsyncSession, series_id: int, expected: datetime, following: datetime | None
) -> bool:
    """Move a series to its next run; False when another process already did."""
    values: dict[str, Any] = {"next_run_at": following}
    if following is None:
        values["status"] = "done"
    result = await session.execute(
        update(Announcement)
        .where(Announcement.id == series_id, Announcement.next_run_at == expected)
        .values(**values)
    )
    return result.rowcount == 1


async def due_one_offs(session: AsyncSession, now: datetime) -> list[int]:
    rows = await session.execute(
        select(Announcement.id).where(
            Announcement.status == "approved",
            Announcement.recurrence.is_(None),
            (Announcement.send_at.is_(None)) | (Announcement.send_at <= now),
        )
    )
    return list(rows.scalars())


async def due_series(session: AsyncSession, now: datetime) -> list[Announcement]:
    rows = await session.execute(
        select(Announcement).where(
            Announcement.status == "approved",
            Announcement.recurrence.is_not(None),
            Announcement.next_run_at <= now,
        )
    )
    return list(rows.scalars())


async def cancel_pending(session: AsyncSession, announcement_id: int) -> int:
    """Stop sending: rows not yet claimed are cancelled (rows in flight finish)."""
    result = await session.execute(
        update(Outbox)
        .where(Outbox.announcement_id == announcement_id, Outbox.status == "pending")
        .values(status="cancelled")
    )
    return result.rowcount or 0


@dataclass
class Stats:
    """Delivery figures of one announcement."""

    by_status: dict[str, int] = field(default_factory=dict)
    by_channel: dict[str, dict[str, int]] = field(default_factory=dict)
    reasons: list[tuple[str, str, int]] = field(default_factory=list)  # status, reason, count
    replies: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def waiting(self) -> int:
        return sum(self.by_status.get(status, 0) for status in WAITING)

    @property
    def delivered(self) -> int:
        return sum(self.by_status.get(status, 0) for status in DELIVERED)

    @property
    def awaiting_pickup(self) -> int:
        return self.by_status.get(AWAITING_PICKUP, 0)


async def stats(session: AsyncSession, announcement_id: int) -> Stats:
    result = Stats()
    rows = await session.execute(
        select(Outbox.channel, Outbox.status, func.count())
        .where(Outbox.announcement_id == announcement_id)
        .group_by(Outbox.channel, Outbox.status)
    )
    for channel, status, count in rows.all():
        result.by_status[status] = result.by_status.get(status, 0) + count
        result.by_channel.setdefault(channel, {})[status] = count
    reasons = await session.execute(
        select(Outbox.status, Outbox.last_error, func.count())
        .where(
            Outbox.announcement_id == announcement_id,
            Outbox.status.in_(("failed", "blocked", "undeliverable", "pending")),
            Outbox.last_error.is_not(None),
        )
        .group_by(Outbox.status, Outbox.last_error)
        .order_by(func.count().desc())
        .limit(20)
    )
    result.reasons = [(s, r, c) for s, r, c in reasons.all()]
    replies = await session.execute(
        select(func.count())
        .select_from(Feedback)
        .where(Feedback.announcement_id == announcement_id)
    )
    result.replies = int(replies.scalar_one())
    return result


async def sent_to(
    session: AsyncSession, channel: str, user_ref: str, message_id: str
) -> int | None:
    """The announcement a platform message (one a resident replied to) belonged to."""
    row = await session.execute(
        select(Outbox.announcement_id).where(
            Outbox.channel == channel,
            Outbox.user_ref == user_ref,
            Outbox.platform_message_id == message_id,
            Outbox.announcement_id.is_not(None),
        )
    )
    return row.scalars().first()
