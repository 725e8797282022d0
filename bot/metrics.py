"""Prometheus metrics of one server: counters fed by hooks (handled messages, outbox results,
HTTP requests) and gauges read from the database when /metrics is scraped.

Each application has its own registry, so several apps in one process (tests) never collide.
Labels are low-cardinality by construction: channel and intent names, route templates, HTTP
status codes, a handful of error classes. Never a user id, a message or a URL.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import metrics_queries as mq
from db.models import utcnow
from db.outbox_queries import WAITING

log = logging.getLogger(__name__)

# Handling a message takes milliseconds (search) to a second or two (a slow database).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
SCRAPE_DB_TIMEOUT = 5.0  # seconds the database may take before the scrape reports it down
SEND_ERROR_REASONS = ("blocked", "window", "rate_limited", "network", "refused", "other")

# Outside the platform's reply window: Zalo OA's codes, Messenger's (code/subcode), or
# the adapter's own "window:" when it knew before asking.
_WINDOW = re.compile(r"^\s*(-230\b|-213\b|-320\b|-321\b|10/2018278\b|10/2534022\b|window:)")
_CODED = re.compile(r"^\s*-?\d+\s*:")  # "code: description" refusals of the Zalo APIs
_RATE = re.compile(r"\b429\b|too many requests|quota|rate.?limit|retry after", re.IGNORECASE)
_NETWORK = re.compile(
    r"network|timeout|timed ?out|connect|unreachable|nhiều lần thử|chưa kết nối|"
    r"^(ClientError|ClientOSError|ServerDisconnectedError|OSError)$",
    re.IGNORECASE,
)


def send_error_reason(status: str, reason: str | None) -> str:
    """The class of a delivery that did not go through, one of SEND_ERROR_REASONS: the raw
    reason (a platform's words, perhaps naming the resident) never becomes a label."""
    if status == "blocked":
        return "blocked"
    text = reason or ""
    if _WINDOW.match(text):
        return "window"
    if _RATE.search(text):
        return "rate_limited"
    if _NETWORK.search(text):
        return "network"
    if status == "undeliverable" or _CODED.match(text):
        return "refused"
    return "other"


@dataclass
class DatabaseSnapshot:
    """What the database said at the last scrape; `up` False when it did not answer."""

    up: bool
    outbox: dict[tuple[str, str], int] = field(default_factory=dict)  # (channel, status)
    feedback_overdue: int = 0
    questions_open: int = 0  # questions handed over to staff, not answered yet


class _DatabaseCollector(Collector):
    """Yields the gauges of the snapshots (one per ward) taken just before the exposition
    is rendered."""

    def __init__(self) -> None:
        self.snapshots: dict[str, DatabaseSnapshot] = {}

    def describe(self) -> Iterable[Metric]:
        return self._families({}, samples=False)

    def collect(self) -> Iterable[Metric]:
        if not self.snapshots:
            return []
        return self._families(self.snapshots, samples=True)

    @staticmethod
    def _families(snapshots: dict[str, DatabaseSnapshot], samples: bool) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "ward_up", "1 when the ward's database answered the last scrape.", labels=["ward"]
        )
        depth = GaugeMetricFamily(
            "ward_outbox_depth",
            "Outbox rows waiting to be sent, per channel and status.",
            labels=["ward", "channel", "status"],
        )
        overdue = GaugeMetricFamily(
            "ward_feedback_overdue",
            "Open feedback past its expected answer date.",
            labels=["ward"],
        )
        questions = GaugeMetricFamily(
            "ward_questions_open",
            "Questions residents handed over to staff, waiting for an answer.",
            labels=["ward"],
        )
        for ward, snapshot in sorted(snapshots.items()):
            up.add_metric([ward], 1 if snapshot.up else 0)
            if not snapshot.up:
                continue  # no figures rather than wrong ones
            for (channel, status), count in sorted(snapshot.outbox.items()):
                depth.add_metric([ward, channel, status], count)
            overdue.add_metric([ward], snapshot.feedback_overdue)
            questions.add_metric([ward], snapshot.questions_open)
        yield up
        # A scrape leaves out the figures of a database that did not answer; describe() names
        # every family.
        if depth.samples or not samples:
            yield depth
        if overdue.samples or not samples:
            yield overdue
        if questions.samples or not samples:
            yield questions


