"""Report generation at scale: 1,000,000 interactions (all in the reported month, the worst
case), 20,000 feedback records, 20,000 unanswered questions, 10,000 ratings, 200,000
announcement deliveries, generated inside the database (INSERT ... SELECT over a recursive
CTE on SQLite, generate_series on PostgreSQL). Timed: the figures (SQL aggregation) and the
whole report (figures, charts, workbook, Word document), against a baseline of one
`SELECT count(*) FROM interactions` in the same run.

Run: python bench/report_generation.py [--interactions 1000000] [--database URL]
Target: the whole report in under 10 seconds on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.report import build, figures, period  # noqa: E402
from content.loader import load_catalogue  # noqa: E402
from db.session import create_engine, session_factory, upgrade  # noqa: E402
from tests.postgres import scratch_schema  # noqa: E402

MONTH = "2026-10"
START, SECONDS = "2026-09-30 17:00:00", 31 * 86400  # October in Vietnam, in UTC
ENTRIES = [
    "dang-ky-khai-sinh",
    "dang-ky-thuong-tru",
    "dang-ky-tam-tru",
    "vneid-kich-hoat",
    "dang-ky-ket-hon",
    "dang-ky-khai-tu",
    "vneid-dang-ky-muc-2",
    "khan-cap",
]
CHANNELS = ["telegram", "zalo_oa", "zalo_bot", "web", "console"]
INTENTS = ["procedure", "procedure", "howto", "hotline", "menu", "greeting", "fallback"]
CATEGORIES = ["thu-tuc-hanh-chinh", "ha-tang", "moi-truong", "an-ninh-trat-tu", "khac"]
STATUSES = ["new", "in_progress", "answered", "resolved"]


def pick(options: list[str], seed: str) -> str:
    """SQL choosing one of `options` from an integer expression."""
    cases = " ".join(f"WHEN {i} THEN '{o}'" for i, o in enumerate(options))
    return f"(CASE ({seed}) % {len(options)} {cases} END)"


def generator(postgres: bool) -> dict[str, str]:
    """Per table: the INSERT ... SELECT that fills it (`{n}` rows)."""
    if postgres:
        rows = "FROM generate_series(1, {n}) AS g(i)"
        rand = "floor(random() * 1000000000)::bigint"
        at = f"(timestamptz '{START}+00' + (({rand}) % {SECONDS}) * interval '1 second')"
        before = f"(timestamptz '{START}+00' - (({rand}) % 31536000) * interval '1 second')"
        plus = "{0} + interval '{1} seconds'"
        json_list = "'[]'::json"
    else:
        rows = "FROM (WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < {n}) SELECT i FROM g)"  # noqa: E501
        rand = "abs(random())"
        at = f"datetime('{START}', '+' || (({rand}) % {SECONDS}) || ' seconds')"
        before = f"datetime('{START}', '-' || (({rand}) % 31536000) || ' seconds')"
        plus = "datetime({0}, '+{1} seconds')"
        json_list = "'[]'"
    intent = pick(INTENTS, "i * 7 + i / 5")
    return {
        "users": f"INSERT INTO users (channel, external_id, active, created_at, last_seen_at) "
        f"SELECT {pick(CHANNELS, 'i')}, 'u' || i, true, {before}, {before} {rows}",
        "interactions": "INSERT INTO interactions (user_id, conversation_id, channel, direction, "
        "text, intent, content_id, created_at) "
        f"SELECT 1 + ({rand}) % 50000, 'c' || (i / 4), {pick(CHANNELS, 'i / 4')}, "
        f"CASE i % 2 WHEN 0 THEN 'in' ELSE 'out' END, 'x', {intent}, "
        f"CASE WHEN {intent} IN ('procedure', 'howto', 'hotline') "
        f"THEN {pick(ENTRIES, 'i / 3')} END, {at} {rows}",
        "unanswered_questions": "INSERT INTO unanswered_questions (user_id, channel, text, "
        f"normalized, created_at) SELECT 1 + i % 50000, 'telegram', "
        # 300 wordings made of unrelated tokens, so grouping by similarity has work to do.
        f"'Câu hỏi ' || (i % 300) || ' gọi 0905123456', "
        f"((i % 300) * 7919) % 100003 || ' x' || ((i % 300) * 104729) % 99991, {at} "
        f"{rows}",
        # Filed at t; due 14 days later; 3 in 5 answered (some after 20 days, late), 2 in 5
        # resolved after 5 days.
        "feedback": "INSERT INTO feedback (service_request_id, service_code, description, status, "
        "requested_datetime, updated_datetime, expected_datetime, channel, phone_consent, "
        "first_answered_at, resolved_at) "
        f"SELECT 'PA-' || i, {pick(CATEGORIES, 'i')}, 'x', {pick(STATUSES, 'i')}, t, t, "
        f"{plus.format('t', 14 * 86400)}, {pick(CHANNELS, 'i')}, false, "
        f"CASE WHEN i % 5 < 2 THEN {plus.format('t', 86400)} "
        f"WHEN i % 5 = 2 THEN {plus.format('t', 20 * 86400)} END, "
        f"CASE WHEN i % 5 < 2 THEN {plus.format('t', 5 * 86400)} END "
        f"FROM (SELECT i, {at} AS t {rows}) AS filed",
        "ratings": "INSERT INTO ratings (channel, subject, score, created_at) "
        f"SELECT 'telegram', CASE i % 3 WHEN 0 THEN 'feedback' ELSE 'answer' END, 1 + i % 5, "
        f"{at} {rows}",
        "subscription_events": "INSERT INTO subscription_events (user_id, topic, action, "
        f"created_at) SELECT 1 + i % 50000, 'chuyen-doi-so', "
        f"CASE WHEN i > 15000 THEN 'remove' ELSE 'add' END, "
        f"CASE WHEN i > 15000 THEN {at} ELSE {before} END {rows}",
        "announcements": "INSERT INTO announcements (text, topics, areas, channels, emergency, "
        "status, created_by, recipients, created_at, queued_at) "
        f"SELECT 'Thông báo ' || i, {json_list}, {json_list}, {json_list}, false, 'done', "
        f"'bench', 20000, {at}, {at} {rows}",
        "outbox": "INSERT INTO outbox (channel, user_ref, user_id, kind, text, buttons, status, "
        "attempts, next_attempt_at, created_at, announcement_id) "
        f"SELECT 'telegram', 'r' || i, 1 + (i / 10) % 50000, 'announcement', 'x', {json_list}, "
        f"{pick(['sent', 'sent', 'sent', 'failed', 'blocked'], 'i')}, 1, {at}, {at}, "
        f"1 + i % 10 {rows}",
    }


async def open_database(url: str | None, folder: str):
    if not url or not url.startswith("postgresql"):
        engine = create_engine(url or f"sqlite+aiosqlite:///{folder}/report.sqlite3")

        async def nothing() -> None:
            return None

        return engine, nothing
    return await scratch_schema(url, prefix="bench")


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        engine, cleanup = await open_database(args.database, folder)
        try:
            await upgrade(engine)
            postgres = engine.dialect.name == "postgresql"
            sizes = {
                "users": 50_000,
                "interactions": args.interactions,
                "unanswered_questions": 20_000,
                "feedback": 20_000,
                "ratings": 10_000,
                "subscription_events": 20_000,
                "announcements": 10,
                "outbox": 200_000,
            }
            started = time.perf_counter()
            async with engine.begin() as conn:
                for table, sql in generator(postgres).items():
                    await conn.execute(text(sql.format(n=sizes[table])))
                if postgres:
                    await conn.execute(text("ANALYZE"))
            print(
                f"{engine.dialect.name}: generated in {time.perf_counter() - started:.1f} s: "
                + ", ".join(f"{n:,} {t}" for t, n in sizes.items())
            )
            sessions = session_factory(engine)
            catalogue = load_catalogue()
            chosen = period.month(MONTH)
            timings: dict[str, list[float]] = {"count": [], "figures": [], "whole": []}
            for _ in range(args.rounds):
                async with sessions() as session:
                    began = time.perf_counter()
                    await session.execute(text("SELECT count(*) FROM interactions"))
                    timings["count"].append(time.perf_counter() - began)
                    began = time.perf_counter()
                    report = await figures.compute(session, catalogue, chosen)
                    timings["figures"].append(time.perf_counter() - began)
                build.write(report, Path(folder) / "out")
                timings["whole"].append(time.perf_counter() - began)
            best = {name: min(values) for name, values in timings.items()}
            print(f"baseline SELECT count(*) FROM interactions: {best['count']:.3f} s")
            print(
                f"figures (SQL aggregation): {best['figures']:.2f} s "
                f"= {best['figures'] / best['count']:.1f} x the baseline"
            )
            print(
                f"whole report (figures, 6 charts, workbook, Word): {best['whole']:.2f} s "
                f"= {best['whole'] / best['count']:.1f} x the baseline (target < 10 s)"
            )
            print(
                f"report: {report.usage.messages_in:,} messages in, "
                f"{report.feedback.received:,} feedback, {len(report.gaps)} gap groups"
            )
        finally:
            await engine.dispose()
            await cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="best of N")
    parser.add_argument("--database", default=None, help="default: a temporary SQLite file")
    asyncio.run(main(parser.parse_args()))
