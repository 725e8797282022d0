"""The durable inbox: channel webhooks store each update before acknowledging it, and
workers handle stored updates in the background.

Storing is group-committed: updates arriving together are written in one transaction, so a
burst costs one commit instead of one per update. An acknowledged update is never lost: if
the process stops before handling it, it is handled after the restart. Handling marks the
update in the same transaction as the conversation (see `db.queries.claim_event`), so an
update is handled once even when re-delivered or re-queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import queries

log = logging.getLogger(__name__)

# A processor returns True when the conversation marked the update handled in its own
# transaction (`claim_event`); otherwise (edits, joins, a failed handler) the inbox closes it.
Processor = Callable[[str, dict[str, Any]], Awaitable[bool]]
Item = tuple[str, str, dict[str, Any]]

MAX_BATCH = 500
STOP_GRACE = 5.0  # seconds queued updates get to finish on shutdown; the rest wait in the DB


class Inbox:
    """Group-committed storage of incoming updates plus a pool of handling workers."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], workers: int = 8) -> None:
        self._sessions = sessions
        self._workers = workers
        self._processors: dict[str, Processor] = {}
        self._incoming: asyncio.Queue[tuple[Item, asyncio.Future[bool]]] = asyncio.Queue()
        self._work: asyncio.Queue[Item] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        # Acknowledging comes first: workers pause while updates wait to be stored, so a
        # burst is acknowledged quickly (the platform does not time out and re-send) and
        # handled right after.
        self._quiet = asyncio.Event()
        self._quiet.set()

    def register(self, channel: str, processor: Processor) -> None:
        """Route stored updates of `channel` to `processor(event_key, payload)`."""
        self._processors[channel] = processor

    async def start(self) -> None:
        """Start the writer and the workers, and re-queue updates left unhandled."""
        async with self._sessions() as session:
            pending = await queries.pending_events(session)
        for event in pending:
            if event.channel in self._processors and event.payload is not None:
                self._work.put_nowait((event.channel, event.event_key, event.payload))
        if pending:
            log.info("inbox: %d stored updates left from before the restart", len(pending))
        self._tasks = [asyncio.create_task(self._write_loop())]
        self._tasks += [asyncio.create_task(self._work_loop()) for _ in range(self._workers)]

    async def stop(self) -> None:
        """Let queued updates finish for a moment, then stop; the rest wait in the database."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.idle(), STOP_GRACE)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def idle(self) -> None:
        """Wait until everything accepted so far is stored and handled."""
        await self._incoming.join()
        await self._work.join()

    async def accept(self, channel: str, event_key: str, payload: dict[str, Any]) -> bool:
        """Store an update durably; True if it is new (False for a re-delivery). Raises if
        the database fails, so the webhook answers 5xx and the platform delivers again."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._quiet.clear()
        await self._incoming.put(((channel, event_key, payload), future))
        return await future

    async def _write_loop(self) -> None:
        while True:
            batch = [await self._incoming.get()]
            while len(batch) < MAX_BATCH and not self._incoming.empty():
                batch.append(self._incoming.get_nowait())
            try:
                async with self._sessions() as session, session.begin():
                    new = await queries.store_events(session, [item for item, _ in batch])
            except Exception as exc:  # the webhook reports the failure to the platform
                log.exception("inbox: could not store %d updates", len(batch))
                if self._incoming.empty():
                    self._quiet.set()
                for _, future in batch:
                    self._incoming.task_done()
                    if not future.done():
                        future.set_exception(exc)
                continue
            if self._incoming.empty():
                self._quiet.set()
            for item, future in batch:
                self._incoming.task_done()
                key = (item[0], item[1])
                is_new = key in new
                new.discard(key)  # the same update twice in one batch counts once
                if is_new:
                    self._work.put_nowait(item)
                if not future.done():
                    future.set_result(is_new)

    async def _work_loop(self) -> None:
        while True:
            channel, event_key, payload = await self._work.get()
            await self._quiet.wait()
            try:
                processor = self._processors.get(channel)
                if processor is None:
                    raise LookupError(f"no processor for channel {channel!r}")
                if not await processor(event_key, payload):
                    async with self._sessions() as session, session.begin():
                        # Updates no conversation took (edits, group posts) close here.
                        await queries.close_event(session, channel, event_key)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                # The key may name a Zalo OA follower: only at DEBUG.
                log.exception("inbox: a %s update failed; not retried", channel)
                log.debug("inbox: the failed %s update was %s", channel, event_key)
                with contextlib.suppress(Exception):
                    async with self._sessions() as session, session.begin():
                        await queries.close_event(
                            session, channel, event_key, f"{type(exc).__name__}: {exc}"
                        )
            finally:
                self._work.task_done()
