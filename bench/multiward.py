"""Many wards in one process: what each added ward costs. One `serve` application holds N
wards (their own host names, Telegram bots against a fake Bot API, schemas of one PostgreSQL
database or SQLite files); one ward is the baseline of the same run. Measured per N, each in
a fresh process:

- start-up time: the first (creating and migrating each ward's schema) and a restart
  (catalogue, search index, webhook registration, migrations already applied);
- resident memory once started;
- database statements per second while nobody writes (outbox lanes, scheduler, heartbeats),
  with the default OUTBOX_IDLE_MAX (2 s) and with 15 s;
- latency of 200 website-chat questions to one ward (p50, p99).

Run: python bench/multiward.py [--wards 1 10 50] [--idle 20] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp import ClientSession, web  # noqa: E402
from sqlalchemy import event, text  # noqa: E402
from sqlalchemy.engine import Engine, make_url  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db.session import create_engine  # noqa: E402
from tests.fakes.telegram_api import FakeTelegram  # noqa: E402
from tests.postgres import reachable  # noqa: E402

PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
FAKE_URL_PLACEHOLDER = "http://fake-bot-api.invalid"  # each process's fake server replaces it
QUESTIONS = ROOT / "tests" / "data" / "dev_queries.jsonl"


class AnyBotTelegram(FakeTelegram):
    """The fake Bot API answering every ward's bot token."""

    async def _handle(self, request: web.Request) -> web.Response:
        self.token = request.match_info["token"]  # no await before the parent compares it
        return await super()._handle(request)


def write_wards(folder: Path, count: int, tag: str, postgres: bool, api_url: str) -> Path:
    ward = yaml.safe_load((ROOT / "content" / "wards" / "dak-bla.yaml").read_text())
    wards = {}
    for number in range(count):
        ward_id = f"w{number:03d}"
        ward.update(id=ward_id, name=f"Phường Số {number}", former_names=[])
        path = folder / f"{ward_id}.yaml"
        path.write_text(yaml.safe_dump(ward, allow_unicode=True), encoding="utf-8")
        wards[ward_id] = {
            "ward": str(path),
            "host": f"{ward_id}.bench.test",
            "telegram_bot_token": f"{100000 + number}:bench-token",
            "telegram_api_url": api_url,
        }
        if postgres:
            wards[ward_id]["database_schema"] = f"bench_{tag}_{ward_id}"
    wards_file = folder / "wards.yaml"
    wards_file.write_text(yaml.safe_dump({"wards": wards}), encoding="utf-8")
    return wards_file


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def deployment(folder: Path, count: int, tag: str, database: str, idle_max: float) -> Settings:
    postgres = make_url(database).get_backend_name().startswith("postgresql")
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database if postgres else f"sqlite:///{folder}/bench.sqlite3",
        wards_file=write_wards(folder, count, tag, postgres, FAKE_URL_PLACEHOLDER),
        public_url="https://bench.test",
        outbox_idle_max=idle_max,
        behind_proxy=True,
        log_level="WARNING",
    )


