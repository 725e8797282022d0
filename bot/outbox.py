"""The outbox sender: every message that is not a direct reply (staff answers, status
changes, alerts, announcements) is stored first, then delivered through the recipient's
channel, and the result is recorded on the row for the console and the statistics.

One lane per channel: a claimer takes due rows in batches (`FOR UPDATE SKIP LOCKED` on
PostgreSQL; on SQLite the claim runs in a `BEGIN IMMEDIATE` transaction, which no other
writer can interleave), a dispatcher starts up to `concurrency` sends, and the channel's own
limiter (bot/ratelimit.py) spaces them. Results are written in group commits.

Claimed rows carry the sender's id; each sender beats in `sender_heartbeats`. Rows claimed by
a sender that stopped beating (killed, crashed) go back to the others, so a broadcast resumes
where it stopped. A row whose result was recorded is never sent again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import Delivery
from bot.ratelimit import ChannelLimiter
from bot.settings import Settings
from db import outbox_queries as oq
from db.models import utcnow
from db.outbox_queries import Claimed
from handlers.domain.types import Reply

log = logging.getLogger(__name__)

Deliverer = Callable[[str, Reply], Awaitable[Delivery]]
# Told about every recorded result: (channel, delivery status, the channel's reason or None).
ResultHook = Callable[[str, str, str | None], None]

MAX_ATTEMPTS = 5
NEVER_DELIVERED = ("console", "cli")  # terminal chats: nothing to send to later
STAFF_WRITTEN = frozenset({"question_answer", "feedback_reply"})  # a person's own words


def reply_of(row: Claimed) -> Reply:
    """The message a claimed row carries, as its channel's deliverer takes it."""
    return Reply.stored(row.text, row.buttons, row.image_url, row.kind in STAFF_WRITTEN)


@dataclass
class SenderOptions:
    """Tunables; the defaults suit one small server."""

    interval: float = 2.0  # seconds between looks at an idle outbox
    idle_max: float = 2.0  # the pause doubles while the outbox stays empty, up to this
    batch: int = 200  # rows claimed at once per channel
    dead_after: float = 60.0  # a sender silent this long has its claims taken over
    retry_base: float = 30.0  # first retry after a transient failure; doubles each time
    only_announcement: int | None = None  # `broadcast send ID` sends that one only


def sender_options(settings: Settings, only_announcement: int | None = None) -> SenderOptions:
    """The sender's tunables from the settings."""
    return SenderOptions(
        idle_max=max(settings.outbox_idle_max or 2.0, 2.0),
        dead_after=settings.outbox_dead_after,
        retry_base=settings.outbox_retry_base,
        only_announcement=only_announcement,
    )


@dataclass
class _Lane:
    channel: str
    deliver: Deliverer
    slots: asyncio.Semaphore
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    queue: asyncio.Queue[Claimed] = field(default_factory=lambda: asyncio.Queue())
    held: int = 0  # rows claimed and not yet sent
    sent_one: asyncio.Event = field(default_factory=asyncio.Event)


# Seconds between two counts of the running senders while sending: a sender that starts
# or stops changes the others' share of the rate within this time.
PEER_REFRESH = 0.25
# A rate-limited lane holds at most about this many seconds of its own sending, claiming more
# once half is sent: senders sharing a broadcast keep sharing it to its last message (one
# holding 200 rows at a third of the rate left the others idle), sends never wait for a
# claim, and a killed sender leaves few claims for the others to take over.
CLAIM_SECONDS = 2.0


