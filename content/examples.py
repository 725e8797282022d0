"""Questions residents wrote, labelled with the entry that answers them: the entry model
learns residents' own words from them ("giấy xác nhận nó chưa có chồng" for the marital-status
certificate), beyond the catalogue's wording.

The files (`content/examples/*.jsonl`, the dev-set format: `q`, `entries`, ...) are the blind
rounds written by people who had not read the catalogue, each added after its score was taken.
A line labelled with no entry (a report, a greeting, chatter) teaches nothing here; those
are the act classifier's. `python -m bot eval --held-out FILE` scores a file with a model
trained without it, so a learned score is never a score on its own training data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent / "examples"

# entry id -> resident questions it answers
Examples = Mapping[str, tuple[str, ...]]


def read_examples(
    folder: Path = EXAMPLES_DIR, without: Iterable[Path] = ()
) -> dict[str, tuple[str, ...]]:
    """Every labelled question of the folder's files (except `without`), by its first entry."""
    skipped = {path.resolve() for path in without}
    found: dict[str, list[str]] = {}
    for path in sorted(folder.glob("*.jsonl")):
        if path.resolve() in skipped:
            continue
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path.name}:{number}: not JSON ({error.msg})") from None
            entries, text = row.get("entries") or [], row.get("q")
            if entries and isinstance(text, str) and text.strip():
                found.setdefault(str(entries[0]), []).append(text)
    return {entry: tuple(texts) for entry, texts in found.items()}


_READ: dict[tuple[Path, tuple[Path, ...]], dict[str, tuple[str, ...]]] = {}


def shipped_examples(without: tuple[Path, ...] = ()) -> Examples:
    """The shipped examples, read once per process (every ward's index learns from them)."""
    key = (EXAMPLES_DIR, tuple(sorted(p.resolve() for p in without)))
    if key not in _READ:
        _READ[key] = read_examples(EXAMPLES_DIR, key[1])
    return _READ[key]
