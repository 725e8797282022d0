"""The scheduler: queues announcements whose send time has come, one-off or recurring, and
the course reminders learners asked for; once a day, housekeeping (data retention).

Send times live in the database, so nothing is lost across restarts; every process may run a
scheduler, since claiming an announcement is a guarded UPDATE with a single winner."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.domain.announcements import Queuer

log = logging.getLogger(__name__)
HOUSEKEEPING_EVERY = 24 * 3600.0
HOUSEKEEPING_DELAY = 600.0  # the first run waits this long after start (not during a demo)


class Scheduler:
    """Looks every `interval` seconds, or at once after `wake()`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        queuer: Queuer,
        on_queued: Callable[[], None],
        interval: float = 15.0,
        reminders: Callable[[], Awaitable[int]] | None = None,
        housekeeping: Callable[[], Awaitable[object]] | None = None,
        housekeeping_every: float = HOUSEKEEPING_EVERY,
        housekeeping_delay: float = HOUSEKEEPING_DELAY,
    ) -> None:
        self._sessions, self._queuer = sessions, queuer
        self._on_queued, self._interval = on_queued, interval
        self._reminders = reminders
        # Idempotent daily work (data retention): at most once per `housekeeping_every`
        # seconds in this process, the first time `housekeeping_delay` seconds after start.
        self._housekeeping, self._housekeeping_every = housekeeping, housekeeping_every
        self._housekeeping_delay = housekeeping_delay
        self._housekeep_due: float | None = None  # monotonic time of the next run
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def run_once(self) -> list[int]:
        queued = await self._queuer.run_due(self._sessions)
        if queued:
            log.info("announcements queued: %s", ", ".join(map(str, queued)))
        reminded = await self._reminders() if self._reminders else 0
        if queued or reminded:
            self._on_queued()
        await self._housekeep()
        return queued

    async def _housekeep(self) -> None:
        if self._housekeeping is None:
            return
        now = time.monotonic()
        if self._housekeep_due is None:
            self._housekeep_due = now + self._housekeeping_delay
        if now < self._housekeep_due:
            return
        self._housekeep_due = now + self._housekeeping_every  # a failure waits a day: logged
        try:
            log.info("housekeeping: %s", await self._housekeeping())
        except Exception:
            log.exception("scheduler: housekeeping failed; next try in a day")

    async def _loop(self) -> None:
        while True:
            try:
                await self.run_once()
            except Exception:
                log.exception("scheduler: queueing announcements failed; will retry")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()
