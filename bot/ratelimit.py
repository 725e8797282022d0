"""Per-channel sending limits: a sliding-window cap on the whole channel, a minimum spacing
per chat, and a pause when the platform answers 429 with a retry time.

A sliding window and not a token bucket (aiolimiter): a bucket of 30 lets 30 through at
once and then 30 more within the same second, which a platform counting "30 per second"
sees as 60. Here no window of `period` seconds ever holds more than `rate` sends, and sends
are also paced evenly (one every period/rate): a burst would leave on time but arrive
bunched (new connections, a busy event loop), and the platform counts arrivals.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True)
class Limits:
    """A channel's limits: `rate` sends per `period` seconds overall (None: unlimited), at
    least `per_chat` seconds between two sends to one chat, `margin` seconds of safety added
    to the window (the platform counts arrivals, we count departures)."""

    rate: int | None
    per_chat: float = 0.0
    period: float = 1.0
    margin: float = 0.02


class ChannelLimiter:
    """`await acquire(chat)` returns when one more send to `chat` stays inside every limit."""

    def __init__(self, limits: Limits, clock: Clock = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._sent: deque[float] = deque()  # departure times inside the current window
        self._chat_next: dict[str, float] = {}  # chat -> earliest next departure
        self._paused_until = 0.0
        self._next_departure = 0.0  # even pacing: one send every period/rate seconds
        self._lock = asyncio.Lock()  # waiters take turns, in arrival order

    @property
    def paused_for(self) -> float:
        """Seconds left of a 429 pause (0 when not paused)."""
        return max(0.0, self._paused_until - self._clock())

    def pause(self, seconds: float) -> None:
        """The platform asked us to wait: hold every send on this channel."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    async def acquire(self, chat: str | None = None) -> None:
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
                if self.limits.rate is not None:
                    self._sent.append(now)
                    pace = self.limits.period / self.limits.rate
                    self._next_departure = max(now, self._next_departure) + pace
                if spaced:
                    assert chat is not None
                    self._chat_next[chat] = now + self.limits.per_chat
                    if len(self._chat_next) > 4096:
                        self._forget_old_chats(now)
                return

    def _window_wait(self) -> float:
        now = self._clock()
        wait = max(self._paused_until, self._next_departure) - now
        rate = self.limits.rate
        if rate is not None:
            window = self.limits.period + self.limits.margin
            while self._sent and self._sent[0] <= now - window:
                self._sent.popleft()
            if len(self._sent) >= rate:
                wait = max(wait, self._sent[0] + window - now)
        return wait

    def _forget_old_chats(self, now: float) -> None:
        # Keeps memory bounded in a long broadcast: a chat whose spacing has passed is free.
        self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
