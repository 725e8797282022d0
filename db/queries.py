"""Session-first query functions: every function takes the caller's session and never commits."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, insert, select, true, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    MAX_STORED_TEXT,
    ChannelEvent,
    ConversationState,
    Interaction,
    StaffUser,
    Subscription,
    SubscriptionEvent,
    UnansweredQuestion,
    User,
    ZaloOAToken,
    utcnow,
)

CONVERSATION_GAP = timedelta(minutes=30)  # silence after which a new conversation starts


def insert_for(session: AsyncSession, table: object) -> postgresql.Insert | sqlite.Insert:
    return _insert_in(_dialect(session), table)


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


def _insert_in(dialect: str, table: object) -> postgresql.Insert | sqlite.Insert:
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


# Every message runs the statements below. Built once per dialect with their values as bound
# parameters, they skip building, checking and cache-keying a new statement each time; on
# tables rather than mapped classes, they skip the ORM's bulk-write machinery (in one process,
# PostgreSQL: 7.9-8.2 -> 5.8-6.1 ms CPU a message).

_STATES = ConversationState.__table__
_STATE_COLUMNS = ("conversation_id", "flow", "data", "options", "updated_at")
_STATE_SELECT = (
    select(*(_STATES.c[name] for name in _STATE_COLUMNS))
    .where(_STATES.c.user_id == bindparam("user_id"))
    .with_for_update()
)
_INTERACTIONS_INSERT = insert(Interaction.__table__).returning(Interaction.__table__.c.id)


@functools.cache
def _user_upsert(dialect: str) -> postgresql.Insert | sqlite.Insert:
    stmt = _insert_in(dialect, User).values(
        channel=bindparam("channel"),
        external_id=bindparam("external_id"),
        display_name=bindparam("display_name"),
        active=true(),
        created_at=bindparam("now"),
        last_seen_at=bindparam("now"),
    )
    # The returned User stays an ORM object: features change it and the session writes it.
    return stmt.on_conflict_do_update(
        index_elements=["channel", "external_id"],
        set_={"last_seen_at": stmt.excluded.last_seen_at, "active": true()},
    ).returning(User)


@functools.cache
def _state_upsert(dialect: str) -> postgresql.Insert | sqlite.Insert:
    stmt = _insert_in(dialect, _STATES)
    return stmt.on_conflict_do_update(
        index_elements=["user_id"],
        set_={
            **{name: stmt.excluded[name] for name in _STATE_COLUMNS},
            "version": _STATES.c.version + 1,
        },
    )


@functools.cache
def _event_claim(dialect: str) -> postgresql.Insert | sqlite.Insert:
    events = ChannelEvent.__table__
    stmt = _insert_in(dialect, events)
    return stmt.on_conflict_do_update(
        index_elements=["channel", "event_key"],
        set_={"handled_at": stmt.excluded.handled_at},
        where=events.c.handled_at.is_(None),
    )


def cap_text(text: str | None, limit: int = MAX_STORED_TEXT) -> str:
    """Text as stored: no NUL characters (PostgreSQL refuses them), at most `limit`
    characters, marked when cut."""
    if not text:
        return ""
    text = text.replace("\x00", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def get_or_create_user(
    session: AsyncSession, channel: str, external_id: str, display_name: str | None = None
) -> User:
    """Find or create the resident in one statement (safe when two processes race). Writing
    to us again also means they have not blocked us: the user is marked active."""
    params = {
        "channel": channel,
        "external_id": external_id,
        "display_name": display_name,
        "now": utcnow(),
    }
    result = await session.scalars(
        _user_upsert(_dialect(session)), params, execution_options={"populate_existing": True}
    )
    return result.one()


async def last_seen(session: AsyncSession, channel: str, external_id: str) -> datetime | None:
    """When the resident last wrote to us on this channel (None: never, or erased)."""
    return await session.scalar(
        select(User.last_seen_at).where(User.channel == channel, User.external_id == external_id)
    )


@dataclass
class StateSnapshot:
    """A resident's conversation state as the handlers see it (plain data, no ORM)."""

    conversation_id: str
    flow: str | None
    data: dict
    options: list[str]
    is_new_conversation: bool


