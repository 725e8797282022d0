"""Session-first query functions: every function takes the caller's session and never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    MAX_STORED_TEXT,
    ChannelEvent,
    ConversationState,
    Interaction,
    Subscription,
    UnansweredQuestion,
    User,
    utcnow,
)

CONVERSATION_GAP = timedelta(minutes=30)  # silence after which a new conversation starts


def _insert(session: AsyncSession, table: type) -> postgresql.Insert | sqlite.Insert:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


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
    """Find the resident, creating the row if needed (safe when two processes race)."""
    stmt = (
        _insert(session, User)
        .values(
            channel=channel,
            external_id=external_id,
            display_name=display_name,
            active=True,
            created_at=utcnow(),
            last_seen_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
    )
    await session.execute(stmt)
    user = (
        await session.execute(
            select(User).where(User.channel == channel, User.external_id == external_id)
        )
    ).scalar_one()
    user.last_seen_at = utcnow()
    user.active = True  # writing to us again means they have not blocked us
    return user


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
    row = (
        await session.execute(
            select(ConversationState).where(ConversationState.user_id == user_id).with_for_update()
        )
    ).scalar_one_or_none()
    if row is None or now - row.updated_at > CONVERSATION_GAP:
        return StateSnapshot(uuid.uuid4().hex, None, {}, [], True)
    return StateSnapshot(row.conversation_id, row.flow, dict(row.data), list(row.options), False)


async def save_state(session: AsyncSession, user_id: int, state: StateSnapshot) -> None:
    """Write the state row (insert or update)."""
    values = {
        "conversation_id": state.conversation_id,
        "flow": state.flow,
        "data": state.data,
        "options": state.options,
        "updated_at": utcnow(),
    }
    stmt = _insert(session, ConversationState).values(user_id=user_id, version=0, **values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id"],
        set_={**values, "version": ConversationState.version + 1},
    )
    await session.execute(stmt)


async def add_interactions(session: AsyncSession, rows: Sequence[Interaction]) -> None:
    """Store messages in and out; ids are assigned on flush."""
    session.add_all(rows)
    await session.flush()


async def add_unanswered(
    session: AsyncSession,
    user: User,
    interaction: Interaction,
    normalized: str,
    best_guess: str | None,
    score: float | None,
) -> None:
    """Remember a question the assistant could not answer, for the content-gap report."""
    session.add(
        UnansweredQuestion(
            user_id=user.id,
            interaction_id=interaction.id,
            channel=user.channel,
            text=interaction.text,
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
    """Add topics (idempotent)."""
    for topic in topics:
        stmt = (
            _insert(session, Subscription)
            .values(user_id=user_id, topic=topic, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["user_id", "topic"])
        )
        await session.execute(stmt)


async def unsubscribe(session: AsyncSession, user_id: int) -> int:
    """Remove every subscription; returns how many were removed."""
    result = await session.execute(delete(Subscription).where(Subscription.user_id == user_id))
    return result.rowcount or 0


async def claim_event(session: AsyncSession, channel: str, event_key: str) -> bool:
    """Record a delivered update; False when it was already recorded (a re-delivery)."""
    stmt = (
        _insert(session, ChannelEvent)
        .values(channel=channel, event_key=event_key[:128], received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["channel", "event_key"])
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)


async def set_active(session: AsyncSession, channel: str, external_id: str, active: bool) -> int:
    """Mark a resident as reachable or not (blocked the bot); returns rows changed."""
    result = await session.execute(
        update(User)
        .where(User.channel == channel, User.external_id == external_id)
        .values(active=active)
    )
    return result.rowcount or 0
