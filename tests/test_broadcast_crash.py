"""Crash test: `python -m bot broadcast send` is killed with SIGKILL twice in the middle of a
broadcast and started again. Afterwards every subscriber has the announcement exactly once,
and Telegram's limits were never exceeded.

The kills land while the sender holds claimed rows and waits out a 429 from the fake server
(so nothing is on the wire at that instant): what is checked is the resume logic itself, that
recorded sends are never repeated and claimed-but-unsent rows are taken over. (A message whose
HTTP request is in flight at the very instant of a kill may be sent again after the restart;
no platform offers an idempotency key. See the README, "Delivery guarantees".)
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from bot.cli.broadcast import STATUS_WORDS  # noqa: F401 - the CLI module must import cleanly
from db import queries
from db.session import create_engine, session_factory, upgrade
from tests.fakes.limits import PlatformLimits
from tests.fakes.telegram_api import FakeTelegram, too_many_requests

ROOT = Path(__file__).resolve().parents[1]
RESIDENTS = 150
KILL_AFTER = (40, 95)  # accepted messages after which a kill is prepared


def _env(db: Path, fake: FakeTelegram) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.url,
        "TELEGRAM_RATE": "30",
        "OUTBOX_DEAD_AFTER": "2",
        "OUTBOX_RETRY_BASE": "0.5",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("ZALO_BOT_TOKEN", "ZALO_OA_APP_ID", "PUBLIC_URL"):
        env.pop(name, None)
    return env


async def _cli(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "broadcast",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _residents(db: Path) -> list[str]:
    engine = create_engine(f"sqlite+aiosqlite:///{db}")
    refs = [str(100_000 + i) for i in range(RESIDENTS)]
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session, session.begin():
            for ref in refs:
                user = await queries.get_or_create_user(session, "telegram", ref)
                await queries.subscribe(session, user.id, ["chuyen-doi-so"])
    finally:
        await engine.dispose()
    return refs


async def _kill_during_a_pause(
    fake: FakeTelegram, after: int, sender: asyncio.subprocess.Process
) -> None:
    """Once `after` messages are in, answer the next send with a 429 (retry after 3 s); while
    the sender waits it out, kill it."""
    while len(fake.delivered) < after:
        assert sender.returncode is None, "the sender finished before it could be killed"
        await asyncio.sleep(0.01)
    fake.fail[("sendMessage", None)] = [too_many_requests(3)]
    while fake.fail[("sendMessage", None)]:  # noqa: ASYNC110 - state of another server
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.5)  # sends already on the wire come back and are recorded
    sender.send_signal(signal.SIGKILL)
    await sender.wait()


async def test_a_killed_broadcast_resumes_without_duplicates_or_gaps(tmp_path: Path) -> None:
    db = tmp_path / "crash.sqlite3"
    refs = await _residents(db)
    fake = await FakeTelegram(limits=PlatformLimits(rate=30, per_chat=1.0)).start()
    try:
        env = _env(db, fake)
        create = await _cli(
            env, "create", "--text", "Lịch tiêm chủng tuần này.", "--topic", "Chuyển đổi số"
        )
        out, err = await create.communicate()
        assert create.returncode == 0, err.decode()
        announcement_id = out.decode().strip().splitlines()[-1]
        approve = await _cli(env, "send", announcement_id)
        _, err = await approve.communicate()
        assert approve.returncode != 0 and "chưa được duyệt" in err.decode()

        created = await _cli(
            env, "create", "--text", "Lịch tiêm chủng tuần này.", "--topic", "chuyen-doi-so",
            "--approve",
        )  # fmt: skip
        out, err = await created.communicate()
        assert created.returncode == 0, err.decode()
        announcement_id = out.decode().strip().splitlines()[-1]

        for after in KILL_AFTER:
            sender = await _cli(env, "send", announcement_id)
            await _kill_during_a_pause(fake, after, sender)
            assert sender.returncode == -signal.SIGKILL
        sender = await _cli(env, "send", announcement_id)
        _, err = await asyncio.wait_for(sender.communicate(), 60)
        assert sender.returncode == 0, err.decode()[-2000:]

        received = Counter(str(p["chat_id"]) for m, p in fake.delivered if m == "sendMessage")
        assert set(received) == set(refs), f"missed: {sorted(set(refs) - set(received))}"
        doubled = {chat: n for chat, n in received.items() if n > 1}
        assert not doubled, f"sent twice: {doubled}"
        assert fake.limits is not None and fake.limits.violations == []
        status = await _cli(env, "status", announcement_id)
        out, _ = await status.communicate()
        assert f"đã gửi: {RESIDENTS}" in out.decode()
        print(f"\ncrash test: 2 SIGKILLs; {len(received)} of {RESIDENTS} received, none twice")
    finally:
        await fake.stop()
