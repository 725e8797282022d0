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