class OutboxSender:
    """Drains the outbox in the background; `wake()` after enqueueing sends at once."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        options: SenderOptions | None = None,
        *,
        on_result: ResultHook | None = None,
    ) -> None:
        self._sessions = sessions
        self.options = options or SenderOptions()
        self._on_result = on_result
        self.owner = uuid.uuid4().hex
        self._deliverers: dict[str, tuple[Deliverer, int]] = {}
        self._limiters: dict[str, ChannelLimiter] = {}
        self._peers_checked = 0.0  # loop time of the last count of running senders
        self._first_send_at = 0.0  # loop time before which a newcomer holds its sends
        self._lanes: dict[str, _Lane] = {}
        self._lane_tasks: list[asyncio.Task[None]] = []
        self._background: list[asyncio.Task[None]] = []  # the recorder, the heartbeat
        self._sending: set[asyncio.Task[None]] = set()
        self._results: list[tuple[Claimed, Delivery]] = []
        self._results_ready = asyncio.Event()
        for channel in NEVER_DELIVERED:
            self.register(channel, _never)

    def register(
        self,
        channel: str,
        deliverer: Deliverer,
        concurrency: int = 8,
        limiter: ChannelLimiter | None = None,
    ) -> None:
        """Send `channel`'s rows with `deliverer`; its `limiter` is split with the other
        senders running (the platform's limit is per account, not per process)."""
        self._deliverers[channel] = (deliverer, concurrency)
        if limiter is not None:
            self._limiters[channel] = limiter

    @property
    def channels(self) -> set[str]:
        """Channels this sender can deliver to."""
        return set(self._deliverers) - set(NEVER_DELIVERED)

    def wake(self) -> None:
        for lane in self._lanes.values():
            lane.wake.set()

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        await self._beat()
        if await self._count_peers() > 1 and self._limiters:
            # The senders already running learn of this one within PEER_REFRESH; until then
            # and for one rate window more, they may still be using the whole rate.
            self._first_send_at = asyncio.get_running_loop().time() + PEER_REFRESH + 1.0
        for channel, (deliverer, concurrency) in self._deliverers.items():
            lane = _Lane(channel, deliverer, asyncio.Semaphore(concurrency))
            lane.queue = asyncio.Queue(maxsize=self.options.batch)
            self._lanes[channel] = lane
            self._lane_tasks.append(asyncio.create_task(self._claimer(lane)))
            self._lane_tasks.append(asyncio.create_task(self._dispatcher(lane)))
        self._background = [
            asyncio.create_task(self._recorder()),
            asyncio.create_task(self._heart()),
        ]

    async def stop(self) -> None:
        """Stop claiming, let sends in flight finish, record them, hand back the rest."""
        await _cancel(self._lane_tasks)
        if self._sending:
            _, unfinished = await asyncio.wait(self._sending, timeout=10)
            # Still waiting out a long 429 pause, say: stop them; their rows stay claimed by a
            # sender without heartbeat, so the next sender takes them over.
            await _cancel(list(unfinished))
        await _cancel(self._background)
        await self._write_results()
        unsent = [row.id for lane in self._lanes.values() for row in _drain(lane.queue)]
        async with self._sessions() as session, session.begin():
            if unsent:
                await oq.release_unsent(session, unsent, self.owner)
            await oq.forget_sender(session, self.owner)

    # --- claiming -------------------------------------------------------------------------

    def _alive_since(self, now: datetime) -> datetime:
        """Senders that beat after this are running; the claims of the others are free."""
        return now - timedelta(seconds=self.options.dead_after)

    async def claim(self, channel: str, limit: int) -> list[Claimed]:
        """Take up to `limit` due rows of one channel for this sender."""
        now = utcnow()
        async with self._sessions() as session, session.begin():
            return await oq.claim_due(
                session,
                channel,
                self.owner,
                now=now,
                alive_since=self._alive_since(now),
                limit=limit,
                only_announcement=self.options.only_announcement,
            )

    async def _claimer(self, lane: _Lane) -> None:
        pause = self.options.interval
        while True:
            size = self._claim_size(lane.channel)
            if lane.held > size // 2:
                lane.sent_one.clear()
                await lane.sent_one.wait()
                continue
            try:
                rows = await self.claim(lane.channel, size - lane.held)
            except Exception:
                log.exception("outbox: claiming %s rows failed; will retry", lane.channel)
                rows = []
            if not rows:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(lane.wake.wait(), pause)
                # An idle lane looks less and less often (many wards in one process); work,
                # or a wake-up from this process, brings it back to the short pause.
                pause = (
                    self.options.interval
                    if lane.wake.is_set()
                    else min(pause * 2, self.options.idle_max)
                )
                lane.wake.clear()
                continue
            pause = self.options.interval
            lane.held += len(rows)
            for row in rows:
                lane.queue.put_nowait(row)

    def _claim_size(self, channel: str) -> int:
        limiter = self._limiters.get(channel)
        if limiter is None or limiter.rate is None:
            return self.options.batch
        return max(1, min(self.options.batch, int(limiter.rate * CLAIM_SECONDS)))

    # --- sending --------------------------------------------------------------------------

    async def _dispatcher(self, lane: _Lane) -> None:
        loop = asyncio.get_running_loop()
        while True:
            row = await lane.queue.get()
            try:
                await lane.slots.acquire()
                if lane.channel in self._limiters:
                    if loop.time() - self._peers_checked > PEER_REFRESH:
                        await self._count_peers()
                    if (hold := self._first_send_at - loop.time()) > 0:
                        await asyncio.sleep(hold)
            except asyncio.CancelledError:
                lane.queue.put_nowait(row)  # not sent: `stop` hands it back with the rest
                raise
            task = asyncio.create_task(self._send(lane, row))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, lane: _Lane, row: Claimed) -> None:
        try:
            delivery = await _attempt(lane.deliver, row)
        finally:
            lane.slots.release()
            lane.held -= 1
            lane.sent_one.set()
        self._results.append((row, delivery))
        self._results_ready.set()

    async def drain_once(self) -> int:
        """Claim and send one batch of every channel now, recording each result; returns how
        many rows were handled (for tests: sends at once, without waiting for the loops)."""
        handled = 0
        for channel, (deliverer, _concurrency) in self._deliverers.items():
            for row in await self.claim(channel, self.options.batch):
                self._results.append((row, await _attempt(deliverer, row)))
                handled += 1
        await self.settle()
        return handled

    async def settle(self, seconds: float = 10.0) -> None:
        """Wait until the background lanes have sent what they claimed, and record it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while loop.time() < deadline and self._busy():  # noqa: ASYNC110 - polls several lanes
            await asyncio.sleep(0.01)
        await self._write_results()

    def _busy(self) -> bool:
        return bool(self._sending) or any(not lane.queue.empty() for lane in self._lanes.values())

    # --- recording ------------------------------------------------------------------------

    async def _recorder(self) -> None:
        # Group commit: while one write runs, results pile up for the next.
        while True:
            await self._results_ready.wait()
            self._results_ready.clear()
            try:
                await self._write_results()
            except Exception:
                log.exception("outbox: recording results failed; will retry")
                await asyncio.sleep(1)
                self._results_ready.set()

    async def _write_results(self) -> None:
        if not self._results:
            return
        batch, self._results = self._results, []
        now = utcnow()
        values = [self._values(row, delivery, now) for row, delivery in batch]
        try:
            async with self._sessions() as session, session.begin():
                await oq.record_results(session, values)
                announcements = {row.announcement_id for row, _ in batch if row.announcement_id}
                if announcements:
                    await oq.finish_announcements(session, announcements, now)
        except BaseException:
            self._results[:0] = batch  # keep them for the next try; nothing is lost
            raise
        if self._on_result is not None:
            for row, delivery in batch:
                try:
                    self._on_result(row.channel, delivery.status, delivery.reason)
                except Exception:  # the metrics must never stop the sender
                    log.exception("outbox: result hook failed")

    def _values(self, row: Claimed, delivery: Delivery, now: datetime) -> dict[str, Any]:
        status: str = delivery.status
        retry_at = now
        if status == "failed" and row.attempts + 1 < MAX_ATTEMPTS:
            status = "pending"  # try again later, backing off
            retry_at = now + timedelta(seconds=self.options.retry_base * 2 ** (row.attempts))
        return {
            "id": row.id,
            "status": status,
            "last_error": delivery.reason[:300] if delivery.reason else None,
            "sent_at": now if delivery.status == "sent" else None,
            "next_attempt_at": retry_at,
            "claimed_by": None,
            "platform_message_id": delivery.message_id,
        }

    # --- liveness -------------------------------------------------------------------------

    async def _beat(self) -> None:
        async with self._sessions() as session, session.begin():
            await oq.beat(session, self.owner)

    async def _count_peers(self) -> int:
        """Count the senders beating now and give each limiter this sender's share; only
        while sending (at most every PEER_REFRESH), so idle wards cost nothing."""
        self._peers_checked = asyncio.get_running_loop().time()
        try:
            async with self._sessions() as session:
                peers = await oq.count_senders(session, self._alive_since(utcnow()))
        except Exception:
            log.exception("outbox: counting senders failed; keeping the last share")
            return max((limiter.share for limiter in self._limiters.values()), default=1)
        for limiter in self._limiters.values():
            limiter.set_share(peers or 1)
        return peers or 1

    async def _heart(self) -> None:
        while True:
            await asyncio.sleep(self.options.dead_after / 4)
            try:
                await self._beat()
            except Exception:
                log.exception("outbox: heartbeat failed")

    async def pending_channels(self) -> dict[str, int]:
        """Rows still to send per channel (for `broadcast send` and the console)."""
        async with self._sessions() as session:
            return await oq.pending_by_channel(session, self.options.only_announcement)


async def _attempt(deliver: Deliverer, row: Claimed) -> Delivery:
    try:
        return await deliver(row.user_ref, reply_of(row))
    except Exception as exc:  # a bug in one delivery must not stop the rest
        log.exception("outbox: delivery %s raised", row.id)
        return Delivery("failed", type(exc).__name__)


async def _never(_user_ref: str, _reply: Reply) -> Delivery:
    return Delivery("undeliverable", "kênh này không nhận tin gửi sau")


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    tasks.clear()


def _drain(queue: asyncio.Queue[Claimed]) -> list[Claimed]:
    rows = []
    while not queue.empty():
        rows.append(queue.get_nowait())
    return rows
