"""Situations in questions and in catalogue lines: the phrases of each, and ages as numbers.

"con tôi mới 10 tuổi thì sao" asks about age 10; a line saying "dưới 6 tuổi" covers 0-5, "từ
đủ 6 đến dưới 14 tuổi" 6-13, "đủ 14, 25, 40, 60 tuổi" the four ages themselves. Both sides
are compared folded (no diacritics), as everything else in the search.
"""

from __future__ import annotations

import re
from functools import lru_cache

from content.normalize import Situation

OLDEST = 150
_ASKED_AGE = re.compile(r"\b(\d{1,3})\s*(?:tuoi|t)\b")
_ASKED_MONTHS = re.compile(
    r"\b\d{1,2}\s*(?:thang|tuan|ngay) tuoi\b|\b(?:moi sinh|so sinh|moi de)\b"
)
_BETWEEN = re.compile(r"\btu (?:du )?(\d{1,3})(?: tuoi)? (?:den|toi) (?:duoi )?(\d{1,3}) tuoi")
_RANGE = re.compile(r"\b(\d{1,3}) (\d{1,3}) tuoi")  # "70–75 tuổi" folds to "70 75 tuoi"
_UNDER = re.compile(r"\b(?:duoi|chua du|nho hon) (\d{1,3}) tuoi")
_FROM = re.compile(r"\b(?:tu du|tu|tren|hon|tro len) (\d{1,3}) tuoi|\b(\d{1,3}) tuoi tro len")
_POINTS = re.compile(r"(?<!tu )\bdu ((?:\d{1,3} )*\d{1,3}) tuoi")


def _has(padded: str, phrases: tuple[str, ...]) -> bool:
    return any(f" {phrase} " in padded for phrase in phrases)


def asked_situations(folded: str, situations: dict[str, Situation]) -> list[str]:
    """Situations a folded message asks about, in the lexicon's order."""
    padded = f" {folded} "
    found = [name for name, s in situations.items() if _has(padded, s.asked)]
    if asked_age(folded) is not None and "child" not in found:
        found.append("age")
    return found


_TAGGED: dict[tuple[int, str], frozenset[str]] = {}


def line_situations(folded_line: str, situations: dict[str, Situation]) -> frozenset[str]:
    """Situations a folded catalogue line speaks about (remembered: the same catalogue lines
    are read for every question)."""
    key = (id(situations), folded_line)
    found = _TAGGED.get(key)
    if found is None:
        padded = f" {folded_line} "
        names = {name for name, s in situations.items() if _has(padded, s.lines)}
        if age_ranges(folded_line):
            names.add("age")
        found = frozenset(names)
        if len(_TAGGED) < 50_000:
            _TAGGED[key] = found
    return found


def asked_age(folded: str) -> int | None:
    """The age a message asks about: "con 10 tuổi" -> 10, "bé 3 tháng tuổi" -> 0."""
    if _ASKED_MONTHS.search(folded):
        return 0
    match = _ASKED_AGE.search(folded)
    if match is None:
        return None
    age = int(match.group(1))
    return age if age <= OLDEST else None


@lru_cache(maxsize=8192)
def age_ranges(folded_line: str) -> tuple[tuple[int, int], ...]:
    """Age ranges (first, last) a folded line speaks of; a point is a range of one."""
    ranges: list[tuple[int, int]] = []
    rest = folded_line
    for match in _POINTS.finditer(rest):  # "đủ 14, 25, 40, 60 tuổi": four ages, no range
        ranges += [(int(n), int(n)) for n in match[1].split()]
    rest = _POINTS.sub(" ", rest)
    for pattern, make in (
        (_BETWEEN, lambda m: (int(m[1]), int(m[2]) - 1)),
        (_RANGE, lambda m: (int(m[1]), int(m[2]))),
        (_UNDER, lambda m: (0, int(m[1]) - 1)),
        (_FROM, lambda m: (int(m[1] or m[2]), OLDEST)),
    ):
        for match in pattern.finditer(rest):
            ranges.append(make(match))
        rest = pattern.sub(" ", rest)
    return tuple((a, b) for a, b in ranges if 0 <= a <= b <= OLDEST)


def covers_age(folded_line: str, age: int) -> bool:
    """True when the line speaks of an age range containing `age`."""
    return any(first <= age <= last for first, last in age_ranges(folded_line))


def age_fit(folded_line: str, age: int) -> float:
    """How closely the line's narrowest range holding `age` fits it: 1.0 for a range of six
    years or fewer ("dưới 6 tuổi"), less for wider ones ("dưới 14 tuổi"), 0 for none."""
    widths = [last - first + 1 for first, last in age_ranges(folded_line) if first <= age <= last]
    return min(1.0, 6 / min(widths)) if widths else 0.0


def outside_age(folded_title: str, age: int) -> bool:
    """True when a title is for an age range that leaves `age` out ("trẻ dưới 14 tuổi" for a
    16-year-old). Single ages ("nam đủ 17 tuổi") name a moment, not who may ask: they never
    leave anyone out."""
    ranges = [(first, last) for first, last in age_ranges(folded_title) if last > first]
    return bool(ranges) and not any(first <= age <= last for first, last in ranges)


def told_age(folded_message: str) -> int | None:
    """The age a message tells, when it tells one and not a range ("con dưới 6 tuổi")."""
    age = asked_age(folded_message)
    if age is None or any(last > first for first, last in age_ranges(folded_message)):
        return None
    return age
