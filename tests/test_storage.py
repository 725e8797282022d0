"""Storage behaviour on both databases: users, state, unanswered questions, migrations."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import func, inspect, select
from sqlalchemy.ext.asyncio import AsyncEngine

from db import queries
from db.models import Base, UnansweredQuestion, User, utcnow
from db.session import session_factory
from handlers.deps import Deps
from handlers.engine import handle
from handlers.types import IncomingMessage


async def test_migrations_create_every_model_table(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


async def test_same_resident_on_two_channels_is_two_users(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        a = await queries.get_or_create_user(session, "telegram", "42")
        b = await queries.get_or_create_user(session, "zalo_bot", "42")
        again = await queries.get_or_create_user(session, "telegram", "42")
    assert a.id != b.id and a.id == again.id


async def test_concurrent_first_messages_create_one_user(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)

    async def create() -> int:
        async with sessions() as session, session.begin():
            return (await queries.get_or_create_user(session, "web", "same")).id

    ids = await asyncio.gather(*(create() for _ in range(8)))
    assert len(set(ids)) == 1
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 1


async def test_state_expires_after_a_long_silence(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        user = await queries.get_or_create_user(session, "web", "s")
        state = await queries.load_state(session, user.id)
        state.options = ["menu"]
        await queries.save_state(session, user.id, state)
    async with sessions() as session, session.begin():
        fresh = await queries.load_state(session, user.id)
        later = await queries.load_state(session, user.id, utcnow() + timedelta(hours=2))
    assert fresh.options == ["menu"] and not fresh.is_new_conversation
    assert later.options == [] and later.is_new_conversation
    assert later.conversation_id != fresh.conversation_id


async def test_unanswered_questions_are_stored_for_staff(deps: Deps) -> None:
    await handle(IncomingMessage("web", "gap", text="thủ tục xin nuôi chó cảnh"), deps)
    async with deps.sessions() as session:
        rows = (await session.execute(select(UnansweredQuestion))).scalars().all()
    assert len(rows) == 1
    assert rows[0].text == "thủ tục xin nuôi chó cảnh"
    assert rows[0].normalized and rows[0].channel == "web"


async def test_timestamps_come_back_timezone_aware(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await queries.get_or_create_user(session, "web", "tz")
    async with sessions() as session:
        user = (await session.execute(select(User))).scalar_one()
    assert user.created_at.tzinfo is not None
