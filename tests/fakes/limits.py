"""Rate limits as a platform enforces them, for the fake servers: at most `rate` accepted
messages in any `period`-second window, and (optionally) `per_chat` seconds between two
messages to one chat. A message over a limit is refused (the fake answers 429) and noted as a
violation, so tests can assert the sender never went over."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field


@dataclass
class PlatformLimits:
    rate: int | None = None
    period: float = 1.0
    per_chat: float | None = None
    violations: list[str] = field(default_factory=list)
    accepted: int = 0
    times: list[float] = field(default_factory=list)  # when each accepted message arrived
    _window: deque[float] = field(default_factory=deque)
    _last: dict[str, float] = field(default_factory=dict)

    def admit(self, chat: str | None) -> bool:
        """True if a message to `chat` arriving now is within the limits (and count it)."""
        now = time.monotonic()
        if self.rate is not None:
            while self._window and self._window[0] <= now - self.period:
                self._window.popleft()
            if len(self._window) >= self.rate:
                self.violations.append(f"{len(self._window) + 1} messages within {self.period}s")
                return False
        if self.per_chat is not None and chat is not None:
            last = self._last.get(chat)
            if last is not None and now - last < self.per_chat:
                self.violations.append(f"chat {chat}: {now - last:.3f}s after the previous one")
                return False
            self._last[chat] = now
        if self.rate is not None:
            self._window.append(now)
        self.accepted += 1
        self.times.append(now)
        return True
