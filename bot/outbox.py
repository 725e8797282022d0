"""The outbox sender: messages that are not direct replies (staff answers, status changes,
alerts) are stored first, then delivered through the recipient's channel; every result is
recorded on the row (sent, failed, undeliverable, blocked) for the staff console.

Rows are claimed before sending (`FOR UPDATE SKIP LOCKED` on PostgreSQL) so several
processes never send the same row; a row left "sending" by a crash is retried after a while.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import Outbox, utcnow
from handlers.types import Button, Reply

log = logging.getLogger(__name__)

# A channel's deliverer answers "sent", "failed" (retried later), "undeliverable", "blocked"
# or "awaiting_pickup" (the website fetches its messages), with an optional reason.
Deliverer = Callable[[str, Reply], Awaitable[tuple[str, str | None]]]

BATCH = 50
MAX_ATTEMPTS = 5
STUCK_AFTER = timedelta(minutes=5)
FINAL = {"sent", "undeliverable", "blocked", "awaiting_pickup"}


def reply_of(row: Outbox) -> Reply:
    """The stored message as a Reply."""
    return Reply(row.text, tuple(Button(b["title"], b["payload"]) for b in row.buttons or ()))


class OutboxSender:
    """Drains the outbox in the background; `wake()` after enqueueing sends at once."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], interval: float = 2.0) -> None:
        self._sessions, self._interval = sessions, interval
        self._deliverers: dict[str, Deliverer] = {}
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def register(self, channel: str, deliverer: Deliverer) -> None:
        self._deliverers[channel] = deliverer

    def wake(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        while True:
            try:
                while await self.drain_once():
                    pass
            except Exception:
                log.exception("outbox: sending failed; will retry")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
            self._wake.clear()

    async def _claim(self) -> list[Outbox]:
        now = utcnow()
        async with self._sessions() as session, session.begin():
            stmt = (
                select(Outbox)
                .where(
                    or_(
                        (Outbox.status == "pending") & (Outbox.next_attempt_at <= now),
                        (Outbox.status == "sending")
                        & (Outbox.next_attempt_at <= now - STUCK_AFTER),
                    )
                )
                .order_by(Outbox.id)
                .limit(BATCH)
                .with_for_update(skip_locked=True)
            )
            rows = list((await session.execute(stmt)).scalars())
            for row in rows:
                row.status, row.next_attempt_at = "sending", now
                row.attempts += 1
        return rows

    async def drain_once(self) -> int:
        """Send one batch; returns how many rows were handled."""
        rows = await self._claim()
        for row in rows:
            deliverer = self._deliverers.get(row.channel)
            if deliverer is None:
                status, error = "undeliverable", f"kênh {row.channel} không nhận tin gửi sau"
            else:
                try:
                    status, error = await deliverer(row.user_ref, reply_of(row))
                except Exception as exc:  # a bug in one delivery must not stop the rest
                    log.exception("outbox: delivery %s raised", row.id)
                    status, error = "failed", type(exc).__name__
            await self._record(row, status, error)
        return len(rows)

    async def _record(self, row: Outbox, status: str, error: str | None) -> None:
        values: dict = {"status": status, "last_error": error[:300] if error else None}
        if status == "sent":
            values["sent_at"] = utcnow()
        if status == "failed" and row.attempts < MAX_ATTEMPTS:
            values["status"] = "pending"  # try again later, backing off
            values["next_attempt_at"] = utcnow() + timedelta(seconds=30 * 2**row.attempts)
        async with self._sessions() as session, session.begin():
            await session.execute(update(Outbox).where(Outbox.id == row.id).values(**values))
