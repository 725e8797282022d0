"""Build the core's dependencies from settings, and tear them down."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.settings import Settings
from content.acts import load_act_model
from content.examples import Examples
from content.indexing import build_index
from content.loader import load_ward_catalogue
from content.normalize import load_lexicon
from db.session import bring_to_head, create_engine, session_factory
from handlers.deps import Deps

SessionMaker = async_sessionmaker[AsyncSession]


@asynccontextmanager
async def core(
    settings: Settings,
    migrate: bool = True,
    observe: Callable[[str, str, float, bool], None] | None = None,
    engine: AsyncEngine | None = None,
    examples: Examples | None = None,
) -> AsyncIterator[Deps]:
    """Open the database (bringing its schema up to date) and load the ward's catalogue;
    `observe` is told about each handled message (the server's metrics). An `engine` given
    is shared with other wards and left open. `examples`: the labelled questions the entry
    model learns from (default: the shipped ones; the evaluation holds some out)."""
    catalogue = load_ward_catalogue(settings.ward)
    lexicon = load_lexicon()
    alerts: tuple[tuple[str, str], ...] = ()
    if settings.telegram.staff_chat_id and settings.telegram.enabled:
        alerts = (("telegram", settings.telegram.staff_chat_id),)
    async with database(settings, migrate, engine) as sessions:
        yield Deps(
            sessions=sessions,
            catalogue=catalogue,
            lexicon=lexicon,
            index=build_index(catalogue, lexicon, examples),
            acts=load_act_model(lexicon),
            staff_alerts=alerts,
            public_url=settings.public_root() if settings.public_url else None,
            retention_days=settings.retention_days,
            observe=observe,
        )


@asynccontextmanager
async def database(
    settings: Settings, migrate: bool = True, engine: AsyncEngine | None = None
) -> AsyncIterator[SessionMaker]:
    """Sessions on the ward's database (its schema brought up to date); an `engine` given is
    shared with other wards and left open."""
    own_engine = engine is None
    if engine is None:
        engine = create_engine(settings.database_url)
    try:
        if migrate:
            await bring_to_head(engine, settings.database_url, settings.database_schema)
        yield session_factory(engine, settings.database_schema)
    finally:
        if own_engine:
            await engine.dispose()
