"""Facebook Messenger end to end: our app against a fake Graph API that speaks the real JSON
shapes and enforces the documented limits (tests/fakes/messenger_api.py)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select, update

from bot.app import create_app
from bot.channels.messenger import MessengerChannel
from bot.channels.telegram import TelegramChannel
from bot.keys import DEPS, INBOX, MESSENGER, TELEGRAM
from bot.outbox import OutboxSender, SenderOptions
from bot.settings import Settings
from db import feedback_queries as fq
from db.models import VIETNAM, ChannelEvent, Outbox, User, utcnow
from handlers.deps import Deps
from handlers.domain.types import Button, Reply
from tests.fakes.messenger_api import (
    APP_SECRET,
    PAGE_TOKEN,
    VERIFY_TOKEN,
    FakeGraph,
    batch,
    delivery_event,
    echo_event,
    image_event,
    location_event,
    messenger_settings,
    postback_event,
    quick_reply_event,
    read_event,
    referral_event,
    signed,
    text_event,
)
from tests.fakes.telegram_api import FakeTelegram
from tests.test_broadcast import announce, residents, wait_done


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    server = await FakeGraph().start()
    yield server
    await server.stop()


def settings_for(graph: FakeGraph, tmp_path: Path, **more: object) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path}/fb.sqlite3",
        messenger=messenger_settings(graph.url, **more),
        public_url="https://ward.example.vn",
    )


@pytest.fixture
async def client(graph: FakeGraph, tmp_path: Path) -> AsyncIterator[TestClient]:
    app = create_app(settings_for(graph, tmp_path))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def post(
    client: TestClient, graph: FakeGraph, body: dict, secret: str = APP_SECRET
) -> aiohttp.ClientResponse:
    """Deliver a signed batch as Meta does and wait until the inbox has handled it."""
    for entry in body["entry"]:
        for event in entry["messaging"]:
            if "is_echo" not in event.get("message", {}):
                graph.heard[event["sender"]["id"]] = event["timestamp"]
    raw, headers = signed(body, secret)
    response = await client.post("/webhooks/messenger", data=raw, headers=headers)
    await client.app[INBOX].idle()
    return response


async def count(client: TestClient, model: type) -> int:
    async with client.app[DEPS].sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


# --- the webhook ----------------------------------------------------------------------------


async def test_the_handshake_returns_the_challenge_only_for_our_token(client: TestClient) -> None:
    right = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "15290"}
    response = await client.get("/webhooks/messenger", params=right)
    assert response.status == 200 and await response.text() == "15290"
    wrong = {**right, "hub.verify_token": "guess"}
    assert (await client.get("/webhooks/messenger", params=wrong)).status == 403
    unsubscribe = {**right, "hub.mode": "unsubscribe"}
    assert (await client.get("/webhooks/messenger", params=unsubscribe)).status == 403
    assert (await client.get("/webhooks/messenger")).status == 403


async def test_forged_or_missing_signatures_get_403_and_nothing_is_stored(
    client: TestClient, graph: FakeGraph
) -> None:
    body = batch(text_event("p1", "lam cccd o dau", "m_1"))
    forged = await post(client, graph, body, secret="not-the-app-secret")
    assert forged.status == 403
    raw, _ = signed(body)
    missing = await client.post("/webhooks/messenger", data=raw)
    assert missing.status == 403
    sha1_only = await client.post(
        "/webhooks/messenger", data=raw, headers={"X-Hub-Signature": "sha1=00"}
    )
    assert sha1_only.status == 403
    assert await count(client, ChannelEvent) == 0
    assert graph.called("message") == []


async def test_a_signed_question_is_answered_about_can_cuoc_with_typing_first(
    client: TestClient, graph: FakeGraph
) -> None:
    response = await post(client, graph, batch(text_event("p2", "lam cccd o dau", "m_2")))
    assert response.status == 200 and await response.text() == "EVENT_RECEIVED"
    sent = graph.called("message")
    assert sent and all(m["messaging_type"] == "RESPONSE" for m in sent)
    assert "CĂN CƯỚC" in sent[0]["message"]["text"].upper()
    assert all(len(m["message"].get("text", "")) < 2000 for m in sent)
    order = [name for name, _ in graph.calls if not name.startswith("profile")]
    assert order[0] == "sender_action"  # typing_on, then the answer
    assert graph.called("sender_action")[0]["sender_action"] == "typing_on"


async def test_a_batch_of_several_people_and_entries_is_answered_and_the_rest_ignored(
    client: TestClient, graph: FakeGraph
) -> None:
    body = batch(
        text_event("p3", "xin chao", "m_3"),
        text_event("p4", "le phi khai sinh", "m_4"),
        echo_event("p3", "Xin chào", "m_echo"),
        delivery_event("p4"),
        read_event("p4"),
        text_event("p5", "gio lam viec", "m_5"),
        entries=2,
    )
    assert (await post(client, graph, body)).status == 200
    answered = {m["recipient"]["id"] for m in graph.delivered}
    assert answered == {"p3", "p4", "p5"}
    assert await count(client, ChannelEvent) == 3  # echo, delivery and read not stored


async def test_a_replayed_event_is_answered_once(client: TestClient, graph: FakeGraph) -> None:
    body = batch(text_event("p6", "khai sinh", "m_6"))
    await post(client, graph, body)
    first = len(graph.delivered)
    await post(client, graph, body)
    await post(client, graph, batch(text_event("p6", "khai sinh", "m_6"), entries=1))
    assert first >= 1 and len(graph.delivered) == first


async def test_malformed_and_foreign_bodies_are_refused(client: TestClient) -> None:
    raw = b"{not json"
    _, headers = signed({})
    import hashlib
    import hmac

    headers["X-Hub-Signature-256"] = (
        "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    )
    assert (await client.post("/webhooks/messenger", data=raw, headers=headers)).status == 400
    raw, headers = signed({"object": "instagram", "entry": []})
    assert (await client.post("/webhooks/messenger", data=raw, headers=headers)).status == 404


# --- choices, cards, pictures ----------------------------------------------------------------


async def test_choices_are_quick_replies_within_their_limits_and_a_tap_chooses(
    client: TestClient, graph: FakeGraph
) -> None:
    await post(client, graph, batch(postback_event("p7", "GET_STARTED", "pb_1")))
    menu = graph.delivered[-1]["message"]
    quick = menu["quick_replies"]
    assert 0 < len(quick) <= 13 and all(len(q["title"]) <= 20 for q in quick)
    if any(q["title"].isdigit() for q in quick):  # long titles: numbered in the text
        assert "Gõ số để chọn" in menu["text"]
    before = len(graph.delivered)
    first = quick[0]
    await post(
        client, graph, batch(quick_reply_event("p7", first["title"], first["payload"], "m_7"))
    )
    assert len(graph.delivered) > before


async def test_long_titles_are_numbered_and_tapped_by_number(
    client: TestClient, graph: FakeGraph
) -> None:
    graph.heard["p8"] = int(time.time() * 1000)
    channel: MessengerChannel = client.app[MESSENGER]
    buttons = (
        Button("Đăng ký khai sinh cho con mới sinh", "open:dang-ky-khai-sinh"),
        Button("Menu", "menu"),
    )
    delivery = await channel.deliver("p8", Reply("Bạn hỏi mục nào?", buttons), answering=True)
    assert delivery.status == "sent"
    message = graph.delivered[-1]["message"]
    assert "1. Đăng ký khai sinh cho con mới sinh" in message["text"]
    assert [q["title"] for q in message["quick_replies"]] == ["1", "2"]
    assert message["quick_replies"][0]["payload"] == "open:dang-ky-khai-sinh"


async def test_a_long_card_is_split_at_paragraphs_under_2000_characters(
    client: TestClient, graph: FakeGraph
) -> None:
    graph.heard["p9"] = int(time.time() * 1000)
    channel: MessengerChannel = client.app[MESSENGER]
    paragraphs = [f"Đoạn {i}: " + "thủ tục hành chính " * 20 for i in range(12)]
    text = "\n\n".join(paragraphs)
    delivery = await channel.deliver("p9", Reply(text, (Button("Menu", "menu"),)), answering=True)
    assert delivery.status == "sent"
    parts = graph.texts("p9")
    assert len(parts) >= 2 and all(len(p) < 2000 for p in parts)
    assert " ".join(parts).split() == text.split()  # every word, in order
    assert "quick_replies" in graph.delivered[-1]["message"]  # buttons on the last part only
    assert all("quick_replies" not in m["message"] for m in graph.delivered[:-1])


async def test_a_picture_goes_by_url_and_a_photo_is_received(
    client: TestClient, graph: FakeGraph
) -> None:
    graph.heard["p10"] = int(time.time() * 1000)
    channel: MessengerChannel = client.app[MESSENGER]
    url = "https://ward.example.vn/chung-nhan/abc.png"
    await channel.deliver("p10", Reply("Giấy chứng nhận của bạn:", image_url=url), answering=True)
    pictures = [m for m in graph.delivered if "attachment" in m["message"]]
    assert pictures[0]["message"]["attachment"]["payload"]["url"] == url
    assert "text" not in pictures[0]["message"]  # text and picture are separate messages
    event = image_event("p10", "https://scontent.test/photo.jpg", "m_10")
    assert (await post(client, graph, batch(event))).status == 200
    assert graph.texts("p10")[-1]  # a kind answer to a photo out of the blue


async def test_a_feedback_takes_a_photo_and_a_place_from_the_map(
    client: TestClient, graph: FakeGraph
) -> None:
    async def tap(starting: str, mid: str) -> None:
        message = graph.delivered[-1]["message"]
        lines = message.get("text", "").splitlines()
        for quick in message["quick_replies"]:
            title = quick["title"]
            if title.startswith(starting) or any(
                line.startswith(f"{title}. {starting}") for line in lines
            ):
                event = quick_reply_event("p20", title, quick["payload"], mid)
                await post(client, graph, batch(event))
                return
        raise AssertionError(f"no choice {starting!r} in {message}")

    await post(client, graph, batch(text_event("p20", "gui phan anh", "m_20a")))
    await tap("Môi trường", "m_20b")
    await post(
        client, graph, batch(text_event("p20", "Rác đổ bừa bãi, bốc mùi cả tuần nay", "m_20c"))
    )
    await post(client, graph, batch(image_event("p20", "https://scontent.test/rac.jpg", "m_20d")))
    assert "Đã nhận ảnh" in graph.texts("p20")[-1]
    await post(client, graph, batch(location_event("p20", 14.35, 107.98, "m_20e")))
    assert "Đã nhận vị trí" in graph.texts("p20")[-1]
    async with client.app[DEPS].sessions() as session:
        from db.models import ConversationState

        state = (await session.execute(select(ConversationState))).scalar_one()
    draft = state.data["fb"]
    assert draft["media_url"] == "https://scontent.test/rac.jpg"
    assert draft["area"].endswith("maps?q=14.350000,107.980000")


async def test_an_m_me_link_ref_opens_its_entry(client: TestClient, graph: FakeGraph) -> None:
    await post(client, graph, batch(referral_event("p11", "dang-ky-khai-sinh")))
    assert graph.texts("p11")[0].startswith("ĐĂNG KÝ KHAI SINH")
    await post(client, graph, batch(postback_event("p12", "GET_STARTED", "pb_2", ref="poster")))
    assert graph.texts("p12")  # an unknown ref greets


# --- refusals --------------------------------------------------------------------------------


async def test_a_person_who_blocked_the_page_is_marked_inactive(
    client: TestClient, graph: FakeGraph
) -> None:
    graph.blocked.add("p13")
    await post(client, graph, batch(text_event("p13", "khai sinh", "m_13")))
    async with client.app[DEPS].sessions() as session:
        user = await session.scalar(select(User).where(User.external_id == "p13"))
    assert user is not None and user.active is False


async def test_the_window_error_is_undeliverable_and_not_retried(
    client: TestClient, graph: FakeGraph
) -> None:
    graph.heard["p14"] = int(time.time() * 1000)
    graph.fail["p14"] = [(10, 2018278)]
    channel: MessengerChannel = client.app[MESSENGER]
    delivery = await channel.deliver("p14", Reply("Trả lời"), answering=True)
    assert delivery.status == "undeliverable" and delivery.reason
    assert delivery.reason.startswith("10/2018278")
    assert len(graph.called("message")) == 1


async def test_an_expired_token_is_logged_at_error_without_the_token(
    graph: FakeGraph, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = settings_for(graph, tmp_path, page_access_token="EAAG-expired-token-xyz")
    app = create_app(settings)
    async with TestClient(TestServer(app)) as client:
        graph.heard["p15"] = int(time.time() * 1000)
        with caplog.at_level(logging.ERROR):
            delivery = await client.app[MESSENGER].deliver("p15", Reply("x"), answering=True)
    assert delivery.status == "failed"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("190" in r.getMessage() for r in errors)
    assert "EAAG-expired-token-xyz" not in caplog.text


async def test_a_rate_limit_pauses_messenger_only(graph: FakeGraph, tmp_path: Path) -> None:
    telegram_api = await FakeTelegram().start()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/both.sqlite3",
        messenger=messenger_settings(graph.url),
        telegram={"bot_token": telegram_api.token, "api_url": telegram_api.url},
    )
    graph.heard["p16"] = int(time.time() * 1000)
    graph.fail["p16"] = [(613, 2534040)]
    try:
        async with TestClient(TestServer(create_app(settings))) as client:
            messenger: MessengerChannel = client.app[MESSENGER]
            telegram: TelegramChannel = client.app[TELEGRAM]
            await asyncio.wait_for(telegram.ready.wait(), 10)
            started = time.monotonic()
            finished: dict[str, float] = {}

            async def send(name: str, channel: object, ref: str) -> None:
                delivery = await channel.deliver(ref, Reply("Xin chào"), answering=True)  # type: ignore[attr-defined]
                assert delivery.status == "sent"
                finished[name] = time.monotonic() - started

            await asyncio.gather(
                send("messenger", messenger, "p16"), send("telegram", telegram, "777")
            )
    finally:
        await telegram_api.stop()
    assert finished["messenger"] >= 0.9  # held for the pause, then sent
    assert finished["telegram"] < finished["messenger"]


# --- what the ward sends later: announcements and staff answers --------------------------------


@contextlib.asynccontextmanager
async def messenger_sender(
    deps: Deps, graph: FakeGraph, human_agent: bool = False
) -> AsyncIterator[OutboxSender]:
    settings = Settings(messenger=messenger_settings(graph.url, human_agent=human_agent))
    sender = OutboxSender(deps.sessions, SenderOptions(retry_base=0.2, interval=0.2))
    async with aiohttp.ClientSession() as http:
        channel = MessengerChannel(settings, deps, None, http)
        await channel.start()
        sender.register("messenger", channel.deliver, 8, channel.limiter)
        await sender.start()
        try:
            yield sender
        finally:
            await sender.stop()
            await channel.stop()


async def _last_wrote(deps: Deps, graph: FakeGraph, psid: str, ago: timedelta) -> None:
    async with deps.sessions() as session, session.begin():
        await session.execute(
            update(User).where(User.external_id == psid).values(last_seen_at=utcnow() - ago)
        )
    graph.heard[psid] = int((time.time() - ago.total_seconds()) * 1000)


async def test_an_announcement_reaches_only_residents_inside_the_window(
    deps: Deps, graph: FakeGraph
) -> None:
    await residents(deps, "messenger", ["recent", "old"])
    await _last_wrote(deps, graph, "recent", timedelta(hours=2))
    await _last_wrote(deps, graph, "old", timedelta(hours=30))
    async with messenger_sender(deps, graph):
        figures = await wait_done(deps, await announce(deps))
    assert figures.by_status.get("sent") == 1 and figures.by_status.get("undeliverable") == 1
    assert [m["recipient"]["id"] for m in graph.delivered] == ["recent"]
    assert graph.delivered[0]["messaging_type"] == "UPDATE"
    async with deps.sessions() as session:
        kept = await session.scalar(select(Outbox).where(Outbox.user_ref == "old"))
    assert kept is not None and kept.status == "undeliverable"
    assert kept.last_error and "24 giờ" in kept.last_error
    # The month's report counts it as not delivered.
    from bot.report import figures, period

    month = period.month(utcnow().astimezone(VIETNAM).strftime("%Y-%m"))
    async with deps.sessions() as session:
        report = await figures.compute(session, deps.catalogue, month)
    (row,) = report.announcements.rows
    assert (row.recipients, row.sent, row.undeliverable) == (2, 1, 1)


async def _staff_answer(deps: Deps, psid: str) -> int:
    async with deps.sessions() as session, session.begin():
        row = await fq.enqueue(
            session, "messenger", psid, "Phường trả lời: ...", "question_answer"
        )
        return row.id


async def _outbox_row(deps: Deps, row_id: int, within: float = 10.0) -> Outbox:
    deadline = time.monotonic() + within
    while True:
        async with deps.sessions() as session:
            row = await session.get(Outbox, row_id)
        assert row is not None
        if row.status not in ("pending", "sending"):
            return row
        assert time.monotonic() < deadline, row.status
        await asyncio.sleep(0.1)


@pytest.mark.parametrize("human_agent", [False, True])
async def test_a_late_staff_answer_uses_human_agent_only_when_enabled(
    deps: Deps, graph: FakeGraph, human_agent: bool
) -> None:
    graph.human_agent = human_agent
    await residents(deps, "messenger", ["late"])
    await _last_wrote(deps, graph, "late", timedelta(days=3))
    row_id = await _staff_answer(deps, "late")
    async with messenger_sender(deps, graph, human_agent=human_agent):
        row = await _outbox_row(deps, row_id)
    if human_agent:
        assert row.status == "sent"
        assert graph.delivered[0]["messaging_type"] == "MESSAGE_TAG"
        assert graph.delivered[0]["tag"] == "HUMAN_AGENT"
    else:
        assert row.status == "undeliverable" and graph.delivered == []


async def test_an_automatic_message_never_uses_human_agent(deps: Deps, graph: FakeGraph) -> None:
    graph.human_agent = True
    await residents(deps, "messenger", ["late2"])
    await _last_wrote(deps, graph, "late2", timedelta(days=2))
    async with deps.sessions() as session, session.begin():
        row = await fq.enqueue(session, "messenger", "late2", "Nhắc hạn", "feedback_status")
        row_id = row.id
    async with messenger_sender(deps, graph, human_agent=True):
        assert (await _outbox_row(deps, row_id)).status == "undeliverable"
    assert graph.delivered == []


# --- privacy, profile --------------------------------------------------------------------------


async def test_a_resident_who_erases_gets_the_confirmation(
    client: TestClient, graph: FakeGraph
) -> None:
    await post(client, graph, batch(text_event("p17", "xin chao", "m_17a")))
    await post(client, graph, batch(text_event("p17", "/xoa_du_lieu", "m_17b")))
    asked = graph.delivered[-1]["message"]
    erase = next(q for q in asked["quick_replies"] if q["title"] in ("Xóa", "1", "2"))
    if erase["title"] != "Xóa":
        erase = next(
            q for q in asked["quick_replies"] if f"{q['title']}. Xóa" in asked["text"].splitlines()
        )
    await post(
        client, graph, batch(quick_reply_event("p17", erase["title"], erase["payload"], "m_17c"))
    )
    assert graph.texts("p17")[-1].startswith("Phường đã xóa dữ liệu của bạn")
    async with client.app[DEPS].sessions() as session:
        assert await session.scalar(select(User).where(User.external_id == "p17")) is None


async def test_the_page_profile_is_written_once_across_restarts(
    graph: FakeGraph, tmp_path: Path
) -> None:
    for _ in range(2):
        async with TestClient(TestServer(create_app(settings_for(graph, tmp_path)))) as client:
            channel: MessengerChannel = client.app[MESSENGER]
            assert channel._profile_task is not None
            await asyncio.wait_for(channel._profile_task, 10)
    assert len(graph.called("profile.set")) == 1
    profile = graph.profile
    assert profile["get_started"] == {"payload": "GET_STARTED"}
    greeting = profile["greeting"][0]["text"]
    assert "trợ lý tự động" in greeting and len(greeting) <= 160
    menu = profile["persistent_menu"][0]["call_to_actions"]
    assert menu and all(item["payload"].startswith("section:") for item in menu)


async def test_subscribing_on_messenger_says_it_reaches_only_recent_writers(
    client: TestClient, graph: FakeGraph
) -> None:
    await post(client, graph, batch(text_event("p21", "nhan thong bao", "m_21")))
    assert "24 giờ" in graph.texts("p21")[-1]


async def test_the_console_says_messenger_reaches_only_recent_writers(
    client: TestClient,
) -> None:
    from bot.staff import auth
    from tests.test_staff_console import PASSWORD, login

    async with client.app[DEPS].sessions() as session, session.begin():
        await auth.add_staff(session, "chi", "Chi", PASSWORD, "tech_team")
    csrf = await login(client, "chi")
    form = await (await client.get("/staff/announcements/new")).text()
    assert 'id="reach-messenger"' in form and "24 giờ" in form
    response = await client.post(
        "/staff/announcements/new",
        data={"csrf": csrf, "text": "Lịch tiêm chủng tuần sau.", "topics": "chuyen-doi-so"},
        allow_redirects=False,
    )
    assert response.status == 303, await response.text()
    detail = await (await client.get(response.headers["Location"])).text()
    preview = detail[detail.index('id="preview-messenger"') :]
    assert "24 giờ" in preview[: preview.index("</div>")]


def test_each_ward_has_its_own_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.wards import WardsError, ward_sites
    from tests.test_wards_file import base, two_wards

    monkeypatch.setenv("WARD_A_TOKEN", "111:aaa")
    monkeypatch.setenv("MESSENGER_PAGE_ACCESS_TOKEN", "env-page-token-for-no-ward")
    monkeypatch.setenv("MESSENGER_APP_SECRET", "env-secret")
    monkeypatch.setenv("MESSENGER_RATE", "20")
    page = "\n    messenger_page_access_token: page-b\n    messenger_app_secret: secret-b"
    a, b = ward_sites(base(tmp_path, two_wards(tmp_path, extra_b=page)))
    assert not a.settings.messenger.enabled and b.settings.messenger.enabled
    assert b.settings.messenger.rate == 20  # the deployment's rate, the ward's own Page
    assert "page-b" in b.settings.secrets() and "secret-b" in b.settings.secrets()
    without_secret = "\n    messenger_page_access_token: page-b"
    with pytest.raises(WardsError, match="MESSENGER_APP_SECRET"):
        ward_sites(base(tmp_path, two_wards(tmp_path, extra_b=without_secret)))


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        ("undeliverable", "10/2018278: Message sent outside of allowed window.", "window"),
        ("undeliverable", "window: người dân nhắn lần cuối quá 24 giờ trước", "window"),
        ("failed", "rate limited: 613/2534040: Calls to this api have exceeded", "rate_limited"),
        ("blocked", "551/1545041: This person isn't available right now.", "blocked"),
        ("failed", "network: ClientConnectorError", "network"),
    ],
)
def test_messenger_refusals_fall_in_the_metrics_classes(
    status: str, reason: str, expected: str
) -> None:
    from bot.metrics import send_error_reason

    assert send_error_reason(status, reason) == expected


async def test_a_messenger_session_logs_no_personal_data_at_info(
    client: TestClient, graph: FakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    psid, text = "6024187733012345", "Tôi là Trần Thị Mơ, số 0905123456, hỏi làm căn cước"
    await post(client, graph, batch(text_event(psid, text, "m_pii")))
    graph.blocked.add(psid)
    await post(client, graph, batch(text_event(psid, "cảm ơn", "m_pii2")))
    assert graph.texts(psid)
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert "marked inactive" in logged  # the test saw the logs
    for secret in (psid, "Trần Thị Mơ", "0905123456", PAGE_TOKEN, APP_SECRET, VERIFY_TOKEN):
        assert secret not in logged


async def test_a_persistent_menu_item_opens_its_section(
    client: TestClient, graph: FakeGraph
) -> None:
    channel: MessengerChannel = client.app[MESSENGER]
    item = channel.profile()["persistent_menu"][0]["call_to_actions"][1]
    await post(
        client, graph, batch(postback_event("p22", item["payload"], "pb_22", item["title"]))
    )
    section = client.app[DEPS].catalogue.menu.sections[1]
    assert graph.texts("p22")[0].upper().startswith(section.title.upper()[:10])
