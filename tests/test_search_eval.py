"""The assistant scored on labelled resident questions and conversations (strict rule of
bot.evaluation); every set must stay at or above its threshold."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation import evaluate, read_file, summary
from handlers.deps import Deps
from handlers.engine import handle
from handlers.types import IncomingMessage, Response

DATA = Path(__file__).parent / "data"
THRESHOLD = 0.90


@pytest.mark.parametrize(
    "name", ["dev_queries.jsonl", "extra_queries.jsonl", "holdout_queries.jsonl"]
)
async def test_labelled_set_scores_at_least_90_percent(
    name: str, sqlite_deps: Deps, capsys
) -> None:
    async def ask(resident: str, text: str) -> Response:
        return await handle(IncomingMessage("cli", resident, text=text), sqlite_deps)

    report = await evaluate(*read_file(DATA / name), ask)
    with capsys.disabled():
        print("\n" + "\n".join(summary(report, name)))
    assert report.share() >= THRESHOLD
