"""Broadcast throughput: one announcement to 20,000 subscribers through the real sender
(claims, channel adapter, rate limiter, group-committed results) against a fake Bot API that
enforces 1,000 messages/s, the limit Telegram allows for paid broadcasts.

Run: python bench/broadcast_throughput.py [--subscribers 20000] [--rate 1000]
                                          [--channel telegram|zalo_bot] [--database URL]

The fake server runs in its own process (the machine has two cores: one each). Printed:
the rate achieved against the allowed rate (target at least 0.95), the rate a bare client
loop reaches against the same server with no database and no limiter (the baseline of this
run), the fake server's count of messages over its limit (must be 0), and the process's
resident memory at 10%, 50% and 100% of the broadcast (bounded: it must not grow with the
number of recipients).
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.channels.telegram import TelegramChannel  # noqa: E402
from bot.channels.zalo_bot import ZaloBotChannel  # noqa: E402
from bot.outbox import OutboxSender, SenderOptions  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db import announcement_queries as aq  # noqa: E402
from db.models import Subscription, User, utcnow  # noqa: E402
from db.session import create_engine, session_factory, upgrade  # noqa: E402
from handlers.domain import announcements as service  # noqa: E402
from tests.conftest import make_deps  # noqa: E402
from tests.fakes.limits import PlatformLimits  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.fakes.zalo_api import BOT_TOKEN, FakeZalo  # noqa: E402
from tests.postgres import scratch_schema  # noqa: E402


def serve_fake(channel: str, rate: int, urls, stop, results) -> None:
    """The fake platform, in a process of its own."""

    async def run() -> None:
        limits = PlatformLimits(rate=rate, per_chat=1.0)
        fake = (
            FakeTelegram(limits=limits) if channel == "telegram" else FakeZalo(bot_limits=limits)
        )
        await fake.start()
        urls.put(fake.url)
        while not stop.is_set():
            await asyncio.sleep(0.05)
        per_chat = Counter(
            str(p["chat_id"]) for m, p in fake.delivered if m in ("sendMessage", "sendPhoto")
        )
        results.put(
            {
                "accepted": limits.accepted,
                "violations": len(limits.violations),
                "recipients": len(per_chat),
                "doubled": sum(1 for n in per_chat.values() if n > 1),
            }
        )
        await fake.stop()

    asyncio.run(run())


async def open_database(url: str):
    """The bench's database; on PostgreSQL a schema of its own, dropped at the end."""
    if not url.startswith("postgresql"):

        async def nothing() -> None:
            return None

        return create_engine(url), nothing
    return await scratch_schema(url, prefix="bench")


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


async def subscribers(sessions, channel: str, count: int) -> None:
    now = utcnow()
    async with sessions() as session, session.begin():
        users = [
            {
                "channel": channel,
                "external_id": str(10_000_000 + i),
                "active": True,
                "created_at": now,
                "last_seen_at": now,
            }
            for i in range(count)
        ]
        await session.execute(User.__table__.insert(), users)
        ids = (await session.execute(User.__table__.select().with_only_columns(User.id))).scalars()
        await session.execute(
            Subscription.__table__.insert(),
            [{"user_id": i, "topic": "chuyen-doi-so", "created_at": now} for i in ids],
        )


async def baseline(url: str, channel: str, count: int, concurrency: int) -> float:
    """A bare client: POST the same messages as fast as the server answers, no database."""
    path = (
        "/bot123456:TEST-token_for-tests/sendMessage"
        if channel == "telegram"
        else (f"/bot{BOT_TOKEN}/sendMessage")
    )
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(count):
        queue.put_nowait(i)

    async def worker(http: aiohttp.ClientSession) -> None:
        while not queue.empty():
            i = queue.get_nowait()
            body = {"chat_id": str(90_000_000 + i), "text": "Tin thử nghiệm."}
            async with http.post(url + path, json=body) as response:
                await response.read()

    started = time.perf_counter()
    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(worker(http) for _ in range(concurrency)))
    return count / (time.perf_counter() - started)


