"""What one question costs after start, as `python -m bot ask --json` answers it.

Run: python bench/ask_latency.py [--rounds 2]

Every labelled resident question (tests/data, questions and conversation turns) is answered
as a new resident's first message: dialogue act, search, focus, card, and one SQLite
transaction (resident, state, log). The baseline, timed in the same run on the same
questions, is the catalogue search alone. Prints mean, p50 and p99 in milliseconds and the
ratio of the whole turn to the search; the target is a mean of at most 10 ms per question.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core, as the target says

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.channels.console import ask  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.wiring import core  # noqa: E402

DATA = ROOT / "tests" / "data"
EXAMPLES = ROOT / "content" / "examples"  # the labelled questions the entry model learns from


def questions() -> list[str]:
    """Every labelled message of the corpus (the same 3,260 the README's figures use, plus
    the rounds added since)."""
    found = []
    for path in sorted([*DATA.rglob("*.jsonl"), *EXAMPLES.glob("*.jsonl")]):
        for line in path.read_text("utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if "turns" in row:
                found += [t["say"] for t in row["turns"]]
            elif "q" in row:  # the question sets (tests/data/handover has other shapes)
                found.append(row["q"])
    return found


def summary(label: str, samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100)
    mean = statistics.fmean(samples)
    print(f"  {label:<9} mean {mean:6.2f} ms   p50 {cuts[49]:6.2f} ms   p99 {cuts[98]:6.2f} ms")
    return mean, cuts[98]


async def run(rounds: int) -> None:
    qs = questions()
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{folder}/bench.sqlite3")
        started = time.perf_counter()
        async with core(settings) as deps:
            print(f"start: {time.perf_counter() - started:.2f} s (migrations, catalogue, models)")
            for q in qs[:20]:  # warm-up
                await ask(deps, q)
            turns, searches = [], []
            for _ in range(rounds):
                for q in qs:
                    t0 = time.perf_counter_ns()
                    await ask(deps, q)
                    turns.append((time.perf_counter_ns() - t0) / 1e6)
                    t0 = time.perf_counter_ns()
                    deps.index.search(q)
                    searches.append((time.perf_counter_ns() - t0) / 1e6)
    print(f"{len(qs)} questions x {rounds} rounds")
    turn_mean, turn_p99 = summary("ask", turns)
    search_mean, search_p99 = summary("search", searches)
    print(
        f"  ratio ask/search: mean {turn_mean / search_mean:.1f}, p99 {turn_p99 / search_p99:.1f}"
    )
    print(f"  target: mean <= 10 ms per question: {'met' if turn_mean <= 10 else 'NOT met'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    asyncio.run(run(parser.parse_args().rounds))


if __name__ == "__main__":
    main()
