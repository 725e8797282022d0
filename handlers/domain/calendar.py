"""Working days in Vietnam: no Saturdays, Sundays or public holidays (Tết and Hùng Kings'
day follow the lunar calendar; the `holidays` package knows them and the substitute days).

`python -m handlers.domain.calendar YEAR...` prints those holidays, one ISO date a line: the server
asks a child process, because importing `holidays` loads every country it knows (about 17 MB
that a ward process would keep for a dozen dates a year)."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import threading
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from db.models import VIETNAM

log = logging.getLogger(__name__)


_KNOWN: dict[int, frozenset[date]] = {}
_ASKING = threading.Lock()  # several wards of one process warm at the same start


def public_holidays(year: int) -> frozenset[date]:
    """Vietnam's public holidays (and substitute days off) in `year`; the child process is
    asked once per process for that year and the next (a due date in December runs into it)."""
    with _ASKING:
        if year not in _KNOWN:
            _KNOWN.update(_ask_child([year, year + 1]))
        return _KNOWN[year]


async def warm_calendar() -> None:
    """At start-up, off the event loop: this year's and next year's holidays, so the first
    due date a resident is given does not wait for the child process."""
    try:
        await asyncio.to_thread(public_holidays, datetime.now(VIETNAM).year)
    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
        log.warning("holidays calendar not loaded yet (%s); the first due date will retry", error)


def _ask_child(years: list[int]) -> dict[int, frozenset[date]]:
    done = subprocess.run(
        [sys.executable, "-m", "handlers.domain.calendar", *map(str, years)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the holidays calendar failed: {done.stderr.strip()[-500:]}")
    days = [date.fromisoformat(line) for line in done.stdout.split()]
    return {year: frozenset(day for day in days if day.year == year) for year in years}


def _print_holidays(years: list[int]) -> None:
    from holidays.countries.vietnam import Vietnam

    for day in sorted(Vietnam(years=years)):
        print(day.isoformat())


def is_working_day(day: date, extra_days_off: Iterable[date] = ()) -> bool:
    """Monday to Friday, not a public holiday, not a ward's extra day off."""
    return (
        day.weekday() < 5
        and day not in public_holidays(day.year)
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


if __name__ == "__main__":
    _print_holidays([int(year) for year in sys.argv[1:]])
