"""One message's transaction on SQLite: our connections (one trip to aiosqlite's thread per
statement, db/sqlite_driver.py) against SQLAlchemy's own aiosqlite connections (four), on the
same database file in the same run.

Run: python bench/sqlite_transaction.py [--transactions 300] [--rounds 6]

Each transaction is what every message writes (db/queries.py): claim the update, the
resident, read and write the conversation state, the message in and the reply out. Rounds
alternate between the two engines; prints the process's CPU time per transaction, the best
round of each (the machine's other load only ever adds), and the ratio ours/SQLAlchemy's.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine  # noqa: E402

from db import queries  # noqa: E402
from db import session as db_session  # noqa: E402
from db.models import utcnow  # noqa: E402


def sqlalchemys_own(url: str) -> AsyncEngine:
    """The engine `create_engine` made before db/sqlite_driver.py: same pool and pragmas,
    SQLAlchemy's aiosqlite connections."""
    engine = create_async_engine(
        url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0, hide_parameters=True
    )
    event.listen(engine.sync_engine, "connect", db_session._sqlite_pragmas)
    event.listen(engine.sync_engine, "begin", db_session._sqlite_begin)
    return engine


async def one_message(engine: AsyncEngine, n: int) -> None:
    sessions = db_session.session_factory(engine)
    async with sessions() as session, session.begin():
        await queries.claim_event(session, "telegram", f"bench-{n}")
        user = await queries.get_or_create_user(session, "telegram", str(n))
        state = await queries.load_state(session, user.id)
        await queries.save_state(session, user.id, state)
        row = {
            "user_id": user.id,
            "conversation_id": state.conversation_id,
            "channel": "telegram",
            "text": "làm căn cước cho con cần gì",
            "payload": None,
            "intent": "howto",
            "content_id": None,
            "score": None,
            "latency_ms": None,
            "button_title": None,
            "created_at": utcnow(),
        }
        await queries.add_interactions(
            session, [{**row, "direction": "in"}, {**row, "direction": "out"}]
        )


async def main_async(args: argparse.Namespace) -> None:
    url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='wa-sqlite-')}/bench.sqlite3"
    ours = db_session.create_engine(url)
    await db_session.upgrade(ours)
    engines = {"SQLAlchemy's aiosqlite connections": sqlalchemys_own(url), "ours": ours}
    best = dict.fromkeys(engines, float("inf"))
    n = 0
    for _ in range(args.rounds):
        for name, engine in engines.items():
            started = time.process_time()
            for _ in range(args.transactions):
                n += 1
                await one_message(engine, n)
            spent = (time.process_time() - started) / args.transactions * 1000
            best[name] = min(best[name], spent)
    for name, ms in best.items():
        print(f"  {name:<36} {ms:5.2f} ms CPU a transaction (best of {args.rounds})")
    baseline = best["SQLAlchemy's aiosqlite connections"]
    print(f"  ratio ours/SQLAlchemy's: {best['ours'] / baseline:.2f} (lower is better)")
    for engine in engines.values():
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transactions", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=6)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
