"""Several senders of one account split its rate: each keeps to its share."""

from __future__ import annotations

from bot.ratelimit import ChannelLimiter, Limits


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def sends_in_one_second(limiter: ChannelLimiter, clock: FakeClock) -> int:
    """How many sends the limiter lets out before the clock passes one second."""
    sent = 0
    while True:
        wait = limiter._window_wait()
        if wait > 0:
            clock.now += wait
        if clock.now >= 1.0:
            return sent
        send = await limiter.acquire()
        limiter.done(send)
        sent += 1


async def test_the_rate_is_split_between_running_senders() -> None:
    for senders, expected in ((1, 30), (2, 15), (3, 10), (4, 7), (40, 1)):
        clock = FakeClock()
        limiter = ChannelLimiter(Limits(30, margin=0.0), clock=clock)
        limiter.set_share(senders)
        assert limiter.rate == expected
        assert expected - 1 <= await sends_in_one_second(limiter, clock) <= expected
        assert senders * limiter.rate <= 30 or expected == 1  # together within the limit


async def test_an_unlimited_channel_stays_unlimited() -> None:
    limiter = ChannelLimiter(Limits(None))
    limiter.set_share(5)
    assert limiter.rate is None
