"""Broadcasts against fake Telegram and Zalo servers that enforce rate limits and refuse
chosen recipients: every active subscriber gets the announcement exactly once, blocked
residents are marked, no limit is ever exceeded, and a 429 holds only its own channel."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sqlalchemy import select, update

from bot.channels import webchat
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo_bot import ZaloBotChannel
from bot.channels.zalo_oa import ZaloOAChannel
from bot.delivery import Delivery
from bot.outbox import OutboxSender, SenderOptions
from bot.ratelimit import ChannelLimiter, Limits
from bot.settings import Settings
from db import announcement_queries as aq
from db import queries
from db.models import Announcement, Outbox, User, utcnow
from db.oa_token_store import OATokenStore
from handlers.deps import Deps
from handlers.domain import announcements as service
from handlers.domain.types import Reply
from tests.fakes.limits import PlatformLimits
from tests.fakes.telegram_api import Failure, FakeTelegram, blocked, too_many_requests
from tests.fakes.zalo_api import (
    BOT_TOKEN,
    FakeZalo,
    oa_settings,
)

WARD = "Phường Đăk Bla"
TOPIC = "chuyen-doi-so"


@pytest.fixture
async def telegram_api() -> AsyncIterator[FakeTelegram]:
    server = await FakeTelegram(limits=PlatformLimits(rate=30, per_chat=1.0)).start()
    yield server
    await server.stop()


@pytest.fixture
async def zalo_api() -> AsyncIterator[FakeZalo]:
    server = await FakeZalo(
        bot_limits=PlatformLimits(rate=20), oa_limits=PlatformLimits(rate=20)
    ).start()
    yield server
    await server.stop()


def settings_for(telegram_api: FakeTelegram, zalo_api: FakeZalo) -> Settings:
    return Settings(
        telegram={"bot_token": telegram_api.token, "api_url": telegram_api.url, "rate": 30},
        zalo_bot={"token": BOT_TOKEN, "api_url": zalo_api.url, "rate": 20},
        zalo_oa=oa_settings(zalo_api.url, rate=20),
    )


@contextlib.asynccontextmanager
async def sender_for(
    deps: Deps, settings: Settings, options: SenderOptions | None = None
) -> AsyncIterator[OutboxSender]:
    """A running sender with every channel, send-only, as `broadcast send` builds it."""
    sender = OutboxSender(deps.sessions, options or SenderOptions(retry_base=0.2, interval=0.2))
    async with aiohttp.ClientSession() as http:
        telegram = TelegramChannel(settings, deps, None)
        zalo_bot = ZaloBotChannel(settings, deps, None, http)
        assert settings.zalo_oa.app_id
        tokens = OATokenStore(deps.sessions, settings.zalo_oa.app_id)
        zalo_oa = ZaloOAChannel(settings, deps, None, http, tokens)
        await telegram.start()
        await zalo_bot.start()
        await zalo_oa.start()
        sender.register("telegram", telegram.deliver, 32, telegram.limiter)
        sender.register("zalo_bot", zalo_bot.deliver, 32, zalo_bot.limiter)
        sender.register("zalo_oa", zalo_oa.deliver, 32, zalo_oa.limiter)
        sender.register("web", webchat.deliver)
        await sender.start()
        try:
            yield sender
        finally:
            await sender.stop()
            await zalo_bot.stop()
            await telegram.stop()


async def residents(
    deps: Deps,
    channel: str,
    refs: list[str],
    topics: list[str] = [TOPIC],  # noqa: B006 - read only
    active: bool = True,
) -> None:
    async with deps.sessions() as session, session.begin():
        for ref in refs:
            user = await queries.get_or_create_user(session, channel, ref)
            await queries.subscribe(session, user.id, topics)
            if not active:
                await queries.set_active(session, channel, ref, False)


async def announce(deps: Deps, **fields: object) -> int:
    """Create, approve and queue an announcement as the console and scheduler would."""
    draft = service.Draft(**{"text": "Tối thứ Sáu có chương trình phát thanh.", **fields})
    if "topics" not in fields and not fields.get("emergency"):
        draft.topics = [TOPIC]
    async with deps.sessions() as session, session.begin():
        announcement = await service.create(session, draft, created_by="staff:chi")
        await service.approve(announcement, "staff:an", confirm_emergency=True)
        announcement_id = announcement.id
    queued = await service.Queuer(WARD).run_due(deps.sessions)
    assert announcement_id in queued
    return announcement_id


async def wait_done(deps: Deps, announcement_id: int, within: float = 30.0) -> aq.Stats:
    deadline = time.monotonic() + within
    while True:
        async with deps.sessions() as session:
            figures = await aq.stats(session, announcement_id)
        if figures.waiting == 0:
            return figures
        assert time.monotonic() < deadline, f"still waiting: {figures.by_status}"
        await asyncio.sleep(0.1)


def chats(delivered: list, method: str = "sendMessage") -> Counter[str]:
    return Counter(str(params["chat_id"]) for name, params in delivered if name == method)


async def test_every_active_subscriber_gets_it_once_and_no_limit_is_exceeded(
    deps: Deps, telegram_api: FakeTelegram, zalo_api: FakeZalo
) -> None:
    telegram_ids = [str(5000 + i) for i in range(45)]
    zalo_ids = [f"zb{i}" for i in range(25)]
    oa_ids = [f"oa{i}" for i in range(10)]
    await residents(deps, "telegram", telegram_ids)
    await residents(deps, "telegram", ["6001", "6002"], topics=["canh-bao-lua-dao"])
    await residents(deps, "telegram", ["6101", "6102", "6103"], active=False)
    await residents(deps, "zalo_bot", zalo_ids)
    await residents(deps, "zalo_oa", oa_ids)
    await residents(deps, "web", [f"visitor-{i:016d}" for i in range(3)])
    telegram_api.fail[("sendMessage", "5005")] = [blocked()]
    telegram_api.fail[("sendMessage", "5009")] = [too_many_requests(1)]
    telegram_api.fail[("sendMessage", "5012")] = [Failure(502, "Bad Gateway")]
    zalo_api.bot_fail[("sendMessage", "zb3")] = [
        (403, {"ok": False, "error_code": 403, "description": "Forbidden"})
    ]
    zalo_api.oa_fail["oa2"] = [{"error": -230, "message": "User has not interacted"}]

    announcement_id = await announce(deps)
    settings = settings_for(telegram_api, zalo_api)
    async with sender_for(deps, settings):
        figures = await wait_done(deps, announcement_id)

    received = chats(telegram_api.delivered)
    assert set(received) == set(telegram_ids) - {"5005"}
    assert set(received.values()) == {1}
    bot_received = chats(zalo_api.delivered)
    assert set(bot_received) == set(zalo_ids) - {"zb3"} and set(bot_received.values()) == {1}
    oa_received = Counter(
        body["recipient"]["user_id"] for name, body in zalo_api.delivered if name.startswith("oa")
    )
    assert set(oa_received) == set(oa_ids) - {"oa2"} and set(oa_received.values()) == {1}
    for limits in (telegram_api.limits, zalo_api.bot_limits, zalo_api.oa_limits):
        assert limits is not None and limits.violations == []
    assert figures.by_status == {
        "sent": 44 + 24 + 9,
        "blocked": 2,
        "undeliverable": 1,
        "awaiting_pickup": 3,
    }
    assert figures.by_channel["web"] == {"awaiting_pickup": 3}
    async with deps.sessions() as session:
        inactive = set(
            (await session.execute(select(User.external_id).where(User.active.is_(False))))
            .scalars()
            .all()
        )
        announcement = await aq.get(session, announcement_id)
    assert {"5005", "zb3"} <= inactive
    assert announcement is not None and announcement.status == "done"
    assert announcement.recipients == 45 + 25 + 10 + 3


async def test_a_429_holds_only_its_own_channel(
    sqlite_deps: Deps, telegram_api: FakeTelegram, zalo_api: FakeZalo
) -> None:
    deps = sqlite_deps
    await residents(deps, "telegram", [str(7000 + i) for i in range(10)])
    await residents(deps, "zalo_bot", [f"zb{i}" for i in range(30)])
    telegram_api.fail[("sendMessage", None)] = [too_many_requests(2)]  # the first send
    announcement_id = await announce(deps)
    async with sender_for(deps, settings_for(telegram_api, zalo_api)):
        await wait_done(deps, announcement_id)
    refused_at = next(
        i for i, (name, _params) in enumerate(telegram_api.calls) if name == "sendMessage"
    )
    assert refused_at is not None
    telegram_times = telegram_api.limits.times  # type: ignore[union-attr]
    zalo_times = zalo_api.bot_limits.times  # type: ignore[union-attr]
    assert len(telegram_times) == 10 and len(zalo_times) == 30
    # Telegram waited its two seconds; Zalo went on meanwhile (30 at 20/s takes ~1.5 s).
    first_telegram = min(telegram_times)
    assert sum(t < first_telegram for t in zalo_times) >= 25
    assert first_telegram - min(zalo_times) >= 1.5


async def test_a_picture_and_a_long_text_keep_a_second_between_messages_to_a_chat(
    sqlite_deps: Deps, telegram_api: FakeTelegram, zalo_api: FakeZalo
) -> None:
    deps = sqlite_deps
    await residents(deps, "telegram", ["8001", "8002", "8003"])
    long_text = "Lịch học Bình dân học vụ số tại nhà văn hóa tổ dân phố. " * 25
    announcement_id = await announce(
        deps, text=long_text, image_url="https://dakbla.example.vn/lich.jpg"
    )
    async with sender_for(deps, settings_for(telegram_api, zalo_api)):
        await wait_done(deps, announcement_id)
    assert chats(telegram_api.delivered, "sendPhoto") == Counter({"8001": 1, "8002": 1, "8003": 1})
    assert chats(telegram_api.delivered) == Counter({"8001": 1, "8002": 1, "8003": 1})
    assert telegram_api.limits is not None and telegram_api.limits.violations == []


async def test_two_senders_share_one_broadcast_without_sending_twice(
    deps: Deps, telegram_api: FakeTelegram, zalo_api: FakeZalo
) -> None:
    refs = [str(9000 + i) for i in range(120)]
    await residents(deps, "telegram", refs)
    announcement_id = await announce(deps)
    # Both are set to the platform's whole rate: they split it between them, learning of
    # each other from their heartbeats.
    settings = settings_for(telegram_api, zalo_api)  # Telegram: 30 a second
    options = SenderOptions(batch=7, interval=0.1, retry_base=0.2)
    async with (
        sender_for(deps, settings, options) as first,
        sender_for(deps, settings, options) as second,
    ):
        await wait_done(deps, announcement_id)
        shares = {first._limiters["telegram"].share, second._limiters["telegram"].share}
    received = chats(telegram_api.delivered)
    assert set(received) == set(refs) and set(received.values()) == {1}
    assert telegram_api.limits is not None and telegram_api.limits.violations == []
    assert shares == {2}  # each kept to half


async def test_senders_keep_sharing_a_broadcast_to_its_end(deps: Deps) -> None:
    """A sender claims about two seconds of its own share at a time: one that started first
    must not hold the whole broadcast while the other idles (it claimed 200 rows at once and
    sent them at half the rate)."""
    refs = [str(7000 + i) for i in range(80)]
    await residents(deps, "telegram", refs)
    announcement_id = await announce(deps)
    sent_by: dict[str, list[str]] = {"first": [], "second": []}

    def sender(name: str) -> OutboxSender:
        outbox = OutboxSender(deps.sessions, SenderOptions(interval=0.1, retry_base=0.2))
        limiter = ChannelLimiter(Limits(rate=20))  # the account's rate, split between them

        async def deliver(ref: str, _reply: Reply) -> Delivery:
            async with limiter.slot(ref):
                sent_by[name].append(ref)
                return Delivery("sent")

        outbox.register("telegram", deliver, 32, limiter)
        return outbox

    first, second = sender("first"), sender("second")
    await first.start()
    await second.start()
    try:
        await wait_done(deps, announcement_id)
    finally:
        await second.stop()
        await first.stop()
    assert sorted(sent_by["first"] + sent_by["second"]) == sorted(refs)  # each exactly once
    assert len(sent_by["first"]) >= 20 and len(sent_by["second"]) >= 20, {
        name: len(refs) for name, refs in sent_by.items()
    }


async def test_emergency_reaches_every_active_resident_and_areas_narrow_the_audience(
    deps: Deps,
) -> None:
    await residents(deps, "web", ["visitor-000000000000000a"], topics=[])
    await residents(deps, "web", ["visitor-000000000000000b"], topics=["canh-bao-lua-dao"])
    await residents(deps, "web", ["visitor-000000000000000c"], topics=[], active=False)
    async with deps.sessions() as session, session.begin():
        user = await queries.get_or_create_user(session, "web", "visitor-000000000000000d")
        await queries.subscribe(session, user.id, [TOPIC])
        await queries.set_area(session, user.id, "Tổ dân phố số 3", "3")
        other = await queries.get_or_create_user(session, "web", "visitor-000000000000000e")
        await queries.subscribe(session, other.id, [TOPIC])
    emergency = await announce(deps, text="Bão số 9 vào đêm nay.", emergency=True)
    area_only = await announce(deps, areas=["TDP 3"])
    async with deps.sessions() as session:
        everyone = await session.execute(
            select(Outbox.user_ref).where(Outbox.announcement_id == emergency)
        )
        in_area = await session.execute(
            select(Outbox.user_ref).where(Outbox.announcement_id == area_only)
        )
        assert sorted(everyone.scalars()) == [
            "visitor-000000000000000a",
            "visitor-000000000000000b",
            "visitor-000000000000000d",
            "visitor-000000000000000e",
        ]
        assert list(in_area.scalars()) == ["visitor-000000000000000d"]


async def test_queueing_twice_adds_nobody_twice(deps: Deps) -> None:
    await residents(deps, "web", [f"visitor-{i:016d}" for i in range(5)])
    announcement_id = await announce(deps)
    queuer = service.Queuer(WARD)
    async with deps.sessions() as session, session.begin():
        announcement = await aq.get(session, announcement_id)
        assert announcement is not None
        assert await queuer.queue(session, announcement) == 5


async def test_recurring_announcements_run_on_their_days_and_survive_restarts(
    deps: Deps,
) -> None:
    await residents(deps, "web", [f"visitor-{i:016d}" for i in range(2)])
    first = utcnow().replace(microsecond=0)
    async with deps.sessions() as session, session.begin():
        series = await service.create(
            session,
            service.Draft(
                text="Mời nghe chương trình phát thanh chuyển đổi số.",
                topics=[TOPIC],
                send_at=first,
                recurrence="biweekly",
            ),
            created_by="cli",
        )
        await service.approve(series, "cli")
        series_id = series.id
        assert series.next_run_at is not None
    # A fresh queuer (as after a restart) finds the due run in the database; two at once
    # (two processes) queue it once.
    results = await asyncio.gather(
        service.Queuer(WARD).run_due(deps.sessions), service.Queuer(WARD).run_due(deps.sessions)
    )
    runs = [i for result in results for i in result]
    assert len(runs) == 1
    async with deps.sessions() as session:
        run = await aq.get(session, runs[0])
        again = await aq.get(session, series_id)
        assert run is not None and again is not None
        assert run.series_id == series_id and run.recipients == 2
        assert again.status == "approved"
        assert again.next_run_at is not None
        assert abs((again.next_run_at - first).total_seconds() - 14 * 86400) < 1
    # A run missed by more than a few hours (server down) is skipped, not sent late.
    async with deps.sessions() as session, session.begin():
        await session.execute(
            update(Announcement)
            .where(Announcement.id == series_id)
            .values(next_run_at=first - service.MAX_LATE * 2)
        )
    assert await service.Queuer(WARD).run_due(deps.sessions) == []


def test_every_second_friday_at_five_pm_in_vietnam() -> None:
    from datetime import UTC, datetime

    from handlers.domain import recurrence

    friday = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # 17:00 in Hanoi
    following = recurrence.next_after("FREQ=WEEKLY;INTERVAL=2", friday, friday)
    assert following == datetime(2026, 12, 18, 10, 0, tzinfo=UTC)
    assert recurrence.first_at_or_after(
        recurrence.parse("biweekly"), friday, datetime(2026, 12, 10, tzinfo=UTC)
    ) == datetime(2026, 12, 18, 10, 0, tzinfo=UTC)
    with pytest.raises(recurrence.RecurrenceError):
        recurrence.parse("every now and then")


async def test_the_workflow_refuses_what_staff_must_fix(deps: Deps) -> None:
    async with deps.sessions() as session, session.begin():
        with pytest.raises(service.AnnouncementError, match="chủ đề"):
            await service.create(session, service.Draft(text="Tin"), "cli")
        with pytest.raises(service.AnnouncementError, match="trống"):
            await service.create(session, service.Draft(text="  ", topics=[TOPIC]), "cli")
        with pytest.raises(service.AnnouncementError, match="https"):
            await service.create(
                session, service.Draft(text="Tin", topics=[TOPIC], image_url="ftp://x"), "cli"
            )
        urgent = await service.create(
            session, service.Draft(text="Bão", emergency=True), "staff:chi"
        )
        with pytest.raises(service.AnnouncementError, match="xác nhận"):
            await service.approve(urgent, "staff:an")
        await service.approve(urgent, "staff:an", confirm_emergency=True)
        assert urgent.status == "approved"
        with pytest.raises(service.AnnouncementError):
            await service.edit(session, urgent, service.Draft(text="Sửa", emergency=True))


def test_the_ways_residents_write_their_area_meet_in_one_key() -> None:
    from content.areas import area_key

    same = ["Tổ dân phố 3", "tdp 3", "TDP3", "to 03", "Tổ dân phố số 3, phường Đăk Bla", "Tổ 3"]
    assert {area_key(text) for text in same} == {"3"}
    assert area_key("thôn Tân Hòa") == area_key("Thon tan hoa") == "tan hoa"
    assert area_key("Toàn Thắng") == "toan thang"  # "to" inside a word is not "tổ"
    assert area_key("Tổ 10") != area_key("Tổ 1")
