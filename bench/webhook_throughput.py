"""Webhook throughput on Telegram: a plain python-telegram-bot echo bot and ours, webhook to
reply received, against the same fake Bot API in the same run.

Run: python bench/webhook_throughput.py [--updates 600] [--concurrency 16] [--rounds 3]

Each round posts `--updates` text updates (one chat each, questions from the dev set) to a
bot's webhook over `--concurrency` connections and stops the clock when the fake Bot API has
received the first reply of every chat. The echo bot is the library's plain example (a
MessageHandler answering `reply_text`, updates handed to the Application one by one) behind a
bare aiohttp webhook; ours is `python -m bot.server` in webhook mode, on SQLite and, where
reachable, PostgreSQL, once with Telegram's ~30 messages a second kept (as deployed) and
once with that limit lifted (`--rate`, the handling alone). Prints replies per second, the
ratio ours/echo (target at least 0.5, goal 1) and the bot process's CPU time per reply, which
shows where each message's time goes when the bot, not the limit, is the bound.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loopback import free_port, wait_ready  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram, text_update  # noqa: E402
from tests.postgres import PG_URL, reachable, scratch_database  # noqa: E402

SECRET = "bench-secret"
ECHO = """
import asyncio, sys
from aiohttp import web
from telegram import Update
from telegram.ext import Application, MessageHandler, filters

async def echo(update, _context):
    await update.message.reply_text(update.message.text)

async def main(port, api, token):
    bot = Application.builder().token(token).base_url(f"{api}/bot").updater(None).build()
    bot.add_handler(MessageHandler(filters.TEXT, echo))
    await bot.initialize()
    await bot.start()

    async def hook(request):
        await bot.update_queue.put(Update.de_json(await request.json(), bot.bot))
        return web.json_response({"ok": True})

    async def ready(_request):
        return web.json_response({"checks": {"telegram": "ok"}})

    app = web.Application()
    app.router.add_post("/webhooks/telegram", hook)
    app.router.add_get("/readyz", ready)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await asyncio.Event().wait()

asyncio.run(main(int(sys.argv[1]), sys.argv[2], sys.argv[3]))
"""


def questions() -> list[str]:
    path = ROOT / "tests" / "data" / "dev_queries.jsonl"
    return [json.loads(line)["q"] for line in path.read_text("utf-8").splitlines() if line]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def round_trip(fake: FakeTelegram, url: str, updates: list[dict], concurrency: int) -> float:
    """Seconds from the first post until every chat has its first reply."""
    chats = {str(u["message"]["chat"]["id"]) for u in updates}
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for update in updates:
        queue.put_nowait(update)

    async def worker(session: aiohttp.ClientSession) -> None:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        while not queue.empty():
            update = queue.get_nowait()
            async with session.post(url, json=update, headers=headers) as response:
                await response.read()
                if response.status != 200:
                    raise RuntimeError(f"webhook answered {response.status}")

    def answered() -> int:
        return len({str(p["chat_id"]) for p in fake.called("sendMessage")} & chats)

    start = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as s:
        await asyncio.gather(*(worker(s) for _ in range(concurrency)))
    while answered() < len(chats):
        if time.perf_counter() - start > 600:
            raise RuntimeError(f"only {answered()} of {len(chats)} chats answered")
        await asyncio.sleep(0.01)
    return time.perf_counter() - start


Start = Callable[[], tuple[str, list[subprocess.Popen]]]


async def measure(
    name: str, fake: FakeTelegram, start: Start, args: argparse.Namespace, first_id: int
) -> list[float]:
    url, procs = start()
    try:
        await wait_ready(f"{url}/readyz")
        texts, rates, cpu = questions(), [], []
        warm = [text_update(first_id + i, first_id + i, texts[i % len(texts)]) for i in range(50)]
        await round_trip(fake, f"{url}/webhooks/telegram", warm, args.concurrency)
        for r in range(args.rounds):
            base = first_id + 1000 + r * args.updates
            updates = [
                text_update(base + i, base + i, texts[i % len(texts)]) for i in range(args.updates)
            ]
            cpu_before = cpu_seconds(procs[0].pid)
            seconds = await round_trip(fake, f"{url}/webhooks/telegram", updates, args.concurrency)
            cpu.append((cpu_seconds(procs[0].pid) - cpu_before) / args.updates * 1000)
            rates.append(args.updates / seconds)
        print(
            f"  {name:<40} "
            + ", ".join(f"{r:5.1f}" for r in rates)
            + f" replies/s   CPU {median(cpu):.1f} ms a reply"
        )
        return rates
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


async def main_async(args: argparse.Namespace) -> None:
    fake = await FakeTelegram().start()
    tmp = Path(tempfile.mkdtemp(prefix="wa-echo-"))

    def echo() -> tuple[str, list[subprocess.Popen]]:
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-c", ECHO, str(port), fake.url, fake.token])
        return f"http://127.0.0.1:{port}", [proc]

    def ours(database_url: str, rate: int) -> Start:
        def start() -> tuple[str, list[subprocess.Popen]]:
            port = free_port()
            env = {
                **os.environ,
                "DATABASE_URL": database_url,
                "TELEGRAM_BOT_TOKEN": fake.token,
                "TELEGRAM_API_URL": fake.url,
                "TELEGRAM_WEBHOOK_SECRET": SECRET,
                "PUBLIC_URL": "https://bench.invalid",
                "PORT": str(port),
                "LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(ROOT),
                # Our sender keeps Telegram's ~30 messages a second across all chats; the
                # echo bot keeps no limit. --rate raises ours to measure the handling alone.
                "TELEGRAM_RATE": str(rate),
            }
            proc = subprocess.Popen([sys.executable, "-m", "bot.server"], cwd=tmp, env=env)
            return f"http://127.0.0.1:{port}", [proc]

        return start

    print(
        f"{args.rounds} rounds of {args.updates} updates (one chat each), "
        f"{args.concurrency} connections, one fake Bot API"
    )
    echo_rates = await measure("python-telegram-bot echo", fake, echo, args, 1_000_000)
    databases = {"SQLite": f"sqlite:///{tmp}/bench.sqlite3"}
    drop = None
    if reachable():
        databases["PostgreSQL"], drop = await scratch_database(PG_URL, prefix="bench")
    runs = {
        f"ours, {label}, {limit}": ours(url, rate)
        for label, url in databases.items()
        for limit, rate in (("30 msg/s kept", 30), (f"limit lifted ({args.rate}/s)", args.rate))
    }
    try:
        for offset, (label, start) in enumerate(runs.items(), start=2):
            rates = await measure(label, fake, start, args, offset * 1_000_000)
            print(f"    ratio ours/echo: {median(rates) / median(echo_rates):.2f}")
    finally:
        if drop is not None:
            await drop()
        await fake.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--rate", type=int, default=1000, help="our lifted Telegram rate (TELEGRAM_RATE)"
    )
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
