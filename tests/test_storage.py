"""Storage behaviour on both databases: users, state, unanswered questions, migrations."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from sqlalchemy import event, func, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from db import queries
from db.models import Base, Interaction, UnansweredQuestion, User, utcnow
from db.session import session_factory
from handlers.deps import Deps
from handlers.domain.types import IncomingMessage
from handlers.engine import handle


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


async def test_a_turns_messages_are_stored_in_one_statement_with_ids_in_order(
    engine: AsyncEngine,
) -> None:
    """The message in and the replies out come back as ids in the order given, so delivery
    reports land on the right reply; and one INSERT carries them all (a round trip each
    would cost every turn)."""
    sessions = session_factory(engine)
    statements: list[str] = []

    def count(_conn, _cursor, statement: str, *_args) -> None:
        if statement.startswith("INSERT INTO interactions"):
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    async with sessions() as session, session.begin():
        user = await queries.get_or_create_user(session, "telegram", "7")
        rows = [
            {
                "user_id": user.id,
                "conversation_id": "c",
                "channel": "telegram",
                "direction": "in" if n == 0 else "out",
                "text": f"message {n}",
                "payload": None,
                "intent": "menu",
                "content_id": None,
                "score": 0.5 if n == 0 else None,
                "latency_ms": None,
                "button_title": None,
                "created_at": utcnow(),
            }
            for n in range(4)
        ]
        ids = await queries.add_interactions(session, rows)
    event.remove(engine.sync_engine, "before_cursor_execute", count)
    assert len(statements) == 1
    async with sessions() as session:
        texts = {
            i: t for i, t in (await session.execute(select(Interaction.id, Interaction.text)))
        }
    assert [texts[i] for i in ids] == [f"message {n}" for n in range(4)]


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


SLOW_READ = (
    "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5000000) "
    "SELECT count(*) FROM n"
)


async def test_a_task_cancelled_mid_transaction_frees_sqlite_at_once(
    sqlite_engine: AsyncEngine,
) -> None:
    """A sender or scheduler stopped while it writes must not leave SQLite's write lock
    behind: the next transaction runs at once, not after busy_timeout, and does not fail."""
    sessions = session_factory(sqlite_engine)

    async def busy() -> None:
        async with sessions() as session, session.begin():
            await session.execute(text("UPDATE users SET active = active"))  # takes the lock
            await session.execute(text(SLOW_READ))

    for _ in range(3):
        task = asyncio.create_task(busy())
        await asyncio.sleep(0.05)  # inside the slow statement
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

        async def write() -> None:
            async with sessions() as session, session.begin():
                await session.execute(text("UPDATE users SET active = active"))

        await asyncio.wait_for(write(), 10)  # busy_timeout is 30 s


def test_the_head_revision_is_read_as_alembic_reads_it() -> None:
    from alembic.script import ScriptDirectory

    from db.session import alembic_config, head_revision

    assert head_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_a_server_start_migrates_in_a_child_and_skips_when_at_head(tmp_path) -> None:
    """The real start-up step (tests otherwise start apps on a template copy)."""
    from db.session import at_head, bring_to_head, create_engine

    url = f"sqlite+aiosqlite:///{tmp_path}/start.sqlite3"
    engine = create_engine(url)
    assert not await at_head(engine)
    await bring_to_head(engine, url)  # a new database: Alembic runs in a child process
    assert await at_head(engine)
    async with engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    assert "users" in tables and "contest_attempts" in tables
    await bring_to_head(engine, url)  # at head: one query, no child
    await engine.dispose()
