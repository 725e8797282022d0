"""Which pictures residents may send and staff are shown: JPEG, PNG and WebP, told by their
first bytes (a declared type is only what the sender claims)."""

from __future__ import annotations

MAX_PHOTO = 5 * 1024 * 1024  # a phone photo; the widget says so before sending
TYPES = ("image/jpeg", "image/png", "image/webp")


def sniff(data: bytes) -> str | None:
    """The picture type the bytes really are, or None when they are none of ours."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None