class Metrics:
    """The metrics of one server process (every ward it serves, by the `ward` label), in
    their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.messages = Counter(
            "ward_messages",
            "Messages handled, per channel and intent.",
            ["ward", "channel", "intent"],
            registry=r,
        )
        self.message_seconds = Histogram(
            "ward_message_seconds",
            "Time to handle one message (search, state, interaction log), in seconds.",
            ["ward"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.unanswered = Counter(
            "ward_unanswered",
            "Questions the catalogue could not answer.",
            ["ward", "channel"],
            registry=r,
        )
        self.send_errors = Counter(
            "ward_send_errors",
            "Outbox deliveries that failed, were blocked or are undeliverable, per class.",
            ["ward", "channel", "reason"],
            registry=r,
        )
        self.http_requests = Counter(
            "ward_http_requests", "HTTP requests served.", ["route", "status"], registry=r
        )
        self.http_seconds = Histogram(
            "ward_http_request_seconds",
            "Time to answer an HTTP request, in seconds.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self._database = _DatabaseCollector()
        r.register(self._database)

    # --- hooks ----------------------------------------------------------------------------

    def observe(
        self, ward: str, channel: str, intent: str, seconds: float, unanswered: bool
    ) -> None:
        """Deps.observe (with the ward bound): one handled message."""
        self.messages.labels(ward, channel, intent).inc()
        self.message_seconds.labels(ward).observe(seconds)
        if unanswered:
            self.unanswered.labels(ward, channel).inc()

    def on_result(self, ward: str, channel: str, status: str, reason: str | None) -> None:
        """OutboxSender's on_result (with the ward bound): count what did not go through."""
        if status in ("failed", "blocked", "undeliverable"):
            self.send_errors.labels(ward, channel, send_error_reason(status, reason)).inc()

    def http_request(self, route: str, status: int, seconds: float) -> None:
        self.http_requests.labels(route, str(status)).inc()
        self.http_seconds.labels(route).observe(seconds)

    # --- scrape ---------------------------------------------------------------------------

    async def scrape(self, wards: Iterable[WardSource]) -> bytes:
        """Read each ward's database gauges, then render every metric in the text format."""
        sources = list(wards)
        snapshots = await asyncio.gather(*(_snapshot(source) for source in sources))
        # No await from here to rendering: the exposition is consistent.
        self._database.snapshots = {
            s.ward: snap for s, snap in zip(sources, snapshots, strict=True)
        }
        return generate_latest(self.registry)


@dataclass(frozen=True)
class WardSource:
    """Where the gauges of one ward are read."""

    ward: str
    sessions: async_sessionmaker[AsyncSession]
    channels: tuple[str, ...] = ()


async def _snapshot(source: WardSource) -> DatabaseSnapshot:
    try:
        return await asyncio.wait_for(_read(source.sessions, source.channels), SCRAPE_DB_TIMEOUT)
    except Exception as exc:  # a scrape reports the database down, it does not fail
        log.warning("metrics: database of %s unavailable (%s)", source.ward, type(exc).__name__)
        return DatabaseSnapshot(up=False)


async def _read(
    sessions: async_sessionmaker[AsyncSession], channels: Iterable[str]
) -> DatabaseSnapshot:
    snapshot = DatabaseSnapshot(up=True)
    for channel in channels:  # known channels show 0 rather than disappearing
        for status in WAITING:
            snapshot.outbox[(channel, status)] = 0
    async with sessions() as session:
        snapshot.outbox.update(await mq.outbox_depth(session))
        snapshot.feedback_overdue = await mq.count_overdue_feedback(session, utcnow())
        snapshot.questions_open = await mq.count_open_questions(session)
    return snapshot
