"""Outbox rows and the senders that deliver them: claiming due rows (one sender per row, rows
of a stopped sender taken over), recording results, sender heartbeats, and the rows a channel
hands over itself (the website widget fetches what waits for it).

Session-first: the caller owns the transaction, and a claim's select and update must share it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Announcement, Outbox, SenderHeartbeat, utcnow
from db.queries import insert_for

WAITING = ("pending", "sending")  # still to send: the outbox's depth, an announcement not done


@dataclass(frozen=True)
class Claimed:
    """One claimed row, as much as sending needs."""

    id: int
    channel: str
    user_ref: str
    text: str
    buttons: list[Any]
    image_url: str | None
    attempts: int
    announcement_id: int | None
    kind: str


CLAIMED_COLUMNS = (  # in the order of Claimed's fields
    Outbox.id,
    Outbox.channel,
    Outbox.user_ref,
    Outbox.text,
    Outbox.buttons,
    Outbox.image_url,
    Outbox.attempts,
    Outbox.announcement_id,
    Outbox.kind,
)


def _due(
    channel: str, now: datetime, alive_since: datetime, only_announcement: int | None
) -> ColumnElement[bool]:
    """Rows of `channel` to send now: pending and due, or claimed by a sender that has not
    beaten since `alive_since` (killed, crashed), whose rows go back to the others."""
    alive = select(SenderHeartbeat.owner).where(SenderHeartbeat.beat_at > alive_since)
    due = and_(
        Outbox.channel == channel,
        or_(
            and_(Outbox.status == "pending", Outbox.next_attempt_at <= now),
            and_(
                Outbox.status == "sending",
                or_(Outbox.claimed_by.is_(None), Outbox.claimed_by.not_in(alive)),
            ),
        ),
    )
    if only_announcement is not None:
        due = and_(due, Outbox.announcement_id == only_announcement)
    return due


async def claim_due(
    session: AsyncSession,
    channel: str,
    owner: str,
    *,
    now: datetime,
    alive_since: datetime,
    limit: int,
    only_announcement: int | None = None,
) -> list[Claimed]:
    """Take up to `limit` due rows of one channel for `owner`, oldest first. Rows another
    sender is claiming are skipped (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's BEGIN
    IMMEDIATE lets no other writer interleave), so no row is claimed twice."""
    stmt = (
        select(*CLAIMED_COLUMNS)
        .where(_due(channel, now, alive_since, only_announcement))
        .order_by(Outbox.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = [Claimed(*r) for r in (await session.execute(stmt)).all()]
    if rows:
        await session.execute(
            update(Outbox)
            .where(Outbox.id.in_([r.id for r in rows]))
            .values(
                status="sending",
                claimed_by=owner,
                next_attempt_at=now,
                attempts=Outbox.attempts + 1,
            )
        )
    return rows


async def release_unsent(session: AsyncSession, ids: Sequence[int], owner: str) -> None:
    """Hand back rows `owner` claimed but never tried: pending again, the attempt uncounted."""
    await session.execute(
        update(Outbox)
        .where(Outbox.id.in_(ids), Outbox.claimed_by == owner)
        .values(status="pending", claimed_by=None, attempts=Outbox.attempts - 1)
    )


async def record_results(session: AsyncSession, values: list[dict[str, Any]]) -> None:
    """Write a batch of results, one dict of column values per row, keyed by "id"."""
    await session.execute(update(Outbox), values)  # bulk UPDATE by primary key


async def finish_announcements(session: AsyncSession, ids: Collection[int], now: datetime) -> None:
    """An announcement is done when none of its rows is still to send."""
    still_sending = exists().where(
        Outbox.announcement_id == Announcement.id, Outbox.status.in_(WAITING)
    )
    await session.execute(
        update(Announcement)
        .where(Announcement.id.in_(ids), Announcement.status == "sending", ~still_sending)
        .values(status="done", finished_at=now)
    )


async def pending_by_channel(
    session: AsyncSession, only_announcement: int | None = None
) -> dict[str, int]:
    """Rows still to send per channel (of one announcement, when given)."""
    stmt = select(Outbox.channel, func.count()).where(Outbox.status.in_(WAITING))
    if only_announcement is not None:
        stmt = stmt.where(Outbox.announcement_id == only_announcement)
    rows = await session.execute(stmt.group_by(Outbox.channel))
    return {channel: count for channel, count in rows.all()}


# --- sender heartbeats ---------------------------------------------------------------------


async def beat(session: AsyncSession, owner: str) -> None:
    """Record that the sender `owner` is alive now (insert or update its heartbeat)."""
    stmt = insert_for(session, SenderHeartbeat).values(owner=owner, beat_at=utcnow())
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["owner"], set_={"beat_at": stmt.excluded.beat_at}
        )
    )


async def forget_sender(session: AsyncSession, owner: str) -> None:
    """Remove a stopping sender's heartbeat."""
    await session.execute(delete(SenderHeartbeat).where(SenderHeartbeat.owner == owner))


async def count_senders(session: AsyncSession, alive_since: datetime) -> int:
    """How many senders have beaten since `alive_since`."""
    found = await session.scalar(
        select(func.count())
        .select_from(SenderHeartbeat)
        .where(SenderHeartbeat.beat_at > alive_since)
    )
    return int(found or 0)


# --- channels that hand messages over themselves -------------------------------------------


async def pickup_web(session: AsyncSession, user_ref: str) -> list[Outbox]:
    """Messages waiting for this website visitor; marked sent as they are handed over."""
    rows = list(
        (
            await session.execute(
                select(Outbox)
                .where(
                    Outbox.channel == "web",
                    Outbox.user_ref == user_ref,
                    Outbox.status == "awaiting_pickup",
                )
                .order_by(Outbox.id)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
    for row in rows:
        row.status, row.sent_at = "sent", utcnow()
    return rows
