"""Shared fixtures: the catalogue and search index (built once), and a migrated database per
test on SQLite and, where reachable (always in CI), on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from content.acts import load_act_model
from content.indexing import build_index
from content.loader import Catalogue, load_catalogue
from content.normalize import Lexicon, load_lexicon
from content.search import SearchIndex
from db.session import create_engine, session_factory, upgrade
from handlers.deps import Deps
from tests.fakes.telegram_api import FakeTelegram
from tests.postgres import PG_URL, require_postgres, scratch_schema


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return load_lexicon()


@pytest.fixture(scope="session")
def index(catalogue: Catalogue, lexicon: Lexicon) -> SearchIndex:
    return build_index(catalogue, lexicon)


async def _sqlite_engine(tmp_path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/test.sqlite3")
    await upgrade(engine)
    yield engine
    await engine.dispose()


async def _postgres_engine() -> AsyncIterator[AsyncEngine]:
    require_postgres()
    engine, drop = await scratch_schema(PG_URL)
    try:
        await upgrade(engine)
        yield engine
    finally:
        await drop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database: each test runs on SQLite and on PostgreSQL."""
    factory = _sqlite_engine(tmp_path) if request.param == "sqlite" else _postgres_engine()
    async for engine in factory:
        yield engine


@pytest.fixture
async def sqlite_engine(tmp_path) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty SQLite database (for tests about behaviour, not storage)."""
    async for engine in _sqlite_engine(tmp_path):
        yield engine


def make_deps(
    engine: AsyncEngine, catalogue: Catalogue, lexicon: Lexicon, index: SearchIndex
) -> Deps:
    return Deps(
        sessions=session_factory(engine),
        catalogue=catalogue,
        lexicon=lexicon,
        index=index,
        acts=load_act_model(lexicon),
    )


@pytest.fixture
def deps(engine: AsyncEngine, catalogue: Catalogue, lexicon: Lexicon, index: SearchIndex) -> Deps:
    """Core dependencies on both databases."""
    return make_deps(engine, catalogue, lexicon, index)


@pytest.fixture
def sqlite_deps(
    sqlite_engine: AsyncEngine, catalogue: Catalogue, lexicon: Lexicon, index: SearchIndex
) -> Deps:
    """Core dependencies on SQLite only."""
    return make_deps(sqlite_engine, catalogue, lexicon, index)


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A fake Telegram Bot API on 127.0.0.1 (the Zalo tests have their own `fake`)."""
    server = await FakeTelegram().start()
    yield server
    await server.stop()
