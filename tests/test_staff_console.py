"""The staff console: sign-in, roles on every route, CSRF, and answers reaching residents."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update

from bot.app import create_app
from bot.channels.telegram import SECRET_HEADER
from bot.keys import DEPS, INBOX, OUTBOX, TELEGRAM
from bot.settings import Settings
from bot.staff import auth
from bot.staff.routes import ROUTES
from db.models import Feedback, FeedbackEvent, Outbox, Rating, StaffSession, utcnow
from handlers.domain.types import IncomingMessage
from handlers.engine import handle
from tests.fakes.telegram_api import FakeTelegram, callback_update, text_update
from tests.flows import next_step

PASSWORD = "mat-khau-dai-1"
CODE = re.compile(r"PA-\d{4}-[2-9A-HJ-NP-Z]{4}")


@pytest.fixture
async def client(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/console.sqlite3",
        telegram={
            "bot_token": fake.token,
            "api_url": fake.url,
            "webhook_secret": "secret-for-console",
        },
        public_url="https://ward.example.vn",
    )
    app = create_app(settings)
    async with TestClient(TestServer(app)) as test_client:
        await asyncio.wait_for(app[TELEGRAM].ready.wait(), 10)
        async with app[DEPS].sessions() as session, session.begin():
            for name, role in (("an", "admin"), ("binh", "staff"), ("chi", "tech_team")):
                await auth.add_staff(session, name, name.title(), PASSWORD, role)
        yield test_client


async def login(client: TestClient, username: str, password: str = PASSWORD) -> str | None:
    """Sign in like a browser; returns the CSRF token of the new session (None if refused)."""
    client.session.cookie_jar.clear()
    page = await client.get("/staff/login")
    token = re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)
    response = await client.post(
        "/staff/login",
        allow_redirects=False,
        data={"csrf": token, "username": username, "password": password, "next": "/staff/"},
    )
    if response.status != 303:
        return None
    page = await client.get("/staff/account")
    return re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)


async def telegram_feedback(client: TestClient, fake: FakeTelegram, chat_id: int = 700) -> str:
    """A resident files feedback on Telegram, through the webhook, pressing the buttons the
    fake server received; returns the tracking code they were given."""
    headers = {SECRET_HEADER: "secret-for-console"}
    update_ids = iter(range(chat_id * 100, chat_id * 100 + 50))

    async def deliver(update_: dict) -> None:
        await client.post("/webhooks/telegram", json=update_, headers=headers)
        await client.app[INBOX].idle()

    def titles() -> list[str]:
        markup = fake.called("sendMessage")[-1].get("reply_markup") or {}
        return [row[0]["text"] for row in markup.get("inline_keyboard", [])]

    async def press(title: str) -> None:
        markup = fake.called("sendMessage")[-1]["reply_markup"]["inline_keyboard"]
        data = next(row[0]["callback_data"] for row in markup if row[0]["text"].startswith(title))
        await deliver(callback_update(next(update_ids), chat_id, data))

    await deliver(text_update(next(update_ids), chat_id, "toi muon phan anh"))
    await press("Hạ tầng")
    await deliver(
        text_update(
            next(update_ids), chat_id, "Ổ gà lớn trước số nhà 25 đường Trần Phú, xe máy dễ ngã"
        )
    )
    while (title := next_step(titles())) is not None:
        await press(title)
        if title.startswith("Gửi phản ánh"):
            break
    code = CODE.search(fake.called("sendMessage")[-1]["text"])
    assert code, fake.called("sendMessage")[-1]["text"]
    return code.group(0)


async def test_every_route_refuses_anonymous_and_wrong_roles(
    client: TestClient, fake: FakeTelegram
) -> None:
    code = await telegram_feedback(client, fake)
    paths = {
        route.path: route.path.replace("{code}", code).replace("{id}", "1") for route in ROUTES
    }
    client.session.cookie_jar.clear()
    for route in ROUTES:
        response = await client.request(
            route.method, paths[route.path], allow_redirects=False, data={"csrf": "x"}
        )
        assert response.status in (302, 401), (route.path, response.status)
        if response.status == 302:
            assert response.headers["Location"].startswith("/staff/login")
    for username in ("an", "binh", "chi"):
        csrf = await login(client, username)
        role = {"an": "admin", "binh": "staff", "chi": "tech_team"}[username]
        for route in ROUTES:
            if role in route.roles:
                continue
            response = await client.request(
                route.method, paths[route.path], allow_redirects=False, data={"csrf": csrf}
            )
            assert response.status == 403, (username, route.path, response.status)


async def test_posts_without_the_right_csrf_token_are_refused(
    client: TestClient, fake: FakeTelegram
) -> None:
    code = await telegram_feedback(client, fake)
    csrf = await login(client, "binh")
    url = f"/staff/feedback/{code}/status"
    for data in (
        {"status": "in_progress"},
        {"status": "in_progress", "csrf": "wrong"},
        {"status": "in_progress", "csrf": csrf + "x"},
    ):
        assert (await client.post(url, data=data, allow_redirects=False)).status == 403
    async with client.app[DEPS].sessions() as session:
        assert (await session.execute(select(Feedback.status))).scalar_one() == "new"
    ok = await client.post(
        url, data={"status": "in_progress", "csrf": csrf}, allow_redirects=False
    )
    assert ok.status == 303


async def test_login_form_needs_its_csrf_cookie(client: TestClient) -> None:
    client.session.cookie_jar.clear()
    response = await client.post(
        "/staff/login", data={"csrf": "x", "username": "an", "password": PASSWORD}
    )
    assert response.status == 403


async def test_wrong_passwords_are_rate_limited(client: TestClient) -> None:
    for _ in range(auth.MAX_FAILURES):
        assert await login(client, "an", "sai-mat-khau") is None
    page = await client.get("/staff/login")
    token = re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)
    blocked = await client.post(
        "/staff/login", data={"csrf": token, "username": "an", "password": PASSWORD}
    )
    assert blocked.status == 429


async def test_sessions_expire(client: TestClient) -> None:
    assert await login(client, "binh")
    async with client.app[DEPS].sessions() as session, session.begin():
        await session.execute(
            update(StaffSession).values(expires_at=utcnow() - timedelta(minutes=1))
        )
    response = await client.get("/staff/", allow_redirects=False)
    assert response.status == 302


async def test_a_console_reply_reaches_the_resident_on_telegram(
    client: TestClient, fake: FakeTelegram
) -> None:
    code = await telegram_feedback(client, fake, chat_id=701)
    csrf = await login(client, "binh")
    inbox = await (await client.get("/staff/")).text()
    assert code in inbox
    before = len(fake.called("sendMessage"))
    response = await client.post(
        f"/staff/feedback/{code}/reply",
        allow_redirects=False,
        data={
            "csrf": csrf,
            "text": "Phường đã cử người vá ổ gà trong tuần này.",
            "status": "resolved",
        },
    )
    assert response.status == 303
    await client.app[OUTBOX].drain_once()
    sent = fake.called("sendMessage")[before:]
    assert len(sent) == 1 and int(sent[0]["chat_id"]) == 701
    assert "Phường đã cử người vá ổ gà" in sent[0]["text"] and code in sent[0]["text"]
    rating = sent[0]["reply_markup"]["inline_keyboard"]
    assert len(rating) == 5
    detail = await (await client.get(f"/staff/feedback/{code}")).text()
    assert "đã gửi" in detail and "Đã giải quyết xong" in detail
    # The resident rates the handling with a button.
    await client.post(
        "/webhooks/telegram",
        json=callback_update(900, 701, rating[4][0]["callback_data"]),
        headers={SECRET_HEADER: "secret-for-console"},
    )
    await client.app[INBOX].idle()
    async with client.app[DEPS].sessions() as session:
        stored = (await session.execute(select(Rating))).scalar_one()
        events = (await session.execute(select(FeedbackEvent))).scalars().all()
    assert (stored.subject, stored.score) == ("feedback", 5)
    # The reply that changed the status is one line of the history, not two.
    assert [e.action for e in events] == ["created", "reply"]
    assert (events[1].from_status, events[1].to_status) == ("new", "resolved")


async def test_a_reply_to_a_website_visitor_waits_for_the_widget(client: TestClient) -> None:
    deps = client.app[DEPS]
    visitor = "visitor-0123456789abcdef"
    # Drive the flow through the core directly (the web API is the same call).
    r = await handle(IncomingMessage("web", visitor, text="gửi phản ánh"), deps)
    r = await handle(
        IncomingMessage("web", visitor, payload=r.replies[-1].buttons[0].payload), deps
    )
    r = await handle(
        IncomingMessage("web", visitor, text="Cán bộ một cửa hướng dẫn sai thủ tục nhiều lần"),
        deps,
    )
    while (title := next_step(b.title for b in r.replies[-1].buttons)) is not None:
        button = next(b for b in r.replies[-1].buttons if b.title == title)
        r = await handle(IncomingMessage("web", visitor, payload=button.payload), deps)
        if title.startswith("Gửi phản ánh"):
            break
    code = CODE.search(r.text).group(0)
    csrf = await login(client, "an")
    await client.post(
        f"/staff/feedback/{code}/status",
        allow_redirects=False,
        data={"csrf": csrf, "status": "in_progress", "note": "Đang xác minh."},
    )
    await client.app[OUTBOX].drain_once()
    updates = await (await client.get(f"/api/chat/updates?user={visitor}")).json()
    assert len(updates["replies"]) == 1 and "Đang xử lý" in updates["replies"][0]["text"]
    again = await (await client.get(f"/api/chat/updates?user={visitor}")).json()
    assert again["replies"] == []
    async with deps.sessions() as session:
        assert (await session.execute(select(Outbox.status))).scalar_one() == "sent"


async def test_staff_file_a_walk_in_and_export_csv(client: TestClient) -> None:
    csrf = await login(client, "binh")
    response = await client.post(
        "/staff/feedback/new",
        allow_redirects=False,
        data={
            "csrf": csrf,
            "category": "an-ninh-trat-tu",
            "description": "Karaoke quá 22 giờ ở TDP 5",
            "area": "TDP 5",
            "consent": "on",
            "phone": "0905000111",
        },
    )
    assert response.status == 303
    code = response.headers["Location"].rsplit("/", 1)[1]
    csv_text = await (await client.get("/staff/export.csv?category=an-ninh-trat-tu")).text()
    assert code in csv_text and "Karaoke" in csv_text and "0905000111" not in csv_text
    async with client.app[DEPS].sessions() as session:
        record = (await session.execute(select(Feedback))).scalar_one()
    assert record.channel == "staff" and record.phone == "0905000111" and record.filed_by


async def test_admin_manages_canned_replies(client: TestClient) -> None:
    csrf = await login(client, "an")
    await client.post(
        "/staff/canned",
        data={"csrf": csrf, "title": "Đã tiếp nhận", "text": "Phường đã tiếp nhận và đang xử lý."},
    )
    page = await (await client.get("/staff/canned")).text()
    assert "Đã tiếp nhận" in page


async def test_new_feedback_is_posted_to_the_staff_group(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/group.sqlite3",
        telegram={
            "bot_token": fake.token,
            "api_url": fake.url,
            "webhook_secret": "secret-for-console",
            "staff_chat_id": "-100777",
        },
        public_url="https://ward.example.vn",
    )
    app = create_app(settings)
    async with TestClient(TestServer(app)) as group_client:
        await asyncio.wait_for(app[TELEGRAM].ready.wait(), 10)
        code = await telegram_feedback(group_client, fake, chat_id=702)
        for _ in range(100):  # the sender may already be delivering it in the background
            await app[OUTBOX].drain_once()
            alerts = [m for m in fake.called("sendMessage") if str(m["chat_id"]) == "-100777"]
            if alerts:
                break
            await asyncio.sleep(0.05)
    assert len(alerts) == 1 and code in alerts[0]["text"] and "Ổ gà" in alerts[0]["text"]
