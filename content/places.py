"""Where a problem is, read from the resident's own words: "tổ 7", "hẻm 12 Lê Lợi", "đường Bà
Triệu gần chợ", "số 15 tổ 6". Matching runs on the folded text; what is kept is the resident's
own spelling (same positions: folding keeps one letter per letter of NFC text).
"""

from __future__ import annotations

import re
import unicodedata

from content.normalize import fold

_NAME = r"(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){1,3}"  # capitalised words: a street's or a place's name
_PATTERNS = (
    # tổ dân phố 7, tdp 7, tổ 7, khu phố 2, thôn 3
    re.compile(r"\b(?:to dan pho|tdp|to|khu pho|kp|thon|khoi)\s*(?:so\s*)?\d{1,3}\b"),
    # hẻm 12, kiệt 45/3, ngõ 5, with the street name after it
    re.compile(r"\b(?:hem|kiet|ngo|ngach)\s*(?:so\s*)?\d{1,4}(?:/\d{1,4})?\b"),
    # nhà số 15, số nhà 15
    re.compile(r"\b(?:nha so|so nha)\s*\d{1,4}\b"),
    # quốc lộ 24, tỉnh lộ 671
    re.compile(r"\b(?:quoc lo|tinh lo|ql)\s*\d{1,3}\b"),
    # a landmark: gần chợ, trước trường tiểu học, cạnh nhà văn hóa tổ 2
    re.compile(
        r"\b(?:gan|truoc|canh|sau|doi dien|cuoi|dau|trong)\s+(?:cong\s+)?"
        r"(?:cho|truong|nha van hoa|cau|cong vien|nga ba|nga tu|benh vien|tram y te|chua|"
        r"nha tho|ubnd|san|bai dat|khu tai dinh cu|khu tdc|bo song|song|suoi|muong)\b"
        r"(?:\s+[a-z]+){0,2}"
    ),
)
# "số 88 Hùng Vương", "88 Hùng Vương": a house number counts only with the street's name after it
_NUMBERED = re.compile(r"\b(?P<so>so\s*)?\d{1,4}(?:/\d{1,4})?\b")
_LONG_NAME = re.compile(r"(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){2,3}")  # two words at least after a bare number
_STREET_NAME = re.compile(_NAME)
_STREET = re.compile(r"\b(?:duong|pho|khu|xom|to)\b")
MAX_PLACE = 120


def _named_tail(original: str, end: int) -> int:
    """Extend a match over the capitalised name that follows ("hẻm 12" + " Lê Lợi")."""
    tail = _STREET_NAME.match(original, end)
    if tail is None:
        number = re.match(r"\s+\d{1,4}\b", original[end:])
        return end + number.end() if number else end
    return tail.end()


def places_in(text: str) -> str | None:
    """The places a message names, in the resident's spelling, joined by commas."""
    original = unicodedata.normalize("NFC", text)
    folded = fold(original)
    if len(folded) != len(original):  # stray combining marks: keep the folded spelling
        original = folded
    spans: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(folded):
            start, end = match.start(), _named_tail(original, match.end())
            if not any(s <= start < e for s, e in spans):
                spans.append((start, end))
    for match in _STREET.finditer(folded):  # "đường Bà Triệu": only with the name after it
        end = _STREET_NAME.match(original, match.end())
        if end is not None and not any(s <= match.start() < e for s, e in spans):
            spans.append((match.start(), end.end()))
    for match in _NUMBERED.finditer(folded):
        name = _STREET_NAME if match.group("so") else _LONG_NAME
        end = name.match(original, match.end())
        if end is not None and not any(s <= match.start() < e for s, e in spans):
            spans.append((match.start(), end.end()))
    if not spans:
        return None
    parts = [original[s:e].strip(" ,.") for s, e in sorted(spans)]
    return ", ".join(dict.fromkeys(p for p in parts if p))[:MAX_PLACE] or None
