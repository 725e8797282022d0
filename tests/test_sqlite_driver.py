"""SQLite connections that run a statement in one call on aiosqlite's thread (db/sqlite_driver):
fewer hand-overs, the same results and errors as SQLAlchemy's own aiosqlite connections."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from db import queries
from db.models import User, utcnow
from db.session import session_factory
from db.sqlite_driver import OneTripConnection


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The calls handed to the driver's thread, by name."""
    seen: list[str] = []
    original = OneTripConnection._execute

    async def counted(self: OneTripConnection, fn, *args, **kwargs):
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(OneTripConnection, "_execute", counted)
    yield seen


async def test_a_statement_with_rows_is_one_trip_to_the_driver_thread(
    sqlite_engine: AsyncEngine, trips: list[str]
) -> None:
    sessions = session_factory(sqlite_engine)
    async with sessions() as session, session.begin():
        await queries.get_or_create_user(session, "web", "a")
        trips.clear()
        rows = (await session.execute(select(User.external_id, User.channel))).all()
        assert trips == [
            "_run"
        ]  # SQLAlchemy's own connections make four: cursor, run, fetch, close
    assert [tuple(r) for r in rows] == [("a", "web")]


async def test_a_message_transaction_makes_a_trip_per_statement_and_no_more(
    sqlite_engine: AsyncEngine, trips: list[str]
) -> None:
    sessions = session_factory(sqlite_engine)
    async with sessions() as session, session.begin():  # the connection opens (pragmas)
        await queries.get_or_create_user(session, "web", "b")
    trips.clear()
    async with sessions() as session, session.begin():
        user = await queries.get_or_create_user(session, "web", "b")
        state = await queries.load_state(session, user.id)
        await queries.save_state(session, user.id, state)
    statements = [t for t in trips if t in ("_run", "_run_many")]
    # BEGIN IMMEDIATE, three statements; then the commit and the pool's reset are one each.
    assert len(statements) == 4
    assert len(trips) <= len(statements) + 2


async def test_results_errors_and_counts_are_the_drivers_own(sqlite_engine: AsyncEngine) -> None:
    sessions = session_factory(sqlite_engine)
    now = utcnow()
    async with sessions() as session, session.begin():
        # executemany: every row written, the count reported
        await session.execute(
            insert(User.__table__),
            [
                {"channel": "web", "external_id": str(n), "created_at": now, "last_seen_at": now}
                for n in range(5)
            ],
        )
        changed = await session.execute(
            update(User.__table__)
            .where(User.__table__.c.external_id.in_(["1", "2"]))
            .values(area="Tổ 3")
        )
        assert changed.rowcount == 2
        streamed = await session.execute(text("SELECT external_id FROM users ORDER BY id"))
        assert streamed.fetchone() == ("0",)
        assert streamed.fetchmany(2) == [("1",), ("2",)]
        assert streamed.fetchall() == [("3",), ("4",)]
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            await session.execute(
                insert(User.__table__).values(
                    channel="web", external_id="1", created_at=now, last_seen_at=now
                )
            )
    async with sessions() as session:  # the connection is fine after the failed transaction
        count = await session.scalar(text("SELECT count(*) FROM users"))
    assert count == 5
