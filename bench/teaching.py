"""What teaching costs: how long a process takes to take in what staff taught, and what the
taught wordings add to each message.

Run: python bench/teaching.py [--entries 200] [--aliases 1000]

Synthetic taught content (entries and residents' wordings made from the labelled questions,
with their words shuffled so they are new to the catalogue) is laid over the shipped
catalogue as every process does after a change in the console. The baselines, timed in the
same run: building the catalogue's own search index (what a restart would redo, without the
entry model's training), and the catalogue search of one message. Prints both and the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core, as the target says

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from content.indexing import build_index, catalogue_docs  # noqa: E402
from content.loader import load_ward_catalogue  # noqa: E402
from content.normalize import load_lexicon  # noqa: E402
from content.search import SearchIndex  # noqa: E402
from db.teaching_queries import Taught  # noqa: E402
from handlers.learned import learned_index, with_taught  # noqa: E402

DATA = ROOT / "content" / "examples"


def questions() -> list[str]:
    found = []
    for path in sorted(DATA.glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                found.append(json.loads(line)["q"])
    return found


def taught(qs: list[str], entries: int, aliases: int) -> Taught:
    """Learned entries and aliases shaped like the database rows the console writes."""
    rng = random.Random(16)
    now = datetime.now(UTC)

    def shuffled(text: str) -> str:
        words = text.split()
        rng.shuffle(words)
        return " ".join(words)

    rows = [
        SimpleNamespace(
            id=i + 1, title=shuffled(rng.choice(qs))[:120], answer=shuffled(rng.choice(qs)),
            source=None, created_at=now, updated_at=None,
        )
        for i in range(entries)
    ]  # fmt: skip
    said = [
        SimpleNamespace(entry_id=f"hoi-dap-{rng.randint(1, entries)}", text=shuffled(q))
        for q in rng.sample(qs, min(aliases, len(qs)))
    ]
    return Taught(tuple(rows), tuple(said))  # type: ignore[arg-type]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--aliases", type=int, default=1000)
    args = parser.parse_args()
    catalogue, lexicon = load_ward_catalogue("dak-bla"), load_lexicon()
    index = build_index(catalogue, lexicon)
    qs = questions()
    found = taught(qs, args.entries, args.aliases)
    docs = list(catalogue_docs(catalogue))
    rebuilds, layers = [], []
    for _ in range(5):
        t0 = time.perf_counter()
        SearchIndex(docs, lexicon)
        rebuilds.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        merged, wordings = with_taught(catalogue, found)
        extended, matcher = learned_index(index, merged, wordings)
        layers.append(time.perf_counter() - t0)
    print(f"taught: {args.entries} entries, {len(found.aliases)} wordings")
    rebuild, layer = statistics.median(rebuilds), statistics.median(layers)
    print(f"  baseline, the catalogue's index built: {ms(rebuild)}")
    print(f"  taught content laid over it:           {ms(layer)}   ratio {layer / rebuild:.1f}")
    searches, matches = [], []
    for q in qs:
        t0 = time.perf_counter_ns()
        query = extended.analyze(q)
        extended.rank(query)
        searches.append((time.perf_counter_ns() - t0) / 1e6)
        t0 = time.perf_counter_ns()
        matcher.match(query)
        matches.append((time.perf_counter_ns() - t0) / 1e6)
    search, match = statistics.fmean(searches), statistics.fmean(matches)
    print(f"  baseline, one message searched:  mean {search:6.3f} ms")
    print(f"  taught wordings matched:         mean {match:6.3f} ms   ratio {match / search:.2f}")


if __name__ == "__main__":
    main()
