"""Repeating announcements: RFC 5545 RRULEs (python-dateutil) read in the ward's time zone.

The first send time fixes the weekday and the hour, so "every second Friday at 17:00" is
`FREQ=WEEKLY;INTERVAL=2` starting on a Friday at 17:00 Asia/Ho_Chi_Minh."""

from __future__ import annotations

from datetime import UTC, datetime

from dateutil.rrule import rrulestr

from handlers.domain.calendar import VIETNAM

PRESETS = {
    "weekly": ("FREQ=WEEKLY", "Hằng tuần"),
    "biweekly": ("FREQ=WEEKLY;INTERVAL=2", "Hai tuần một lần"),
    "monthly": ("FREQ=MONTHLY", "Hằng tháng"),
    "daily": ("FREQ=DAILY", "Hằng ngày"),
}


class RecurrenceError(ValueError):
    """A repeat rule that cannot be used."""


def parse(rule: str) -> str:
    """A preset name or an RRULE, checked; returns the RRULE text."""
    rule = rule.strip()
    if rule in PRESETS:
        return PRESETS[rule][0]
    text = rule.removeprefix("RRULE:")
    try:
        rrulestr(text, dtstart=datetime(2026, 1, 2, 17, 0, tzinfo=VIETNAM))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"quy tắc lặp không hợp lệ: {rule}") from exc
    if "FREQ=SECONDLY" in text.upper() or "FREQ=MINUTELY" in text.upper():
        raise RecurrenceError("không lặp nhanh hơn mỗi giờ")
    return text


def next_after(rule: str, first: datetime, after: datetime) -> datetime | None:
    """The first occurrence strictly after `after` (UTC), or None when the rule has ended."""
    start = first.astimezone(VIETNAM)
    found = rrulestr(rule, dtstart=start).after(after.astimezone(VIETNAM), inc=False)
    return found.astimezone(UTC) if found else None


def first_at_or_after(rule: str, first: datetime, moment: datetime) -> datetime | None:
    """The first occurrence at or after `moment`."""
    start = first.astimezone(VIETNAM)
    found = rrulestr(rule, dtstart=start).after(moment.astimezone(VIETNAM), inc=True)
    return found.astimezone(UTC) if found else None


def describe(rule: str | None) -> str:
    """The rule in words for staff."""
    if not rule:
        return "Một lần"
    for text, label in PRESETS.values():
        if rule == text:
            return label
    return rule
