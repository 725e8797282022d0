"""Masking personal data in free text (phone and ID numbers, emails) and in phone numbers shown
back to their owner. Used by the report, the privacy commands and data retention."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LONG_NUMBER = re.compile(r"(?<!\d)\+?\d[\d .-]{7,}\d(?!\d)")  # phones, CCCD, account numbers


def mask(text: str) -> str:
    """Phone numbers, ID and other long numbers, and emails replaced by placeholders."""
    text = _EMAIL.sub("[email]", text)
    return _LONG_NUMBER.sub("[số]", text)


def mask_phone(phone: str) -> str:
    """A phone number with its middle hidden: "0905123456" -> "0905***456"."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 8:
        return "***"
    return f"{digits[:4]}***{digits[-3:]}"
