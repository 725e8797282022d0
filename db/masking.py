"""Masking personal data in free text (phone and ID numbers, emails) and in phone numbers shown
back to their owner. Used by the report, the privacy commands and data retention."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_LONG_NUMBER = re.compile(r"(?<!\d)\+?\d[\d .-]{7,}\d(?!\d)")  # phones, CCCD, account numbers
# The ward's own codes (PA-0412-5835 for a phản ánh, CH-... for a question) are not personal
# data, and staff find records by them: a code whose tail is all digits looks like a number.
_OUR_CODE = re.compile(r"\b(?:PA|CH)-\d{4}-[0-9A-Z]{4}\b")


def mask(text: str) -> str:
    """Phone numbers, ID and other long numbers, and emails replaced by placeholders; the
    ward's tracking codes kept."""
    parts = _OUR_CODE.split(text)
    codes = _OUR_CODE.findall(text)
    masked = [_LONG_NUMBER.sub("[số]", _EMAIL.sub("[email]", part)) for part in parts]
    return "".join(part + code for part, code in zip(masked, [*codes, ""], strict=True))


def mask_phone(phone: str) -> str:
    """A phone number with its middle hidden: "0905123456" -> "0905***456"."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 8:
        return "***"
    return f"{digits[:4]}***{digits[-3:]}"
