"""Report periods as staff name them: a month, a quarter, or two dates."""

from __future__ import annotations

import re
from datetime import date, timedelta

from bot.report.model import Period

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


class PeriodError(ValueError):
    """A period that cannot be read (message in Vietnamese)."""


def month(text: str) -> Period:
    """ "2026-10" -> October 2026."""
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise PeriodError("tháng viết dạng 2026-10")
    year, number = int(match.group(1)), int(match.group(2))
    start = date(year, number, 1)
    end = date(year + number // 12, number % 12 + 1, 1) - timedelta(days=1)
    return Period(start, end, f"tháng {number:02d}/{year}")


def quarter(text: str) -> Period:
    """ "2026-Q4" (or "2026-4") -> October to December 2026."""
    match = re.fullmatch(r"(\d{4})-?[Qq]?([1-4])", text.strip())
    if not match:
        raise PeriodError("quý viết dạng 2026-Q4")
    year, number = int(match.group(1)), int(match.group(2))
    start = date(year, 3 * number - 2, 1)
    end = date(year + number // 4, (3 * number) % 12 + 1, 1) - timedelta(days=1)
    return Period(start, end, f"quý {ROMAN[number]}/{year}")


def between(first: str, last: str) -> Period:
    """Two ISO dates, both included."""
    try:
        start, end = date.fromisoformat(first.strip()), date.fromisoformat(last.strip())
    except ValueError as exc:
        raise PeriodError("ngày viết dạng 2026-10-01") from exc
    if end < start:
        raise PeriodError("ngày kết thúc trước ngày bắt đầu")
    if (end - start).days > 366 * 2:
        raise PeriodError("tối đa hai năm một báo cáo")
    return Period(start, end, f"từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}")
