"""The assistant scored on labelled resident questions and conversations (the strict rule of
bot.evaluation). These sets are regression tests: each must stay at or above its floor, set a
little under the score it had when it joined (see the README for the blind scores)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.evaluation import evaluate, read_file, summary
from content.examples import EXAMPLES_DIR
from handlers.deps import Deps
from handlers.domain.types import IncomingMessage, Response
from handlers.engine import handle

DATA = Path(__file__).parent / "data"


def labelled(name: str) -> Path:
    """A labelled file by its name here: "examples/..." are the questions the entry model
    learns from (content/examples), the rest are under tests/data."""
    folder, _, rest = name.partition("/")
    return EXAMPLES_DIR / rest if folder == "examples" else DATA / name


FLOORS = {
    "dev_queries.jsonl": 0.95,
    "extra_queries.jsonl": 0.95,
    "holdout_queries.jsonl": 0.90,
    "examples/blind_round1.jsonl": 0.85,
    "examples/blind_round2.jsonl": 0.85,
    "examples/blind_round3.jsonl": 0.85,
    "examples/blind_round4.jsonl": 0.82,
    "examples/blind_round5.jsonl": 0.85,
    "examples/blind_round6.jsonl": 0.85,
    "examples/blind_round7.jsonl": 0.90,
    "examples/blind_round8.jsonl": 0.85,  # issue 15: new topics, redirects, everyday
    "examples/blind_round9.jsonl": 0.85,
    "examples/blind_round12.jsonl": 0.90,  # 89.0% when first run, before this session's work
    "examples/blind_round13.jsonl": 0.88,  # 86.0% when first run (the independent check)
    "examples/blind_round14.jsonl": 0.90,  # 94.0% when first run
    "examples/blind_round15.jsonl": 0.92,  # 92.0% when first run
    "examples/blind_round16.jsonl": 0.85,  # 87.0% when first run
    "examples/blind_round17.jsonl": 0.90,  # 91.0% when first run (before the entry model
    # learned from these files; see the README for held-out scores)
    "examples/blind_round18.jsonl": 0.93,  # 95.0% when first run (after round 17's work)
    "examples/blind_round19.jsonl": 0.90,  # 92.0% when first run (after round 18's work)
    "examples/blind_round20.jsonl": 0.90,  # 91.7% when first run (after round 19's work)
    "examples/blind_round21.jsonl": 0.89,  # 91.0% when first run (after all of it)
    "examples/blind_round22.jsonl": 0.92,  # 94.0% when first run (at ea17a0e, next session)
    "examples/blind_round23.jsonl": 0.90,  # 92.5% when first run (at 2122dd6)
    # issue 15 subjects; kept out of the entry model: learning it lowered conversation turns
    "topics_round24.jsonl": 0.94,  # 96.0% when first run (at f846735)
    "blind_round25_questions.jsonl": 0.96,  # 100% when first run (at 2ca507e); a test set
    "blind_round26_questions.jsonl": 0.95,  # 97.8% when first run (at 979cb47 and 90d843f)
    "examples/procedures.jsonl": 0.85,
    "examples/services_and_acts.jsonl": 0.85,
    "dialogues/blind_round1.jsonl": 0.80,
    "dialogues/blind_round2.jsonl": 0.85,
    "dialogues/blind_round3.jsonl": 0.80,
    "dialogues/blind_round4.jsonl": 0.85,
    "dialogues/blind_round5.jsonl": 0.80,
    "dialogues/blind_round6.jsonl": 0.85,
    "dialogues/blind_round7.jsonl": 0.80,
    "dialogues/blind_round8.jsonl": 0.80,
    "dialogues/blind_round9.jsonl": 0.80,
    "dialogues/blind_round12.jsonl": 0.90,
    "dialogues/blind_round13.jsonl": 0.82,  # 80.3% when first run
    "dialogues/blind_round14.jsonl": 0.82,  # 85.2% when first run
    "dialogues/blind_round15.jsonl": 0.88,  # 86.0% when first run
    "dialogues/blind_round16.jsonl": 0.84,  # 86.7% when first run
    "dialogues/blind_round17.jsonl": 0.83,  # 84.7% when first run
    "dialogues/blind_round18.jsonl": 0.85,  # 86.6% when first run
    "dialogues/blind_round19.jsonl": 0.72,  # 74.7% when first run
    "dialogues/blind_round20.jsonl": 0.85,  # 87.5% when first run
    "dialogues/blind_round21.jsonl": 0.81,  # 83.3% when first run
    "dialogues/blind_round22.jsonl": 0.89,  # 91.4% when first run
    "dialogues/blind_round23.jsonl": 0.92,  # 94.3% when first run
    "dialogues/blind_round25.jsonl": 0.87,  # 89.7% when first run (at 2ca507e)
    "dialogues/blind_round26.jsonl": 0.84,  # 86.1% when first run (at 979cb47 and 90d843f)
    "dialogues/procedures.jsonl": 0.75,
    "dialogues/services_and_acts.jsonl": 0.80,
}


def test_every_labelled_file_has_a_floor() -> None:
    # tests/data/handover holds other shapes, with their floors in test_questions_blind.py
    files = {f"examples/{p.name}" for p in EXAMPLES_DIR.glob("*.jsonl")}
    files |= {f"dialogues/{p.name}" for p in (DATA / "dialogues").glob("*.jsonl")}
    assert files <= set(FLOORS), files - set(FLOORS)


@pytest.mark.parametrize("name", sorted(FLOORS))
async def test_labelled_set_stays_above_its_floor(name: str, sqlite_deps: Deps, capsys) -> None:
    async def ask(resident: str, text: str) -> Response:
        return await handle(IncomingMessage("cli", resident, text=text), sqlite_deps)

    report = await evaluate(*read_file(labelled(name)), ask)
    with capsys.disabled():
        print("\n" + "\n".join(summary(report, name, show_misses=False)))
    assert report.share() >= FLOORS[name]
