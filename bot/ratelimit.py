"""Per-channel sending limits: a sliding-window cap on the whole channel, a minimum spacing
per chat, and a pause when the platform answers 429 with a retry time. Several sender
processes of one account split its rate evenly (`set_share`, fed by the outbox's heartbeats).

A sliding window and not a token bucket (aiolimiter): a bucket of 30 lets 30 through at
once and then 30 more within the same second, which a platform counting "30 per second"
sees as 60. Here no window of `period` seconds ever holds more than `rate` sends, and sends
are also paced evenly (one every period/rate): a burst would leave on time but arrive
bunched (new connections, a busy event loop), and the platform counts arrivals.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

Clock = Callable[[], float]
# Pacing may run this far ahead of schedule: sleeping once per message would cost more than
# the millisecond between messages at high rates, and 20 ms of sends arrive unbunched.
PACE_SLACK = 0.02


@dataclass(frozen=True)
class Limits:
    """A channel's limits: `rate` sends per `period` seconds overall (None: unlimited), at
    least `per_chat` seconds between two sends to one chat, `margin` seconds of safety added
    to the window."""

    rate: int | None
    per_chat: float = 0.0
    period: float = 1.0
    margin: float = 0.01


class Send:
    """One send in the window. Its time is first the departure, then the moment the answer
    came back: the platform counted it somewhere in between, so counting from the answer
    keeps the next sends clear of the limit however late the request travelled (a busy
    event loop can hold a request back by tens of milliseconds)."""

    __slots__ = ("at", "chat")

    def __init__(self, at: float, chat: str | None) -> None:
        self.at, self.chat = at, chat


class ChannelLimiter:
    """`async with limiter.slot(chat):` around each platform call keeps it inside every
    limit."""

    def __init__(self, limits: Limits, clock: Clock = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._sent: deque[Send] = deque()  # sends inside the current window
        self._chat_next: dict[str, float] = {}  # chat -> earliest next departure
        self._paused_until = 0.0
        self._next_departure = 0.0  # even pacing: one send every period/rate seconds
        self._lock = asyncio.Lock()  # waiters take turns, in arrival order
        self.share = 1  # senders of this account running now (they split the rate)

    @property
    def rate(self) -> int | None:
        """Sends per period this process may make: its share of the account's limit."""
        if self.limits.rate is None:
            return None
        return max(1, self.limits.rate // self.share)

    def set_share(self, senders: int) -> None:
        """`senders` processes send through this account now; each keeps to its part."""
        self.share = max(1, senders)

    def pause(self, seconds: float) -> None:
        """The platform asked us to wait: hold every send on this channel."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    @contextlib.asynccontextmanager
    async def slot(self, chat: str | None = None) -> AsyncIterator[None]:
        send = await self.acquire(chat)
        try:
            yield
        finally:
            self.done(send)

    def done(self, send: Send) -> None:
        """The call came back: count the send from now."""
        send.at = now = self._clock()
        if send.chat is not None and self.limits.per_chat > 0:
            self._chat_next[send.chat] = max(
                self._chat_next.get(send.chat, 0.0), now + self.limits.per_chat
            )

    async def acquire(self, chat: str | None = None) -> Send:
        spaced = chat is not None and self.limits.per_chat > 0
        while True:
            # Waiting for one chat's spacing happens outside the lock: it holds up nobody else.
            if spaced and (wait := self._chat_next.get(chat, 0.0) - self._clock()) > 0:
                await asyncio.sleep(wait)
                continue
            async with self._lock:
                if spaced and self._chat_next.get(chat, 0.0) > self._clock():
                    continue  # another send to this chat went first
                while (wait := self._window_wait()) > 0:  # noqa: ASYNC110 - a deadline, not an event
                    await asyncio.sleep(wait)
                now = self._clock()
                send = Send(now, chat if spaced else None)
                if (rate := self.rate) is not None:
                    self._sent.append(send)
                    pace = self.limits.period / rate
                    self._next_departure = max(now, self._next_departure) + pace
                if spaced:
                    assert chat is not None
                    self._chat_next[chat] = now + self.limits.per_chat
                    if len(self._chat_next) > 4096:
                        self._forget_old_chats(now)
                return send

    def _window_wait(self) -> float:
        now = self._clock()
        wait = max(self._paused_until - now, self._next_departure - PACE_SLACK - now)
        rate = self.rate
        if rate is not None:
            window = self.limits.period + self.limits.margin
            while self._sent and self._sent[0].at <= now - window:
                self._sent.popleft()
            if len(self._sent) >= rate:
                wait = max(wait, self._sent[0].at + window - now)
        return wait

    def _forget_old_chats(self, now: float) -> None:
        # Keeps memory bounded in a long broadcast: a chat whose spacing has passed is free.
        self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
