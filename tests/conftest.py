"""Shared fixtures: the catalogue and search index (built once), and a migrated database per
test on SQLite and, where reachable (always in CI), on PostgreSQL.

The migrations run once per test run, into a template on each database; every test gets a
copy of it (a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL). An app a
test starts on a new SQLite file gets the same copy instead of running them again."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from weakref import WeakSet

import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import wiring
from bot.staff import auth
from content.acts import load_act_model
from content.indexing import build_index
from content.loader import Catalogue, load_catalogue
from content.normalize import Lexicon, load_lexicon
from content.search import SearchIndex
from db.session import create_engine, session_factory, upgrade
from handlers.deps import Deps
from tests.fakes.telegram_api import FakeTelegram
from tests.postgres import TemplateDatabase, reachable, require_postgres


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return load_lexicon()


@pytest.fixture(scope="session")
def index(catalogue: Catalogue, lexicon: Lexicon) -> SearchIndex:
    return build_index(catalogue, lexicon)


# What `python -m bot` sets where it starts (bot/cli/__init__.py), for the apps tests start.
os.environ.setdefault("PTB_TIMEDELTA", "true")

MIGRATED: WeakSet[AsyncEngine] = WeakSet()  # engines on a copy of a template: at head


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file the migrations ran on, once per test run."""
    path = tmp_path_factory.mktemp("template") / "migrated.sqlite3"

    async def make() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await upgrade(engine)
        await engine.dispose()  # the last connection folds the WAL into the file

    asyncio.run(make())
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[TemplateDatabase | None]:
    """A PostgreSQL database the migrations ran on, once per test run (None if unreachable)."""
    if not reachable():
        yield None
        return
    template = TemplateDatabase()
    asyncio.run(template.create(upgrade))
    yield template
    asyncio.run(template.remove())


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Staff passwords hashed with argon2's own profile for tests (0.1 ms a hash instead of
    0.1 s and 64 MB): the console tests add and sign in hundreds of accounts. Processes a
    test starts (`bot staff add`, `serve`) keep the real parameters."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture(autouse=True)
def _apps_start_on_the_template(monkeypatch: pytest.MonkeyPatch, sqlite_template: Path) -> None:
    """An app started by a test migrates its database at start: a new SQLite file becomes a
    copy of the template instead, an engine on a copy needs nothing, and anything else is
    migrated here (the server's own child process is exercised by the `serve` tests)."""

    async def quick_migrate(engine: AsyncEngine, url: str, schema: str | None = None) -> None:
        if engine in MIGRATED and schema is None:
            return
        parsed = engine.url
        fresh = parsed.get_backend_name() == "sqlite" and parsed.database not in (
            None,
            "",
            ":memory:",
        )
        if fresh and schema is None and _copied(sqlite_template, Path(str(parsed.database))):
            return
        await upgrade(engine, schema=schema)

    monkeypatch.setattr(wiring, "bring_to_head", quick_migrate)


def _copied(template: Path, path: Path) -> bool:
    """Put the template where a new database file is expected; False if one is there."""
    if path.exists() and path.stat().st_size > 0:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(template, path)
    return True


async def _sqlite_engine(tmp_path: Path, template: Path) -> AsyncIterator[AsyncEngine]:
    path = tmp_path / "test.sqlite3"
    shutil.copyfile(template, path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    MIGRATED.add(engine)
    yield engine
    await engine.dispose()


async def _postgres_engine(template: TemplateDatabase | None) -> AsyncIterator[AsyncEngine]:
    require_postgres()
    assert template is not None
    engine, drop = await template.copy()
    MIGRATED.add(engine)
    try:
        yield engine
    finally:
        await drop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def engine(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: Path,
    postgres_template: TemplateDatabase | None,
) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty database: each test runs on SQLite and on PostgreSQL."""
    factory = (
        _sqlite_engine(tmp_path, sqlite_template)
        if request.param == "sqlite"
        else _postgres_engine(postgres_template)
    )
    async for engine in factory:
        yield engine


@pytest.fixture
async def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> AsyncIterator[AsyncEngine]:
    """A migrated, empty SQLite database (for tests about behaviour, not storage)."""
    async for engine in _sqlite_engine(tmp_path, sqlite_template):
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
