"""Tổ dân phố names as residents type them ("Tổ dân phố 3", "tdp 3", "TDP3", "to 03") reduced
to one key, so an announcement for "TDP 3" reaches everyone who wrote any of these."""

from __future__ import annotations

import re

from content.normalize import folded_phrase

_PREFIX = re.compile(r"^(?:to dan pho|tdp|to dp|to|khu pho|kp|thon|khoi)(?:\s+so)?(?:\s+|(?=\d))")
_LEADING_ZEROS = re.compile(r"\b0+(?=\d)")


def area_key(text: str) -> str:
    """ "Tổ dân phố số 3" -> "3"; "TDP Lê Lợi 4" -> "le loi 4"; what follows a comma (the
    ward, the province) is left out."""
    folded = folded_phrase(text.split(",")[0]) or folded_phrase(text)
    key = _PREFIX.sub("", folded) or folded
    return _LEADING_ZEROS.sub("", key)
