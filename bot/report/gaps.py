"""Unanswered questions grouped by similarity, personal data masked, each wording shortened to
a table's line (120 characters): staff read one line per content gap ("cấp lại sổ đỏ bị mất",
14 times) instead of every wording."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rapidfuzz import fuzz, process

from bot.report.model import GapGroup
from bot.report.text import shorten
from db.masking import mask

SIMILAR = 75  # token_set_ratio at or above which two wordings ask the same thing
MAX_GROUPS = 50
MAX_VARIANTS = 5
__all__ = ["group_gaps", "mask"]  # mask lives in db.masking; kept importable here


def cluster(wordings: Sequence[str]) -> list[int]:
    """The group of each wording (an index into the groups, in order of first appearance):
    each joins the first group whose lead it resembles. The console groups open questions
    this way too, so one answer serves residents who asked the same thing."""
    leads: list[str] = []
    groups = []
    for wording in wordings:
        found = process.extractOne(
            wording, leads, scorer=fuzz.token_set_ratio, score_cutoff=SIMILAR
        )
        if found is None:
            leads.append(wording)
            groups.append(len(leads) - 1)
        else:
            groups.append(found[2])
    return groups


def untaught(
    wordings: Sequence[tuple[str, int, str, str | None]], taught: Sequence[str]
) -> list[tuple[str, int, str, str | None]]:
    """The wordings no taught question resembles (staff answered and taught those)."""
    if not taught:
        return list(wordings)
    return [
        w
        for w in wordings
        if process.extractOne(w[0], taught, scorer=fuzz.token_set_ratio, score_cutoff=SIMILAR)
        is None
    ]


def group_gaps(
    wordings: Sequence[tuple[str, int, str, str | None]],
    title_of: Callable[[str | None], str | None],
) -> list[GapGroup]:
    """`wordings`: (normalized text, count, an original text, best guess id), most frequent
    first. Each wording joins the first group whose lead it resembles."""
    groups: list[GapGroup] = []
    places = cluster([normalized for normalized, *_ in wordings])
    for (_, count, text, guess), at in zip(wordings, places, strict=True):
        if at == len(groups):
            groups.append(GapGroup(shorten(mask(text)), count, [], title_of(guess)))
            continue
        group = groups[at]
        group.count += count
        variant = shorten(mask(text))
        fresh = variant != group.example and variant not in group.variants
        if fresh and len(group.variants) < MAX_VARIANTS:
            group.variants.append(variant)
    return sorted(groups, key=lambda g: -g.count)[:MAX_GROUPS]
