"""The contests residents can enter now, for the menu of every message: read from the database
at most once a minute instead of once a message. Opening and closing times are applied on
every message; a contest published or withdrawn in the console shows at once in that process
(the console invalidates) and within a minute in the others."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db import contest_queries as cq

FRESH_SECONDS = 60.0


class ContestCalendar:
    """Published contests and their time windows, kept for a minute."""

    def __init__(self, fresh_seconds: float = FRESH_SECONDS) -> None:
        self._fresh = fresh_seconds
        self._windows: list[tuple[int, str, datetime, datetime]] | None = None
        self._read_at = 0.0

    def invalidate(self) -> None:
        """Read again on the next message (a contest was published, edited or withdrawn)."""
        self._windows = None

    async def open_now(self, session: AsyncSession, now: datetime) -> tuple[tuple[int, str], ...]:
        """(id, title) of the contests open at `now`."""
        if self._windows is None or time.monotonic() - self._read_at > self._fresh:
            self._windows = await cq.published_windows(session, now)
            self._read_at = time.monotonic()
        return tuple((i, title) for i, title, start, end in self._windows if start <= now < end)