async def main(args: argparse.Namespace) -> None:
    urls, results = multiprocessing.Queue(), multiprocessing.Queue()
    stop = multiprocessing.Event()
    # Baseline server: no limit, so the bare loop shows what the machine can do.
    base_stop, base_results = multiprocessing.Event(), multiprocessing.Queue()
    base = multiprocessing.Process(
        target=serve_fake, args=(args.channel, 10**9, urls, base_stop, base_results)
    )
    base.start()
    base_rate = await baseline(urls.get(), args.channel, min(args.subscribers, 5000), 32)
    base_stop.set()
    base.join()

    fake = multiprocessing.Process(
        target=serve_fake, args=(args.channel, args.rate, urls, stop, results)
    )
    fake.start()
    url = urls.get()
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database or f"sqlite+aiosqlite:///{tmp}/bench.sqlite3"
        engine, drop_schema = await open_database(database)
        await upgrade(engine)
        sessions = session_factory(engine)
        await subscribers(sessions, args.channel, args.subscribers)
        settings = Settings(
            telegram={
                "bot_token": "123456:TEST-token_for-tests",
                "api_url": url,
                "rate": args.rate,
            },
            zalo_bot={"token": BOT_TOKEN, "api_url": url, "rate": args.rate},
            outbox_concurrency=args.concurrency,
        )
        from content.indexing import build_index
        from content.loader import load_catalogue
        from content.normalize import load_lexicon

        catalogue, lexicon = load_catalogue(), load_lexicon()
        deps = make_deps(engine, catalogue, lexicon, build_index(catalogue, lexicon))
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            draft = service.Draft(
                text="Bình dân học vụ số: lớp học tối thứ Bảy.",
                topics=["chuyen-doi-so"],
                channels=[args.channel],
            )
            announcement = await service.create(session, draft, "bench")
            await service.approve(announcement, "bench")
            announcement_id = announcement.id
        await service.Queuer("Phường Đăk Bla").run_due(sessions)
        queued_in = time.perf_counter() - started

        sender = OutboxSender(sessions, SenderOptions(batch=500, interval=0.1))
        async with aiohttp.ClientSession() as http:
            if args.channel == "telegram":
                channel = TelegramChannel(settings, deps, None)
                await channel.start()
                await asyncio.wait_for(channel.ready.wait(), 30)
            else:
                channel = ZaloBotChannel(settings, deps, None, http)
            sender.register(args.channel, channel.deliver, args.concurrency)
            memory: dict[int, float] = {}
            started = time.perf_counter()
            await sender.start()
            while True:
                async with sessions() as session:
                    figures = await aq.stats(session, announcement_id)
                done = figures.total - figures.waiting
                for mark in (10, 50):
                    if mark not in memory and done >= figures.total * mark / 100:
                        memory[mark] = rss_mb()
                if figures.waiting == 0:
                    break
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - started
            memory[100] = rss_mb()
            await sender.stop()
            if args.channel == "telegram":
                await channel.stop()
        await engine.dispose()
        await drop_schema()
    stop.set()
    fake.join()
    server = results.get()
    achieved = args.subscribers / elapsed
    print(f"subscribers {args.subscribers}, channel {args.channel}, allowed {args.rate}/s")
    print(f"queued in {queued_in:.2f} s (one INSERT ... SELECT)")
    print(f"sent in {elapsed:.2f} s: {achieved:.0f} messages/s")
    print(f"ratio to the allowed rate: {achieved / args.rate:.3f} (target >= 0.95)")
    print(
        f"baseline, bare client without database or limiter: {base_rate:.0f}/s; "
        f"ratio {achieved / base_rate:.2f}"
    )
    print(
        f"server: {server['accepted']} accepted, {server['recipients']} recipients, "
        f"{server['doubled']} twice, {server['violations']} over the limit"
    )
    print(
        "resident memory MB at 10% / 50% / 100%: "
        + " / ".join(f"{memory[k]:.0f}" for k in (10, 50, 100))
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=20_000)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--channel", choices=["telegram", "zalo_bot"], default="telegram")
    parser.add_argument("--concurrency", type=int, default=32, help="messages in flight")
    parser.add_argument("--database", default=None, help="default: a temporary SQLite file")
    asyncio.run(main(parser.parse_args()))
