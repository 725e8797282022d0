"""`python -m db.migrate`: bring DATABASE_URL (in DATABASE_SCHEMA, when set) to the newest
revision. Run as a child of the server at start (db/session.py `bring_to_head`), so Alembic never
loads in the server itself."""

from __future__ import annotations

import asyncio
import os

from db.session import create_engine, upgrade


async def _run(url: str, schema: str | None) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine, schema=schema)
    finally:
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(_run(os.environ["DATABASE_URL"], os.environ.get("DATABASE_SCHEMA") or None))