async def load_state(
    session: AsyncSession, user_id: int, now: datetime | None = None
) -> StateSnapshot:
    """Read (and lock on PostgreSQL) the state row; a long silence starts a new conversation."""
    now = now or utcnow()
    row = (await session.execute(_STATE_SELECT, {"user_id": user_id})).one_or_none()
    if row is None or now - row.updated_at > CONVERSATION_GAP:
        return StateSnapshot(uuid.uuid4().hex, None, {}, [], True)
    return StateSnapshot(row.conversation_id, row.flow, dict(row.data), list(row.options), False)


async def save_state(session: AsyncSession, user_id: int, state: StateSnapshot) -> None:
    """Write the state row (insert or update)."""
    row = {
        "user_id": user_id,
        "conversation_id": state.conversation_id,
        "flow": state.flow,
        "data": state.data,
        "options": state.options,
        "version": 0,
        "updated_at": utcnow(),
    }
    await session.execute(_state_upsert(_dialect(session)), row)


async def add_interactions(session: AsyncSession, rows: Sequence[dict]) -> list[int]:
    """Store messages in and out in one statement; returns their ids in the rows' order.

    Not asked to sort by parameter order: SQLite offers SQLAlchemy no sentinel for that, so
    it would send one statement per row (each a round trip to the driver's thread). The rows
    of one INSERT get their ids in VALUES order on SQLite and PostgreSQL alike, so sorting
    the returned ids restores the order whatever order RETURNING reports them in."""
    # Every row carries every column (NULLs as NULLs), so all rows are one statement.
    result = await session.execute(_INTERACTIONS_INSERT, list(rows))
    return sorted(result.scalars())


async def add_unanswered(
    session: AsyncSession,
    user: User,
    interaction_id: int,
    text: str,
    normalized: str,
    best_guess: str | None,
    score: float | None,
) -> None:
    """Remember a question the assistant could not answer, for the content-gap report."""
    session.add(
        UnansweredQuestion(
            user_id=user.id,
            interaction_id=interaction_id,
            channel=user.channel,
            text=text,
            normalized=cap_text(normalized),
            best_guess=best_guess,
            score=score,
        )
    )


async def subscribed_topics(session: AsyncSession, user_id: int) -> list[str]:
    """Topics the resident currently receives announcements about."""
    rows = await session.execute(
        select(Subscription.topic)
        .where(Subscription.user_id == user_id)
        .order_by(Subscription.topic)
    )
    return list(rows.scalars())


async def subscribe(session: AsyncSession, user_id: int, topics: Sequence[str]) -> None:
    """Add topics (idempotent); each topic really added is logged for the report."""
    now = utcnow()
    for topic in topics:
        stmt = (
            insert_for(session, Subscription)
            .values(user_id=user_id, topic=topic, created_at=now)
            .on_conflict_do_nothing(index_elements=["user_id", "topic"])
            .returning(Subscription.topic)
        )
        if (await session.execute(stmt)).first() is not None:
            session.add(
                SubscriptionEvent(user_id=user_id, topic=topic, action="add", created_at=now)
            )


async def unsubscribe(
    session: AsyncSession, user_id: int, topics: Sequence[str] | None = None
) -> int:
    """Remove some topics (or every subscription); returns how many were removed."""
    stmt = delete(Subscription).where(Subscription.user_id == user_id)
    if topics is not None:
        stmt = stmt.where(Subscription.topic.in_(list(topics)))
    removed = list((await session.execute(stmt.returning(Subscription.topic))).scalars())
    now = utcnow()
    session.add_all(
        SubscriptionEvent(user_id=user_id, topic=topic, action="remove", created_at=now)
        for topic in removed
    )
    return len(removed)


async def set_area(session: AsyncSession, user_id: int, area: str, key: str) -> None:
    """Remember the resident's tổ dân phố (and its key, for targeting)."""
    await session.execute(update(User).where(User.id == user_id).values(area=area, area_key=key))


