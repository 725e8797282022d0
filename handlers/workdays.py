"""Working days in Vietnam: no Saturdays, Sundays or public holidays (Tết and Hùng Kings'
day follow the lunar calendar; the `holidays` package knows them and the substitute days)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


@lru_cache(maxsize=16)
def _public_holidays(year: int) -> frozenset[date]:
    import holidays  # about 9 MB: loaded with the first due date, not with every process

    return frozenset(holidays.country_holidays("VN", years=year))


def is_working_day(day: date, extra_days_off: Iterable[date] = ()) -> bool:
    """Monday to Friday, not a public holiday, not a ward's extra day off."""
    return (
        day.weekday() < 5
        and day not in _public_holidays(day.year)
        and day not in set(extra_days_off)
    )


def add_working_days(start: date, days: int, extra_days_off: Iterable[date] = ()) -> date:
    """The date `days` working days after `start` (the day of filing does not count)."""
    extra = set(extra_days_off)
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if is_working_day(current, extra):
            left -= 1
    return current


def due_at(filed: datetime, days: int, extra_days_off: Iterable[date] = ()) -> datetime:
    """End of the due day (17:00 Vietnam time) for something filed at `filed`."""
    local_day = filed.astimezone(VIETNAM).date()
    due = add_working_days(local_day, days, extra_days_off)
    return datetime.combine(due, time(17, 0), tzinfo=VIETNAM)
