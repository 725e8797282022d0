"""Build the core's dependencies from settings, and tear them down."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from bot.settings import Settings
from content.indexing import build_index
from content.loader import load_catalogue, load_ward
from content.normalize import load_lexicon
from db.session import create_engine, session_factory, upgrade
from handlers.deps import Deps


@asynccontextmanager
async def core(
    settings: Settings,
    migrate: bool = True,
    observe: Callable[[str, str, float, bool], None] | None = None,
) -> AsyncIterator[Deps]:
    """Open the database (bringing its schema up to date) and load the catalogue;
    `observe` is told about each handled message (the server's metrics)."""
    catalogue = load_catalogue(ward=load_ward(settings.ward))
    lexicon = load_lexicon()
    engine = create_engine(settings.database_url)
    try:
        if migrate:
            await upgrade(engine)
        alerts: tuple[tuple[str, str], ...] = ()
        if settings.telegram_staff_chat_id and settings.telegram_bot_token:
            alerts = (("telegram", settings.telegram_staff_chat_id),)
        yield Deps(
            sessions=session_factory(engine),
            catalogue=catalogue,
            lexicon=lexicon,
            index=build_index(catalogue, lexicon),
            staff_alerts=alerts,
            public_url=settings.public_root() if settings.public_url else None,
            retention_days=settings.retention_days,
            observe=observe,
        )
    finally:
        await engine.dispose()
