"""Unanswered questions grouped by similarity, personal data masked: staff read one line per
content gap ("cấp lại sổ đỏ bị mất", 14 times) instead of every wording."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rapidfuzz import fuzz, process

from bot.report.model import GapGroup
from db.masking import mask

SIMILAR = 75  # token_set_ratio at or above which two wordings ask the same thing
MAX_GROUPS = 50
MAX_VARIANTS = 5
__all__ = ["group_gaps", "mask"]  # mask lives in db.masking; kept importable here


def group_gaps(
    wordings: Sequence[tuple[str, int, str, str | None]],
    title_of: Callable[[str | None], str | None],
) -> list[GapGroup]:
    """`wordings`: (normalized text, count, an original text, best guess id), most frequent
    first. Each wording joins the first group whose lead it resembles."""
    leads: list[str] = []
    groups: list[GapGroup] = []
    for normalized, count, text, guess in wordings:
        found = process.extractOne(
            normalized, leads, scorer=fuzz.token_set_ratio, score_cutoff=SIMILAR
        )
        if found is None:
            leads.append(normalized)
            groups.append(GapGroup(mask(text), count, [], title_of(guess)))
            continue
        group = groups[found[2]]
        group.count += count
        variant = mask(text)
        fresh = variant != group.example and variant not in group.variants
        if fresh and len(group.variants) < MAX_VARIANTS:
            group.variants.append(variant)
    return sorted(groups, key=lambda g: -g.count)[:MAX_GROUPS]
