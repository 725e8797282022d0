"""Engine and session factory, and the Alembic upgrade run at start or from the CLI."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from db import sqlite_driver

if TYPE_CHECKING:  # Alembic (about 11 MB) loads only where a migration runs
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
REVISION_LINE = re.compile(r'^(down_)?revision: str(?: \| None)? = (?:"(\w+)"|None)', re.M)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the async engine; SQLite files get WAL, foreign keys and a busy timeout."""
    # Database errors must not carry residents' messages or phone numbers into the logs.
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        connect_args = kwargs.pop("connect_args", {"timeout": 30})
        kwargs.setdefault("async_creator", sqlite_driver.connection_creator(parsed, connect_args))
        # SQLite has one writer at a time. One pooled connection makes concurrent
        # transactions queue in asyncio instead of spinning in SQLite's busy handler.
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 120)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        event.listen(engine.sync_engine.pool, "invalidate", _sqlite_release)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web process read while another writes; NORMAL sync is safe under WAL.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    # Let SQLAlchemy, not the sqlite3 module, start transactions (below), so DDL is
    # transactional too: a migration cut short by a crash is rolled back, not half applied.
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Connection) -> None:
    # IMMEDIATE takes the write lock at once: a second process waits (busy_timeout) instead of
    # failing later when a read transaction tries to become a write.
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_release(dbapi_connection: Any, _record: Any, _error: BaseException | None) -> None:
    # A task cancelled mid-statement leaves a cursor that its traceback keeps alive; closing
    # the connection then only "zombies" it, and its write lock stays until garbage
    # collection: every later BEGIN IMMEDIATE waits out busy_timeout and fails. Rolling back
    # first ends the transaction (and aborts the pending read) whatever happens to the cursor.
    with contextlib.suppress(Exception):  # already closed or broken: nothing is held
        dbapi_connection.rollback()


def session_factory(
    engine: AsyncEngine, schema: str | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit (no implicit IO).

    With a `schema` (PostgreSQL), every transaction works in that schema: the wards of a
    deployment share one connection pool, each in its own schema, so no query can reach
    another ward's residents."""
    if schema is None:
        return async_sessionmaker(engine, expire_on_commit=False)
    return async_sessionmaker(
        engine, expire_on_commit=False, sync_session_class=_schema_session(schema)
    )


def _schema_session(schema: str) -> type[Session]:
    statement = f'SET LOCAL search_path TO "{schema}"'  # the name is checked by Settings

    class SchemaSession(Session):
        pass

    @event.listens_for(SchemaSession, "after_begin")
    def _enter_schema(_session: Session, _transaction: object, connection: Connection) -> None:
        connection.exec_driver_sql(statement)

    return SchemaSession


def alembic_config() -> Config:
    """Alembic configuration pointing at our migrations, without an ini file."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    from alembic import command

    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head", schema: str | None = None) -> None:
    """Bring the schema to `revision` over the engine's own connection; on PostgreSQL in
    `schema` (created if missing), one process at a time."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Processes starting together migrate one after the other, not over each other.
            await conn.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                {"key": f"ward-assistant-migrate:{schema or ''}"},
            )
            if schema is not None:
                await conn.exec_driver_sql(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                await conn.exec_driver_sql(f'SET LOCAL search_path TO "{schema}"')
        await conn.run_sync(_upgrade, revision)


@functools.cache  # read once per process: every ward start asks
def head_revision(versions: Path = MIGRATIONS_DIR / "versions") -> str:
    """The newest revision: the one no migration names as its down_revision (our history is
    one line; tests/test_storage.py checks this against Alembic's own answer)."""
    revisions, parents = set(), set()
    for path in versions.glob("*.py"):
        for down, name in REVISION_LINE.findall(path.read_text(encoding="utf-8")):
            (parents if down else revisions).add(name)
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"expected one migration head, found {sorted(heads)}")
    return heads.pop()


async def at_head(engine: AsyncEngine, schema: str | None = None) -> bool:
    """The database (or schema) is already at the newest revision: nothing to migrate."""
    table = f'"{schema}".alembic_version' if schema else "alembic_version"
    try:
        async with engine.connect() as conn:
            current = await conn.scalar(text(f"SELECT version_num FROM {table}"))
    except Exception:  # no table yet: a new database
        return False
    return current == head_revision()


async def bring_to_head(engine: AsyncEngine, url: str, schema: str | None = None) -> None:
    """Bring a ward's database to the newest revision at start. Nothing to do, the usual case,
    costs one query; otherwise Alembic runs in a child process, so the server never loads
    it."""
    if await at_head(engine, schema):
        return
    env = {**os.environ, "DATABASE_URL": url, "DATABASE_SCHEMA": schema or ""}
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "db.migrate", env=env, stderr=asyncio.subprocess.PIPE
    )
    _, errors = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"database migration failed: {errors.decode()[-800:]}")


async def ping(session: AsyncSession) -> None:
    """Ask the database the smallest question; raises when it does not answer."""
    await session.execute(text("SELECT 1"))


class Engines:
    """One engine per database URL, shared by the wards that live in that database (each in
    its own schema): one connection pool for a province, not one per commune."""

    def __init__(self) -> None:
        self._engines: dict[str, AsyncEngine] = {}

    def get(self, url: str) -> AsyncEngine:
        """The engine of this URL, created on first use."""
        if url not in self._engines:
            self._engines[url] = create_engine(url)
        return self._engines[url]

    async def dispose(self) -> None:
        """Close every pool."""
        for engine in self._engines.values():
            await engine.dispose()
        self._engines.clear()
