"""Scoring of the search against labelled resident questions (shared by tests and tools)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from handlers.types import Response

FIRST_LINES = 4  # the title plus what a resident sees without scrolling


@dataclass(frozen=True)
class Case:
    q: str
    topic: str
    must_contain_any: tuple[str, ...]


def load_cases(path: Path) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            cases.append(Case(row["q"], row["topic"], tuple(row["must_contain_any"])))
    return cases


def is_correct(case: Case, response: Response) -> bool:
    """A clarifying choice is not an answer; out-of-scope questions must fall back."""
    if case.topic == "out_of_scope":
        return response.intent == "fallback"
    if response.intent in ("clarify", "fallback"):
        return False
    head = "\n".join([response.title or "", *response.text.splitlines()[:FIRST_LINES]]).lower()
    return any(needle.lower() in head for needle in case.must_contain_any)


def per_topic(results: list[tuple[Case, bool]]) -> dict[str, tuple[int, int]]:
    table: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for case, ok in results:
        table[case.topic][0] += ok
        table[case.topic][1] += 1
    return {topic: (hit, total) for topic, (hit, total) in sorted(table.items())}
