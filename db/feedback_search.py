"""What the console's inbox search compares: a phản ánh's words folded (no diacritics, the
project's own folding) and its phone numbers as bare digits, stored in a column filled on
every write, so "ngap sau" finds "ngập sâu" and "0905.123.456" finds "0905 123 456" on
SQLite and PostgreSQL alike, without folding in SQL."""

from __future__ import annotations

import re

from content.normalize import folded_phrase, tokenize

# A Vietnamese phone number however it is spaced: 0905 123 456, 0905.123.456, +84 905...
_PHONE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.\-]*\d){8,10}(?!\d)")
_PHONE_QUERY = re.compile(r"[\d\s.\-+()]+")
MIN_PHONE_DIGITS = 6  # fewer digits typed alone are searched as words (a house number)
MAX_TERMS = 8


def _digits(text: str) -> str:
    """Digits only, the country code written as the leading 0 residents type."""
    digits = re.sub(r"\D", "", text)
    return "0" + digits[2:] if digits.startswith("84") and len(digits) >= 11 else digits


def phone_numbers(*texts: str | None) -> list[str]:
    """Every phone number in these texts, as bare digits."""
    return [_digits(m.group()) for text in texts if text for m in _PHONE.finditer(text)]


def search_text(code: str, description: str, area: str | None, phone: str | None) -> str:
    """The stored search column: folded words, the code also without dashes, phone digits;
    spaces around, so a term can be matched at a word's start."""
    parts = [
        folded_phrase(code),
        re.sub(r"\W", "", code).lower(),
        folded_phrase(description),
        folded_phrase(area or ""),
        _digits(phone) if phone else "",
        *phone_numbers(description, area),
    ]
    return " " + " ".join(part for part in parts if part) + " "


def search_terms(query: str) -> list[str]:
    """What a typed search looks for, every term in the record: a phone number typed with any
    spacing is one run of digits; otherwise the folded words ("Ngập  sâu" -> ngap, sau)."""
    query = query.strip()
    if _PHONE_QUERY.fullmatch(query) and len(_digits(query)) >= MIN_PHONE_DIGITS:
        return [_digits(query)]
    return list(dict.fromkeys(tokenize(query)))[:MAX_TERMS]
