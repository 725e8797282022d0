"""Random crashes during a broadcast: `python -m bot broadcast send` is killed with SIGKILL at
random moments (no waiting for a quiet one) and started again until it finishes. Printed: how
many recipients were missed (must be 0) and how many got the message twice, the cost of the
at-least-once rule for requests on the wire at the instant of a kill (see the README,
"Delivery guarantees").

Run: python bench/broadcast_kills.py [--residents 600] [--rate 100] [--kills 10]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from db import queries  # noqa: E402
from db.session import create_engine, session_factory, upgrade  # noqa: E402
from tests.fakes.limits import PlatformLimits  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402


async def cli(env: dict[str, str], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "broadcast",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def main(args: argparse.Namespace) -> None:
    rng = random.Random(args.seed)
    fake = await FakeTelegram(limits=PlatformLimits(rate=args.rate, per_chat=1.0)).start()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "kills.sqlite3"
        engine = create_engine(f"sqlite+aiosqlite:///{db}")
        await upgrade(engine)
        refs = [str(200_000 + i) for i in range(args.residents)]
        async with session_factory(engine)() as session, session.begin():
            for ref in refs:
                user = await queries.get_or_create_user(session, "telegram", ref)
                await queries.subscribe(session, user.id, ["chuyen-doi-so"])
        await engine.dispose()
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{db}",
            "TELEGRAM_BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.url,
            "TELEGRAM_RATE": str(args.rate),
            "OUTBOX_DEAD_AFTER": "1",
            "LOG_LEVEL": "ERROR",
        }
        create = await cli(
            env, "create", "--text", "Tin thử.", "--topic", "chuyen-doi-so", "--approve"
        )
        out, _ = await create.communicate()
        announcement_id = out.decode().strip().splitlines()[-1]
        kills = 0
        while True:
            sender = await cli(env, "send", announcement_id)
            if kills < args.kills:
                try:
                    await asyncio.wait_for(sender.wait(), rng.uniform(1.0, 3.0))
                except TimeoutError:
                    sender.send_signal(signal.SIGKILL)
                    await sender.wait()
                    kills += 1
                    continue
            await sender.communicate()
            if sender.returncode == 0:
                break
    await fake.stop()
    received = Counter(str(p["chat_id"]) for m, p in fake.delivered if m == "sendMessage")
    missed = set(refs) - set(received)
    doubled = sum(1 for n in received.values() if n > 1)
    print(f"residents {args.residents}, rate {args.rate}/s, SIGKILLs at random moments: {kills}")
    print(f"missed: {len(missed)}   sent twice: {doubled}   over the limit: "
          f"{len(fake.limits.violations) if fake.limits else 0}")  # fmt: skip
    print(f"sent twice per kill: {doubled / max(kills, 1):.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=600)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    asyncio.run(main(parser.parse_args()))
