"""Webhook throughput: Telegram updates accepted and stored per second, beside a bare aiohttp
JSON endpoint measured with the same load generator in the same run; then how fast the stored
updates are handled (answered through the Bot API) behind the webhook.

Run: python bench/webhook_ack.py [--updates 3000] [--concurrency 32] [--rounds 3]

Three processes on loopback: our `python -m bot serve` in webhook mode (SQLite), a fake
Telegram Bot API that it sends replies to, and a bare aiohttp app that parses the JSON and
answers {"ok": true}. The load generator (this process) posts the same updates to both.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loopback import free_port, wait_ready  # noqa: E402
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


def questions() -> list[str]:
    path = ROOT / "tests" / "data" / "dev_queries.jsonl"
    return [json.loads(line)["q"] for line in path.read_text("utf-8").splitlines() if line]


async def load(url: str, updates: list[dict], concurrency: int) -> float:
    """Post every update once with `concurrency` workers; seconds until all are answered."""
    queue: asyncio.Queue[dict] = asyncio.Queue()
    for update in updates:
        queue.put_nowait(update)
    failures = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal failures
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        while not queue.empty():
            update = queue.get_nowait()
            async with session.post(url, json=update, headers=headers) as response:
                await response.read()
                failures += response.status != 200

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - start
    if failures:
        raise RuntimeError(f"{failures} requests failed")
    return elapsed


def handled(db: Path, first_key: int) -> tuple[int, int]:
    """(stored, handled) among the measured updates."""
    with sqlite3.connect(db, timeout=30) as conn:
        stored, done = conn.execute(
            "SELECT count(*), count(handled_at) FROM channel_events"
            " WHERE CAST(event_key AS INTEGER) >= ?",
            (first_key,),
        ).fetchone()
    return stored, done


def make_updates(n: int, offset: int) -> list[dict]:
    texts = questions()
    return [text_update(offset + i, 100_000 + i % 500, texts[i % len(texts)]) for i in range(n)]


async def measure(args: argparse.Namespace, db: Path, ours: str, bare: str) -> None:
    await wait_ready(f"{ours}/readyz")
    warm = make_updates(200, 1)
    await load(f"{bare}/webhooks/telegram", warm, args.concurrency)
    await load(f"{ours}/webhooks/telegram", warm, args.concurrency)
    while handled(db, 1)[1] < 200:
        await asyncio.sleep(0.1)
    first, ratios, bare_rates, our_rates, handling = 10_000, [], [], [], []
    for round_ in range(args.rounds):
        # Each round starts with nothing left to handle, so the bare endpoint never shares
        # the machine with our workers catching up.
        offset = first + round_ * args.updates
        updates = make_updates(args.updates, offset)
        bare_rate = args.updates / await load(
            f"{bare}/webhooks/telegram", updates, args.concurrency
        )
        start = time.perf_counter()
        our_rate = args.updates / await load(
            f"{ours}/webhooks/telegram", updates, args.concurrency
        )
        if handled(db, offset)[0] < args.updates:
            raise SystemExit("an acknowledged update was not stored")
        while (counts := handled(db, offset))[1] < args.updates:
            if time.perf_counter() - start > 600:
                raise SystemExit(f"only {counts[1]} of {args.updates} handled in 10 minutes")
            await asyncio.sleep(0.05)
        handling.append(args.updates / (time.perf_counter() - start))
        bare_rates.append(bare_rate)
        our_rates.append(our_rate)
        ratios.append(our_rate / bare_rate)
    total = args.updates * args.rounds
    stored, done = handled(db, first)
    print(
        f"{args.rounds} rounds of {args.updates} updates, {args.concurrency} concurrent "
        "connections, SQLite"
    )
    print(f"  bare aiohttp JSON endpoint:          median {median(bare_rates):6.0f} updates/s")
    print(f"  ours, verified and stored (acked):   median {median(our_rates):6.0f} updates/s")
    print(
        f"  ratio ours/bare per round: {', '.join(f'{r:.2f}' for r in ratios)}; "
        f"median {median(ratios):.2f}"
    )
    print(f"  every acknowledged update was stored: {stored} of {total}; handled once: {done}")
    print(
        f"  handled and answered through the fake Bot API (acknowledge to last reply): "
        f"median {median(handling):.0f} updates/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="wa-bench-"))
    db = tmp / "bench.sqlite3"
    fake_port, ours_port, bare_port = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": f"http://127.0.0.1:{fake_port}",
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "PUBLIC_URL": "https://bench.invalid",
        "PORT": str(ours_port),
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.telegram_api", str(fake_port), TOKEN],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        ),
        subprocess.Popen([sys.executable, "-m", "bot", "serve"], cwd=tmp, env=env),
        subprocess.Popen([sys.executable, "-c", BARE, str(bare_port)]),
    ]
    try:
        asyncio.run(
            measure(args, db, f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{bare_port}")
        )
    finally:
        for proc in reversed(procs):  # our server first, while the fake API still answers
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
