"""Cutting long replies for channels with a message size limit."""

from __future__ import annotations


def split_text(text: str, limit: int) -> list[str]:
    """Split at paragraph boundaries (then lines, then spaces) into pieces of at most `limit`
    characters, never losing text; a single overlong word is cut hard."""
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = -1
        for separator in ("\n\n", "\n", " "):
            cut = window.rfind(separator)
            if cut > 0:
                break
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces
