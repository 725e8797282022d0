"""Search latency: our index against a plain rapidfuzz `process.extractOne` over titles.

Run: python bench/search_latency.py [--entries 5000] [--rounds 5]

Both are timed on the same questions in the same run, over the shipped catalogue and over a
synthetic province-scale catalogue (every commune's variant of every entry). Prints p50/p99
in milliseconds and our p99 as a ratio of the baseline's.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one core, as the target says

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz import process  # noqa: E402

from content.indexing import catalogue_docs, place_names  # noqa: E402
from content.loader import load_catalogue  # noqa: E402
from content.normalize import load_lexicon  # noqa: E402
from content.search import IndexDoc, SearchIndex  # noqa: E402

DATA = ROOT / "tests" / "data"
ONSETS = [
    "b",
    "c",
    "ch",
    "d",
    "g",
    "h",
    "k",
    "kh",
    "l",
    "m",
    "n",
    "ng",
    "nh",
    "ph",
    "s",
    "t",
    "th",
    "tr",
    "v",
    "x",
]
RHYMES = [
    "a",
    "ai",
    "an",
    "ang",
    "anh",
    "ao",
    "e",
    "em",
    "en",
    "i",
    "in",
    "inh",
    "o",
    "oa",
    "oi",
    "on",
    "ong",
    "u",
    "ui",
    "un",
    "ung",
    "uy",
    "uyen",
    "ien",
    "uong",
    "oc",
    "at",
]


def questions() -> list[str]:
    """The labelled resident questions, plus each without its last word (typing in progress)."""
    qs = []
    for name in ("dev_queries.jsonl", "extra_queries.jsonl", "holdout_queries.jsonl"):
        path = DATA / name
        if path.exists():
            qs += [json.loads(line)["q"] for line in path.read_text("utf-8").splitlines() if line]
    return qs + [q.rsplit(" ", 1)[0] for q in qs if " " in q]


def commune_name(rng: random.Random) -> str:
    """A made-up two-syllable place name ("Tân Hòa"-like, without marks)."""
    return " ".join(rng.choice(ONSETS) + rng.choice(RHYMES) for _ in range(2)).title()


def synthetic_docs(base: Sequence[IndexDoc], total: int, seed: int = 7) -> list[IndexDoc]:
    """Province scale: each entry repeated per commune, with the commune's name and some local
    words in title, aliases and summary, so the vocabulary grows as it would."""
    rng = random.Random(seed)
    docs = list(base)
    while len(docs) < total:
        doc = base[len(docs) % len(base)]
        place = commune_name(rng)
        local = " ".join(rng.choice(ONSETS) + rng.choice(RHYMES) for _ in range(3))
        docs.append(
            IndexDoc(
                id=f"{doc.id}-{len(docs)}",
                kind=doc.kind,
                title=f"{doc.title} ({place})",
                phrases=tuple(f"{p} {place}" for p in doc.phrases),
                keywords=doc.keywords,
                summary=f"{doc.summary} {local}",
            )
        )
    return docs


def timed(fn: Callable[[str], object], qs: Sequence[str], rounds: int) -> list[float]:
    """Milliseconds per call, every question `rounds` times, after one warm-up pass."""
    for q in qs:
        fn(q)
    samples = []
    gc.disable()
    try:
        for _ in range(rounds):
            for q in qs:
                start = time.perf_counter_ns()
                fn(q)
                samples.append((time.perf_counter_ns() - start) / 1e6)
    finally:
        gc.enable()
    return samples


def pct(samples: list[float], p: float) -> float:
    return statistics.quantiles(samples, n=1000)[int(p * 10) - 1]


def run(label: str, docs: list[IndexDoc], places: list[str], qs: list[str], rounds: int) -> None:
    lexicon = load_lexicon()
    start = time.perf_counter()
    index = SearchIndex(docs, lexicon, places)
    build_s = time.perf_counter() - start
    tracemalloc.start()  # a second build, traced, for the memory the index holds
    traced = SearchIndex(docs, lexicon, places)
    memory_mb = tracemalloc.get_traced_memory()[0] / 2**20
    tracemalloc.stop()
    del traced
    titles = [d.title for d in docs]
    ours = timed(index.search, qs, rounds)
    baseline = timed(lambda q: process.extractOne(q, titles), qs, rounds)
    o50, o99, b50, b99 = pct(ours, 50), pct(ours, 99), pct(baseline, 50), pct(baseline, 99)
    print(f"{label}: {len(docs)} entries, index built in {build_s:.2f} s, {memory_mb:.1f} MB")
    print(f"  ours     p50 {o50:6.3f} ms   p99 {o99:6.3f} ms   ({len(ours)} searches)")
    print(f"  baseline p50 {b50:6.3f} ms   p99 {b99:6.3f} ms   (extractOne over titles)")
    print(f"  ratio p99 ours/baseline = {o99 / b99:.2f}   p50 = {o50 / b50:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    catalogue = load_catalogue()
    docs = list(catalogue_docs(catalogue))
    places = place_names(catalogue)
    qs = questions()
    run("shipped catalogue", docs, places, qs, args.rounds)
    run(
        "synthetic province catalogue", synthetic_docs(docs, args.entries), places, qs, args.rounds
    )


if __name__ == "__main__":
    main()
