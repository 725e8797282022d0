"""Tổ dân phố names as residents type them ("Tổ dân phố 3", "tdp 3", "to 3") reduced to one
key, so an announcement for "TDP 3" reaches everyone who wrote any of these."""

from __future__ import annotations

import re

from content.normalize import folded_phrase

_PREFIX = re.compile(r"^(?:to dan pho|tdp|to dp|to|khu pho|kp|thon|khoi)\s+(?:so\s+)?")


def area_key(text: str) -> str:
    """ "Tổ dân phố số 3" -> "3"; "TDP Lê Lợi 4" -> "le loi 4"."""
    folded = folded_phrase(text)
    return _PREFIX.sub("", folded) or folded