async def started(settings: Settings, fake: FakeTelegram) -> tuple[web.AppRunner, int, float]:
    """Start the app (its bots pointed at `fake`); returns the runner, port and seconds."""
    wards_file = settings.wards_file
    assert wards_file is not None
    wards_file.write_text(wards_file.read_text().replace(FAKE_URL_PLACEHOLDER, fake.url))
    began = time.perf_counter()
    runner = web.AppRunner(create_app(settings), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, port, time.perf_counter() - began


async def prepare(folder: Path, count: int, tag: str, database: str) -> dict:
    """First start: every ward's schema (or file) is created and migrated."""
    fake = await AnyBotTelegram().start()
    try:
        runner, _, seconds = await started(deployment(folder, count, tag, database, 2.0), fake)
        await runner.cleanup()
    finally:
        await fake.stop()
    return {"first_start_s": seconds}


async def measure(
    folder: Path, count: int, tag: str, database: str, idle_max: float, idle_seconds: float
) -> dict:
    """A restart in a fresh process (as after an update): start-up, memory, idle load and
    chat latency."""
    statements = [0]

    @event.listens_for(Engine, "before_cursor_execute")
    def _count(*_args: object) -> None:
        statements[0] += 1

    fake = await AnyBotTelegram().start()
    settings = deployment(folder, count, tag, database, idle_max)
    runner, port, startup = await started(settings, fake)
    try:
        await asyncio.sleep(5)  # first looks of every lane and loop
        memory = rss_mb()
        before = statements[0]
        await asyncio.sleep(idle_seconds)
        idle_rate = (statements[0] - before) / idle_seconds
        questions = [json.loads(line)["q"] for line in QUESTIONS.read_text().splitlines()][:50]
        latencies = []
        async with ClientSession() as http:
            for number in range(200):
                sent = time.perf_counter()
                async with http.post(
                    f"http://127.0.0.1:{port}/api/chat",
                    json={"user": f"bench-visitor-{number:08d}", "text": questions[number % 50]},
                    # One visitor address each: the chat's per-address limit is not what is
                    # measured here.
                    headers={
                        "Host": "w000.bench.test",
                        "X-Forwarded-For": f"10.0.{number // 250}.{number % 250 + 1}",
                    },
                ) as response:
                    assert response.status == 200, await response.text()
                latencies.append(time.perf_counter() - sent)
    finally:
        await runner.cleanup()
        await fake.stop()
    latencies.sort()
    return {
        "wards": count,
        "idle_max": idle_max,
        "startup_s": startup,
        "rss_mb": memory,
        "idle_statements_per_s": idle_rate,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


async def drop_schemas(database: str, count: int, tag: str) -> None:
    if not make_url(database).get_backend_name().startswith("postgresql"):
        return
    admin = create_engine(database)
    for number in range(count):  # one transaction each: locks are counted per transaction
        async with admin.begin() as conn:
            schema = f"bench_{tag}_w{number:03d}"
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    await admin.dispose()


def run_child(*args: str) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def run_wards(count: int, idle_maxes: list[float], idle: float, database: str) -> list[dict]:
    tag = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory() as folder:
        common = ["--wards", str(count), "--tag", tag, "--folder", folder, "--database", database]
        try:
            first = run_child("prepare", *common)
            return [
                {
                    **first,
                    **run_child("measure", *common, "--idle-max", str(value), "--idle", str(idle)),
                }
                for value in idle_maxes
            ]
        finally:
            asyncio.run(drop_schemas(database, count, tag))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wards", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--idle", type=float, default=20.0, help="Seconds of idle counting.")
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE_URL", PG_URL))
    parser.add_argument("--child", choices=["prepare", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--tag", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--idle-max", type=float, default=2.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.database = Settings(_env_file=None, database_url=args.database).database_url  # type: ignore[call-arg]
    postgres = make_url(args.database).get_backend_name() == "postgresql"
    if args.child is None and postgres and not reachable(args.database):
        print(f"{make_url(args.database).host}: no PostgreSQL there; measuring on SQLite files")
        args.database = "sqlite+aiosqlite:///unused.sqlite3"  # each ward gets its own file
    if args.child == "prepare":
        result = asyncio.run(prepare(args.folder, args.wards[0], args.tag, args.database))
        print(json.dumps(result))
        return
    if args.child == "measure":
        result = asyncio.run(
            measure(args.folder, args.wards[0], args.tag, args.database, args.idle_max, args.idle)
        )
        print(json.dumps(result))
        return
    runs = []
    for count in args.wards:
        values = [2.0, 15.0] if count == max(args.wards) else [2.0]
        runs += run_wards(count, values, args.idle, args.database)
    base = runs[0]
    backend = make_url(args.database).get_backend_name()
    print(f"Wards in one process on {backend}; baseline: {base['wards']} ward, same run.")
    header = (
        f"{'wards':>5} {'idle max':>8} {'1st start':>9} {'restart':>8} {'per ward':>8} "
        f"{'RSS MB':>7} {'MB/ward':>7} {'idle st/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'p99 ratio':>9}"
    )
    print(header)
    for run in runs:
        extra = run["wards"] - base["wards"]
        per_mb = (run["rss_mb"] - base["rss_mb"]) / extra if extra else 0.0
        print(
            f"{run['wards']:>5} {run['idle_max']:>8.0f} {run['first_start_s']:>9.2f} "
            f"{run['startup_s']:>8.2f} {run['startup_s'] / run['wards']:>8.3f} "
            f"{run['rss_mb']:>7.0f} {per_mb:>7.2f} {run['idle_statements_per_s']:>9.1f} "
            f"{run['p50_ms']:>7.1f} {run['p99_ms']:>7.1f} {run['p99_ms'] / base['p99_ms']:>9.2f}"
        )


if __name__ == "__main__":
    main()
