"""The search scored on labelled resident questions; must stay at or above 90%."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.channels.console import ask
from handlers.deps import Deps
from tests.evaluation import is_correct, load_cases, per_topic

DATA = Path(__file__).parent / "data"
THRESHOLD = 0.90


@pytest.mark.parametrize(
    "name", ["dev_queries.jsonl", "extra_queries.jsonl", "holdout_queries.jsonl"]
)
async def test_search_scores_at_least_90_percent(name: str, sqlite_deps: Deps, capsys) -> None:
    cases = load_cases(DATA / name)
    results = []
    for case in cases:
        response = await ask(sqlite_deps, case.q)
        results.append((case, is_correct(case, response), response))
    score = sum(ok for _, ok, _ in results) / len(results)
    with capsys.disabled():
        print(f"\n{name}: {score:.1%} of {len(results)} questions answered right")
        for topic, (hit, total) in per_topic([(c, ok) for c, ok, _ in results]).items():
            print(f"  {topic:<22} {hit}/{total}")
        for case, ok, response in results:
            if not ok:
                print(
                    f"  MISS [{case.topic}] {case.q!r} -> {response.intent} "
                    f"{response.content_id} {response.options}"
                )
    assert score >= THRESHOLD
