"""Load across processes: residents' questions arrive as Telegram webhook updates spread at
random over N `python -m bot serve` processes sharing one PostgreSQL database (as a load
balancer would), and every reply goes to a fake Bot API. Measured per round: updates
answered per second, and the latency from posting an update to its reply reaching the fake
server (p50, p99). One process is the baseline of the same run.

Run: python bench/multiprocess_load.py [--updates 1500] [--rate 15] [--processes 1 3]
                                      [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from pathlib import Path

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loopback import free_port  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram, text_update  # noqa: E402
from tests.postgres import scratch_database  # noqa: E402

SECRET = "load-secret"
QUESTIONS = ROOT / "tests" / "data" / "dev_queries.jsonl"


class TimedTelegram(FakeTelegram):
    """The fake Bot API, noting when the first reply to each chat arrived."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.first_reply: dict[str, float] = {}

    async def _handle(self, request: web.Request) -> web.Response:
        response = await super()._handle(request)
        if request.match_info["method"] == "sendMessage" and self.calls:
            chat = str(self.calls[-1][1].get("chat_id"))
            self.first_reply.setdefault(chat, time.perf_counter())
        return response


async def ready(http: aiohttp.ClientSession, port: int) -> None:
    for _ in range(900):
        try:
            async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                body = await response.json()
                if response.status == 200 and body["checks"].get("telegram") == "ok":
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"port {port} never became ready")


async def round_(
    url: str, processes: int, updates: int, questions: list[str], rate: float | None
) -> dict:
    """`rate` None: a burst, all updates as fast as they are accepted (throughput); else a
    steady `rate` updates per second (latency under a load the processes can carry)."""
    fake = await TimedTelegram().start()
    database, drop = await scratch_database(url, prefix="load")
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "PUBLIC_URL": "https://chat.example.vn",
        "TELEGRAM_RATE": "1000",
        "LOG_LEVEL": "ERROR",
    }
    upgrade = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "db", "upgrade", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    await upgrade.wait()
    ports = [free_port() for _ in range(processes)]
    servers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--port",
            str(port),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        connector = aiohttp.TCPConnector(limit=64)
        async with aiohttp.ClientSession(connector=connector) as http:
            await asyncio.gather(*(ready(http, port) for port in ports))
            posted: dict[str, float] = {}
            queue: asyncio.Queue[int] = asyncio.Queue()
            for i in range(updates):
                queue.put_nowait(i)

            started = time.perf_counter()

            async def worker() -> None:
                while not queue.empty():
                    i = queue.get_nowait()
                    if rate is not None:  # open loop: update i leaves at i / rate seconds
                        await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))
                    chat = 5_000_000 + i
                    update = text_update(10_000 + i, chat, questions[i % len(questions)])
                    posted[str(chat)] = time.perf_counter()
                    port = random.choice(ports)  # the load balancer
                    async with http.post(
                        f"http://127.0.0.1:{port}/webhooks/telegram",
                        json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                    ) as response:
                        await response.read()

            await asyncio.gather(*(worker() for _ in range(32)))
            while len(fake.first_reply) < updates:
                if time.perf_counter() - started > 600:
                    raise RuntimeError(f"only {len(fake.first_reply)} of {updates} answered")
                await asyncio.sleep(0.05)
            elapsed = max(fake.first_reply.values()) - started
        latencies = sorted(fake.first_reply[c] - posted[c] for c in posted)
        replies = [str(p.get("chat_id")) for m, p in fake.calls if m == "sendMessage"]
        return {
            "throughput": updates / elapsed,
            "p50": latencies[len(latencies) // 2] * 1000,
            "p99": latencies[int(len(latencies) * 0.99) - 1] * 1000,
            "answered_twice": len(replies) - len(set(replies)),
        }
    finally:
        for server in servers:
            server.terminate()
        await asyncio.gather(*(server.wait() for server in servers))
        await fake.stop()
        await drop()  # type: ignore[operator]


async def main(args: argparse.Namespace) -> None:
    questions = [json.loads(line)["q"] for line in QUESTIONS.read_text().splitlines() if line]
    results = {}
    for count in args.processes:
        burst = await round_(args.database, count, args.updates, questions, None)
        steady = await round_(args.database, count, int(args.rate * 20), questions, args.rate)
        results[count] = burst
        print(
            f"{count} process(es): burst of {args.updates}: {burst['throughput']:.1f} updates "
            f"answered/s; steady {args.rate:g}/s for 20 s: latency p50 {steady['p50']:.0f} ms, "
            f"p99 {steady['p99']:.0f} ms; replies beyond one per chat: "
            f"{burst['answered_twice'] + steady['answered_twice']}"
        )
    base = results[args.processes[0]]["throughput"]
    for count, r in results.items():
        print(f"throughput ratio {count} / {args.processes[0]}: {r['throughput'] / base:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1500, help="the burst")
    parser.add_argument("--rate", type=float, default=15.0, help="steady updates per second")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 3])
    parser.add_argument(
        "--database",
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/test",
        help="PostgreSQL",
    )
    asyncio.run(main(parser.parse_args()))
