"""Throw-away PostgreSQL places for tests and benches: a schema of its own (one engine, its
search_path set) or a database of its own (for `serve` processes, which only get a URL)."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from db.session import create_engine

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
Drop = Callable[[], Awaitable[None]]


def reachable(url: str = PG_URL) -> bool:
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), 1):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    """Skip a test without PostgreSQL, except in CI, where it must run."""
    if not reachable():
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL is required in CI but {PG_URL} is not reachable")
        pytest.skip("PostgreSQL not reachable")


async def scratch_schema(url: str, prefix: str = "test") -> tuple[AsyncEngine, Drop]:
    """An engine working in a new, empty schema, and the call that drops it."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, connect_args={"server_settings": {"search_path": schema}})

    async def drop() -> None:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()

    return engine, drop


async def scratch_database(url: str, prefix: str = "mp") -> tuple[str, Drop]:
    """The URL of a new, empty database, and the call that drops it."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))

    async def drop() -> None:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        await admin.dispose()

    target = make_url(url).set(drivername="postgresql", database=name)
    return target.render_as_string(hide_password=False), drop


class TemplateDatabase:
    """A database migrated once per test run; each test gets a copy (CREATE DATABASE ...
    TEMPLATE: tens of milliseconds, against hundreds for running the migrations)."""

    def __init__(self, url: str = PG_URL) -> None:
        self.url = url
        self.name = f"tmpl_{uuid.uuid4().hex[:10]}"
        # No pooled connection: each test's event loop opens its own (asyncpg's are per loop).
        self._admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def _url_of(self, name: str) -> str:
        return make_url(self.url).set(database=name).render_as_string(hide_password=False)

    async def create(self, migrate: Callable[[AsyncEngine], Awaitable[None]]) -> None:
        async with self._admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        engine = create_engine(self._url_of(self.name))
        await migrate(engine)
        await engine.dispose()  # a template must have no connection when it is copied

    async def copy(self) -> tuple[AsyncEngine, Drop]:
        """An engine on a fresh copy of the template, and the call that drops it."""
        name = f"t_{uuid.uuid4().hex[:12]}"
        async with self._admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.name}"'))
        engine = create_engine(self._url_of(name))

        async def drop() -> None:
            await engine.dispose()
            async with self._admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))

        return engine, drop

    async def remove(self) -> None:
        async with self._admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
