"""Webhook throughput: Telegram updates handled and stored per second, beside a bare aiohttp
JSON endpoint measured with the same load generator in the same run.

Run: python bench/webhook_throughput.py [--updates 3000] [--concurrency 32]

Three processes on loopback: our `python -m bot serve` in webhook mode (SQLite), a fake
Telegram Bot API that it sends replies to, and a bare aiohttp app that parses the JSON and
answers {"ok": true}. The load generator (this process) posts the same updates to both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes.telegram_api import text_update  # noqa: E402

TOKEN = "123456:BENCH-token"
SECRET = "bench-secret"
BARE = """
import sys
from aiohttp import web
async def hook(request):
    data = await request.json()
    return web.json_response({"ok": isinstance(data, dict)})
app = web.Application()
app.router.add_post("/webhooks/telegram", hook)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    body = await response.json()
                    if response.status == 200 and body.get("checks", {}).get("telegram") != \
                            "connecting":
                        return
            except (aiohttp.ClientError, ValueError):
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")


def questions() -> list[str]:
    path = ROOT / "tests" / "data" / "dev_queries.jsonl"
    return [json.loads(line)["q"] for line in path.read_text("utf-8").splitlines() if line]


async def load(url: str, updates: list[dict], concurrency: int) -> float:
    """Post every update (each once) with `concurrency` workers; seconds until all answered."""
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for update in updates:
        queue.put_nowait(update)
    failures = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failures
        while not queue.empty():
            update = queue.get_nowait()
            async with session.post(url, json=update,
                                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as r:
                await r.read()
                failures += r.status != 200

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{failures} requests failed")
    return elapsed


def make_updates(n: int, offset: int) -> list[dict]:
    texts = questions()
    return [text_update(offset + i, 100_000 + i % 500, texts[i % len(texts)]) for i in range(n)]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wa-bench-"))
    db = tmp / "bench.sqlite3"
    fake_port, ours_port, bare_port = free_port(), free_port(), free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_URL": f"http://127.0.0.1:{fake_port}", "TELEGRAM_WEBHOOK_SECRET": SECRET,
           "PUBLIC_URL": "https://bench.invalid", "PORT": str(ours_port), "LOG_LEVEL": "WARNING"}
    procs = [
        subprocess.Popen([sys.executable, "-m", "tests.fakes.telegram_api", str(fake_port), TOKEN],
                         cwd=ROOT, stdout=subprocess.DEVNULL),
        subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=tmp, env={
            **env, "PYTHONPATH": str(ROOT)}),
        subprocess.Popen([sys.executable, "-c", BARE, str(bare_port)]),
    ]
    try:
        await wait_ready(f"http://127.0.0.1:{ours_port}/readyz")
        await asyncio.sleep(0.5)
        warm = make_updates(200, 1)
        await load(f"http://127.0.0.1:{bare_port}/webhooks/telegram", warm, args.concurrency)
        await load(f"http://127.0.0.1:{ours_port}/webhooks/telegram", warm, args.concurrency)
        updates = make_updates(args.updates, 10_000)
        bare_s = await load(f"http://127.0.0.1:{bare_port}/webhooks/telegram", updates,
                            args.concurrency)
        ours_s = await load(f"http://127.0.0.1:{ours_port}/webhooks/telegram", updates,
                            args.concurrency)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)
    with sqlite3.connect(db) as conn:
        stored = conn.execute("SELECT count(*) FROM channel_events WHERE event_key >= '10000'"
                              " AND length(event_key) >= 5").fetchone()[0]
        inbound = conn.execute("SELECT count(*) FROM interactions WHERE direction = 'in'"
                               ).fetchone()[0]
    bare_rate, ours_rate = args.updates / bare_s, args.updates / ours_s
    print(f"{args.updates} updates, {args.concurrency} concurrent connections, SQLite")
    print(f"  bare aiohttp JSON endpoint: {bare_rate:8.0f} updates/s")
    print(f"  ours (handled, stored, replied): {ours_rate:8.0f} updates/s")
    print(f"  ratio ours/bare = {ours_rate / bare_rate:.2f}")
    print(f"  stored: {stored} of {args.updates} updates recorded once; "
          f"{inbound} inbound interactions in total (warm-up included)")
    if stored != args.updates:
        raise SystemExit("not every update was stored")


if __name__ == "__main__":
    asyncio.run(main())