async def store_events(
    session: AsyncSession, events: Sequence[tuple[str, str, dict]]
) -> set[tuple[str, str]]:
    """Store delivered updates (channel, key, payload) not seen before; returns the new ones."""
    if not events:
        return set()
    now = utcnow()
    # Sorted: processes storing overlapping updates then lock keys in the same order, so
    # PostgreSQL never sees two batches waiting on each other (a deadlock).
    rows = sorted(
        (
            {"channel": c, "event_key": k[:128], "payload": p, "received_at": now}
            for c, k, p in events
        ),
        key=lambda row: (row["channel"], row["event_key"]),
    )
    stmt = (
        insert_for(session, ChannelEvent)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["channel", "event_key"])
        .returning(ChannelEvent.channel, ChannelEvent.event_key)
    )
    result = await session.execute(stmt)
    return {(row.channel, row.event_key) for row in result}


async def claim_event(session: AsyncSession, channel: str, event_key: str) -> bool:
    """Mark an update handled (recording it if it was not stored yet); False when it was
    already handled, which makes a re-delivery or a second process a no-op."""
    now = utcnow()
    row = {"channel": channel, "event_key": event_key[:128], "received_at": now, "handled_at": now}
    result = await session.execute(_event_claim(_dialect(session)), row)
    return bool(result.rowcount)


async def close_event(
    session: AsyncSession, channel: str, event_key: str, error: str | None = None
) -> None:
    """Close an update still open: processed without a conversation (nothing to answer), or
    given up after its handling raised (`error`), so it is not retried forever."""
    await session.execute(
        update(ChannelEvent)
        .where(
            ChannelEvent.channel == channel,
            ChannelEvent.event_key == event_key[:128],
            ChannelEvent.handled_at.is_(None),
        )
        .values(handled_at=utcnow(), error=error[:300] if error else None)
    )


async def pending_events(session: AsyncSession, limit: int = 10_000) -> list[ChannelEvent]:
    """Stored updates not handled yet (after a restart), oldest first."""
    rows = await session.execute(
        select(ChannelEvent)
        .where(ChannelEvent.handled_at.is_(None))
        .order_by(ChannelEvent.id)
        .limit(limit)
    )
    return list(rows.scalars())


async def set_active(session: AsyncSession, channel: str, external_id: str, active: bool) -> int:
    """Mark a resident as reachable or not (blocked the bot); returns rows changed."""
    result = await session.execute(
        update(User)
        .where(User.channel == channel, User.external_id == external_id)
        .values(active=active)
    )
    return result.rowcount or 0


async def active_staff_by_telegram(
    session: AsyncSession, telegram_user_id: str
) -> StaffUser | None:
    """The active staff account linked to this Telegram user, if any."""
    return await session.scalar(
        select(StaffUser).where(
            StaffUser.telegram_user_id == telegram_user_id, StaffUser.active.is_(True)
        )
    )


async def seed_oa_token(session: AsyncSession, app_id: str, access: str, refresh: str) -> None:
    """Store the first Zalo OA token pair unless one is stored already."""
    stmt = (
        insert_for(session, ZaloOAToken)
        .values(app_id=app_id, access_token=access, refresh_token=refresh, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["app_id"])
    )
    await session.execute(stmt)


async def get_oa_token(session: AsyncSession, app_id: str) -> ZaloOAToken | None:
    """The stored token pair (no lock)."""
    return await session.get(ZaloOAToken, app_id)


async def lock_oa_token(session: AsyncSession, app_id: str) -> ZaloOAToken:
    """Take the write lock on the token row, then read it fresh: an UPDATE locks the row on
    PostgreSQL and the whole database on SQLite, so only one refresh runs at a time."""
    await session.execute(
        update(ZaloOAToken)
        .where(ZaloOAToken.app_id == app_id)
        .values(updated_at=ZaloOAToken.updated_at)
    )
    row = (
        await session.execute(
            select(ZaloOAToken)
            .where(ZaloOAToken.app_id == app_id)
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    return row
