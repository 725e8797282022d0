"""The working-days calendar: Vietnam's holidays asked of a child process, so a ward process
never holds the `holidays` package (every country it knows, about 17 MB)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import holidays

from handlers.domain.calendar import due_at, public_holidays
from tests.fresh_python import printed_by


def test_the_child_gives_the_holidays_package_own_days() -> None:
    for year in (2025, 2026, 2027, 2031):
        assert public_holidays(year) == frozenset(holidays.country_holidays("VN", years=year))
    assert date(2027, 2, 8) in public_holidays(2027)  # Tết 2027


def test_a_due_date_does_not_load_the_holidays_package_here() -> None:
    code = (
        "import sys\nfrom datetime import UTC, datetime\n"
        "from handlers.domain.calendar import due_at\n"
        "print(due_at(datetime(2027, 2, 3, 3, tzinfo=UTC), 3).date(), 'holidays' in sys.modules)"
    )
    printed = printed_by(code)
    assert printed.split() == ["2027-02-15", "False"]
    assert due_at(datetime(2027, 2, 3, 3, tzinfo=UTC), 3).date() == date(2027, 2, 15)
