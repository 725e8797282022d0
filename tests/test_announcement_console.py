"""The announcement pages of the console: the tech team drafts, an admin approves (twice for
an emergency), residents receive it, and the page shows what happened. Runs on SQLite and on
PostgreSQL (the app is handed the `engine` fixture's database)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import wiring
from bot.app import create_app
from bot.keys import DEPS, OUTBOX, SCHEDULER, TELEGRAM
from bot.settings import Settings
from bot.staff import auth
from content.areas import area_key
from db import queries
from db.models import Announcement, Feedback, Outbox, StaffUser, User, utcnow
from handlers.domain.actions import Action
from handlers.domain.types import IncomingMessage
from handlers.engine import handle
from tests.fakes.telegram_api import FakeTelegram, blocked
from tests.test_staff_console import PASSWORD, login

TOPIC = "chuyen-doi-so"
NOWHERE = "http://127.0.0.1:9"  # a closed port: configured channels that never answer
TEXT = "Từ 01/12 phường hướng dẫn cài VNeID mức 2 tại nhà văn hóa TDP 3.\nMang theo CCCD."
WEB = ("visitor-announce-000001", "visitor-announce-000002")


@pytest.fixture
async def client(
    engine: AsyncEngine, fake: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TestClient]:
    # The app opens its engine from the URL; hand it the fixture's (SQLite or PostgreSQL).
    monkeypatch.setattr(wiring, "create_engine", lambda _url: engine)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/unused.sqlite3",
        telegram={
            "bot_token": fake.token,
            "api_url": fake.url,
            "webhook_secret": "secret-for-console",
        },
        # Every channel configured, so the console offers and previews all five (the form
        # offers only the configured ones: test_only_configured_channels_are_offered).
        zalo_bot={"token": "zalo-bot-console-token", "api_url": NOWHERE},
        zalo_oa={
            "app_id": "1234567890",
            "secret_key": "oa-secret-key",
            "access_token": "oa-access",
            "refresh_token": "oa-refresh",
            "api_url": NOWHERE,
            "oauth_url": NOWHERE,
        },
        messenger={
            "page_access_token": "page-token",
            "app_secret": "app-secret",
            "api_url": NOWHERE,
        },
        public_url="https://ward.example.vn",
    )
    app = create_app(settings)
    async with TestClient(TestServer(app)) as test_client:
        await asyncio.wait_for(app[TELEGRAM].ready.wait(), 10)
        async with app[DEPS].sessions() as session, session.begin():
            for name, role in (
                ("an", "admin"),
                ("binh", "staff"),
                ("chi", "tech_team"),
                ("dung", "tech_team"),
            ):
                await auth.add_staff(session, name, name.title(), PASSWORD, role)
        yield test_client


async def residents(client: TestClient) -> None:
    """Four residents follow the topic (two on the website, two on Telegram), one follows
    another topic, and one who follows it has blocked us (inactive)."""
    async with client.app[DEPS].sessions() as session, session.begin():
        for channel, ref in [("web", w) for w in WEB] + [("telegram", "801"), ("telegram", "802")]:
            user = await queries.get_or_create_user(session, channel, ref)
            await queries.subscribe(session, user.id, [TOPIC])
        await queries.set_area(session, user.id, "TDP 3", area_key("TDP 3"))  # Telegram 802
        other = await queries.get_or_create_user(session, "web", "visitor-announce-000003")
        await queries.subscribe(session, other.id, ["lich-phat-thanh"])
        gone = await queries.get_or_create_user(session, "telegram", "803")
        await queries.subscribe(session, gone.id, [TOPIC])
        await session.execute(update(User).where(User.id == gone.id).values(active=False))


async def post(client: TestClient, url: str, csrf: str | None, **data: object) -> ClientResponse:
    if csrf is not None:
        data["csrf"] = csrf
    if url.endswith("/approve") and "version" not in data:  # as a browser: the page read first
        data["version"] = await shown_version(client, url.removesuffix("/approve"))
    return await client.post(url, data=data, allow_redirects=False)


async def shown_version(client: TestClient, page: str) -> str:
    """The version of the announcement its page shows (posted back with the approval)."""
    found = re.search(r'name="version" value="([0-9a-f]*)"', await (await client.get(page)).text())
    return found.group(1) if found else ""


async def draft(client: TestClient, csrf: str, **fields: object) -> int:
    """A new draft through the form; returns its id from the redirect."""
    data: dict[str, object] = {"text": TEXT, "topics": TOPIC} | fields
    response = await post(client, "/staff/announcements/new", csrf, **data)
    assert response.status == 303, await response.text()
    location = response.headers["Location"]
    assert re.fullmatch(r"/staff/announcements/\d+", location)
    return int(location.rsplit("/", 1)[1])


async def stored(client: TestClient, announcement_id: int) -> Announcement:
    async with client.app[DEPS].sessions() as session:
        found = await session.get(Announcement, announcement_id)
    assert found is not None
    return found


async def page(client: TestClient, url: str, status: int = 200) -> str:
    response = await client.get(url, allow_redirects=False)
    assert response.status == status, (url, response.status)
    return await response.text()


def figure(html: str, element_id: str) -> int:
    """The number shown in the element with this id."""
    match = re.search(rf'id="{element_id}">\s*(\d+)\s*<', html)
    assert match, element_id
    return int(match.group(1))


async def send_everything(client: TestClient, announcement_id: int) -> Announcement:
    """Run the scheduler and the sender (they may also be running in the background)."""
    await client.app[SCHEDULER].run_once()
    for _ in range(200):
        await client.app[OUTBOX].drain_once()
        announcement = await stored(client, announcement_id)
        if announcement.status == "done":
            return announcement
        await asyncio.sleep(0.05)
    raise AssertionError(f"announcement still {announcement.status}")


async def test_a_draft_goes_from_the_tech_team_to_the_residents(
    client: TestClient, fake: FakeTelegram
) -> None:
    await residents(client)
    fake.fail[("sendMessage", "802")] = [blocked()]
    csrf = await login(client, "chi")
    announcement_id = await draft(client, csrf, link_url="https://ward.example.vn/vneid")
    created = await stored(client, announcement_id)
    assert (created.status, created.created_by, created.topics) == ("draft", "staff:chi", [TOPIC])

    html = await page(client, f"/staff/announcements/{announcement_id}")
    for channel in ("telegram", "zalo_oa", "zalo_bot", "messenger", "web"):
        assert f'id="preview-{channel}"' in html
    assert html.count("Mang theo CCCD.") == 5 and html.count("Xem thêm: https://ward") == 5
    assert html.count("💬 Hỏi phường về tin này") == 4  # every channel with buttons
    assert f"bạn gõ: hỏi tin {announcement_id}" in html  # Zalo Bot: a typed command instead
    assert "Zalo Bot không có nút bấm" in html
    assert figure(html, "audience-web") == 2 and figure(html, "audience-telegram") == 2
    assert figure(html, "audience-zalo_bot") == 0 and figure(html, "audience-total") == 4

    assert (
        await post(client, f"/staff/announcements/{announcement_id}/submit", csrf)
    ).status == 303
    assert (await stored(client, announcement_id)).status == "submitted"
    refused = await post(client, f"/staff/announcements/{announcement_id}/approve", csrf)
    assert refused.status == 403
    assert (await stored(client, announcement_id)).status == "submitted"

    csrf = await login(client, "an")
    approved = await post(client, f"/staff/announcements/{announcement_id}/approve", csrf)
    assert approved.status == 303
    assert approved.headers["Location"].endswith("?done=approved")
    after = await stored(client, announcement_id)
    assert after.approved_by == "staff:an" and after.approved_at is not None
    assert after.status in ("approved", "sending", "done")  # the woken scheduler may be quick

    finished = await send_everything(client, announcement_id)
    assert finished.recipients == 4
    async with client.app[DEPS].sessions() as session:
        rows = dict((await session.execute(select(Outbox.user_ref, Outbox.status))).all())
    expected = {WEB[0]: "awaiting_pickup", WEB[1]: "awaiting_pickup", "801": "sent"}
    assert rows == expected | {"802": "blocked"}
    sent = [m for m in fake.called("sendMessage") if str(m["chat_id"]) == "801"]
    assert len(sent) == 1 and "Mang theo CCCD." in sent[0]["text"]
    buttons = [row[0]["text"] for row in sent[0]["reply_markup"]["inline_keyboard"]]
    assert "💬 Hỏi phường về tin này" in buttons

    html = await page(client, f"/staff/announcements/{announcement_id}")
    assert "Đã gửi xong" in html and 'http-equiv="refresh"' not in html
    assert figure(html, "stat-total") == 4 and figure(html, "stat-sent") == 1
    assert figure(html, "stat-awaiting_pickup") == 2 and figure(html, "stat-blocked") == 1
    assert figure(html, "stat-waiting") == 0 and figure(html, "stat-failed") == 0
    assert "người dân đã chặn bot" in html  # the reason, from Telegram's answer
    summary = html.split('id="delivery-summary">', 1)[1].split("</p>", 1)[0]
    assert "Đã tới người dân: <strong>1</strong>" in summary
    assert "chờ người dân mở trang web: <strong>2</strong>" in summary
    assert figure(html, "replies") == 0
    assert "audience-total" not in html  # queued: the figures replace the estimate
    listing = await page(client, "/staff/announcements")
    row = listing.split(f'id="announcement-{announcement_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Từ 01/12 phường hướng dẫn cài VNeID" in row and "Mang theo" not in row
    assert "Đã gửi xong" in row and "ngay khi duyệt" in row and "Chuyển đổi số" in row
    # Two website visitors have not opened the page yet: apart, not counted as sent.
    assert "✓ 1" in row and "✗ 1" in row and "chờ người dân mở trang 2" in row

    # The website visitor gets it when the widget next asks, and asks the ward about it.
    updates = await (await client.get(f"/api/chat/updates?user={WEB[0]}")).json()
    assert any("Mang theo CCCD." in r["text"] for r in updates["replies"])
    deps = client.app[DEPS]
    ask = Action("annq", str(announcement_id)).pack()
    await handle(IncomingMessage("web", WEB[0], payload=ask), deps)
    await handle(IncomingMessage("web", WEB[0], text="Thứ Bảy có hướng dẫn không ạ?"), deps)
    async with deps.sessions() as session:
        code = await session.scalar(
            select(Feedback.service_request_id).where(Feedback.announcement_id == announcement_id)
        )
    assert code
    html = await page(client, f"/staff/announcements/{announcement_id}")
    assert figure(html, "replies") == 1 and f'href="/staff/feedback/{code}"' in html
    assert f'href="/staff/?announcement={announcement_id}"' in html
    inbox = await page(client, f"/staff/?announcement={announcement_id}")
    assert code in inbox
    assert code not in await page(client, f"/staff/?announcement={announcement_id + 1}")


async def test_an_emergency_needs_a_second_confirmation(client: TestClient) -> None:
    await residents(client)
    csrf = await login(client, "an")
    announcement_id = await draft(
        client,
        csrf,
        text="Nước lũ lên nhanh ở khu vực ven sông, người dân di chuyển lên chỗ cao.",
        topics="",
        emergency="on",
    )
    assert (await stored(client, announcement_id)).emergency
    url = f"/staff/announcements/{announcement_id}/approve"
    first = await post(client, url, csrf)
    assert first.status == 200
    html = await first.text()
    assert "Tin khẩn sẽ gửi tới" in html and figure(html, "confirm-total") == 5
    assert "Telegram, Zalo OA, Zalo Bot, Messenger, Trang web phường" in html
    assert 'name="confirm" value="yes"' in html
    assert (await stored(client, announcement_id)).status == "draft"

    second = await post(client, url, csrf, confirm="yes")
    assert second.status == 303
    approved = await stored(client, announcement_id)
    assert approved.status != "draft" and approved.approved_by == "staff:an"
    for _ in range(100):  # the guard woke the scheduler: no wait for its 15-second look
        if (await stored(client, announcement_id)).queued_at is not None:
            break
        await asyncio.sleep(0.05)
    assert (await stored(client, announcement_id)).queued_at is not None
    finished = await send_everything(client, announcement_id)
    assert finished.recipients == 5  # everyone reachable, whatever they follow


async def test_form_errors_keep_what_was_typed(client: TestClient) -> None:
    csrf = await login(client, "chi")
    typed = "Lịch tiêm chủng tháng 12 tại trạm y tế phường"
    cases = [
        ({"text": "   ", "topics": TOPIC}, "Nội dung thông báo đang trống."),
        ({"text": typed}, "Chọn ít nhất một chủ đề (hoặc đánh dấu tin khẩn)."),
        ({"text": typed, "topics": TOPIC, "send_at": "ngày mai"}, "Giờ gửi chưa đúng"),
        ({"text": typed, "topics": TOPIC, "image_url": "ftp://x"}, "Đường dẫn ảnh phải"),
        ({"text": typed, "topics": TOPIC, "repeat": "weekly"}, "cần giờ gửi lần đầu"),
        ({"text": typed, "topics": TOPIC, "repeat": "FREQ=SOMETIMES"}, "ắc lặp không hợp lệ"),
        ({"text": "x" * 1801, "topics": TOPIC}, "Nội dung dài quá 1800 ký tự (1801)."),
    ]
    for data, message in cases:
        response = await post(client, "/staff/announcements/new", csrf, **data)
        html = await response.text()
        assert response.status == 400, data
        assert message in html, (message, html[:2000])
        if data["text"] == typed:
            assert f">{typed}</textarea>" in html
    with_area = await post(
        client, "/staff/announcements/new", csrf, text=typed, areas="TDP 3, TDP 5", send_at="x"
    )
    assert 'value="TDP 3, TDP 5"' in await with_area.text()
    async with client.app[DEPS].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Announcement)) == 0


async def test_posts_without_the_csrf_token_are_refused(client: TestClient) -> None:
    csrf = await login(client, "chi")
    for token in (None, "wrong", csrf + "x"):
        response = await post(client, "/staff/announcements/new", token, text=TEXT, topics=TOPIC)
        assert response.status == 403
    async with client.app[DEPS].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Announcement)) == 0
    announcement_id = await draft(client, csrf)
    for action in ("submit", "cancel"):
        url = f"/staff/announcements/{announcement_id}/{action}"
        assert (await post(client, url, None)).status == 403
    assert (await stored(client, announcement_id)).status == "draft"


async def test_the_tech_team_lands_on_announcements_and_sees_only_its_links(
    client: TestClient,
) -> None:
    client.session.cookie_jar.clear()
    form = await page(client, "/staff/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    response = await client.post(
        "/staff/login",
        allow_redirects=False,
        data={"csrf": token, "username": "chi", "password": PASSWORD, "next": "/staff/"},
    )
    assert response.status == 303 and response.headers["Location"] == "/staff/announcements"
    html = await page(client, "/staff/announcements")
    assert "Soạn thông báo mới" in html and "Chưa có thông báo nào" in html
    assert 'href="/staff/"' not in html and "/staff/feedback/new" not in html
    assert (await client.get("/staff/", allow_redirects=False)).status == 403
    await login(client, "binh")
    assert 'href="/staff/announcements"' not in await page(client, "/staff/")
    await login(client, "an")
    admin_home = await page(client, "/staff/")
    assert 'href="/staff/announcements"' in admin_home and 'href="/staff/"' in admin_home


async def test_editing_previews_audience_and_cancelling(client: TestClient) -> None:
    await residents(client)
    chi = await login(client, "chi")
    mine = await draft(client, chi, image_url="https://ward.example.vn/anh.jpg")
    html = await page(client, f"/staff/announcements/{mine}")
    telegram = html.split('id="preview-telegram"', 1)[1].split('class="card preview"', 1)[0]
    web = html.split('id="preview-web"', 1)[1].split('class="card preview"', 1)[0]
    assert '<img class="thumb" src="https://ward.example.vn/anh.jpg"' in telegram
    # The widget shows pictures too (no bare address in the text).
    assert '<img class="thumb" src="https://ward.example.vn/anh.jpg"' in web
    assert "Hình ảnh: https://" not in web

    form = await page(client, f"/staff/announcements/{mine}/edit")
    assert f">{TEXT}</textarea>" in form
    assert '<option value="TDP 3" label="1 người dân">' in form  # by key, with a count
    edited = await post(
        client,
        f"/staff/announcements/{mine}/edit",
        chi,
        text="Họp tổ dân phố số 3 lúc 19:00 thứ Sáu.",
        topics=TOPIC,
        channels="telegram",
        areas="Tổ dân phố 3",
        send_at="2030-01-04T17:00",
        repeat="weekly",
    )
    assert edited.status == 303
    after = await stored(client, mine)
    assert (after.text, after.channels, after.areas) == (
        "Họp tổ dân phố số 3 lúc 19:00 thứ Sáu.",
        ["telegram"],
        ["Tổ dân phố 3"],
    )
    assert after.send_at == datetime(2030, 1, 4, 10, 0, tzinfo=UTC)  # 17:00 in Việt Nam
    assert after.recurrence == "FREQ=WEEKLY"
    html = await page(client, f"/staff/announcements/{mine}")
    assert 'id="preview-telegram"' in html and 'id="preview-web"' not in html
    assert figure(html, "audience-total") == 1  # only Telegram 802 lives in TDP 3
    assert "04/01/2030 17:00" in html and "Hằng tuần" in html
    again = await page(client, f"/staff/announcements/{mine}/edit")
    assert 'value="2030-01-04T17:00"' in again and '<option value="weekly" selected>' in again

    an = await login(client, "an")
    theirs = await draft(client, an)
    assert (await post(client, f"/staff/announcements/{mine}/approve", an)).status == 303
    series = await stored(client, mine)
    assert series.status == "approved" and series.next_run_at == series.send_at
    async with client.app[DEPS].sessions() as session, session.begin():
        run = Announcement(
            text=series.text,
            topics=series.topics,
            status="done",
            series_id=mine,
            send_at=utcnow(),
            created_by=series.created_by,
            queued_at=utcnow(),
        )
        session.add(run)
        await session.flush()
        run_id = run.id
    html = await page(client, f"/staff/announcements/{mine}")
    assert f'id="run-{run_id}"' in html and "Lần gửi tới: <strong>04/01/2030 17:00" in html
    assert (await post(client, f"/staff/announcements/{mine}/edit", an, text="x")).status == 400
    assert (
        await client.get(f"/staff/announcements/{mine}/edit", allow_redirects=False)
    ).status == 303

    chi = await login(client, "chi")
    refused = await post(client, f"/staff/announcements/{theirs}/cancel", chi)
    assert refused.status == 403 and (await stored(client, theirs)).status == "draft"
    an = await login(client, "an")
    yes = {"confirm": "yes"}
    assert (await post(client, f"/staff/announcements/{mine}/cancel", an, **yes)).status == 303
    cancelled = await stored(client, mine)
    assert cancelled.status == "cancelled" and cancelled.next_run_at is None
    twice = await post(client, f"/staff/announcements/{mine}/cancel", an, **yes)
    assert twice.status == 400 and "Thông báo đã gửi xong hoặc đã hủy." in await twice.text()
    late = await post(client, f"/staff/announcements/{mine}/approve", an)
    assert late.status == 400 and "không ở trạng thái chờ duyệt" in await late.text()
    await page(client, "/staff/announcements/99999", status=404)
    await page(client, "/staff/announcements/abc", status=404)


async def test_staff_link_their_telegram_account_with_a_code_sent_there(
    client: TestClient, fake: FakeTelegram
) -> None:
    """Typing an id proves nothing (anyone could claim a colleague's and draft as them): the
    link holds only once the code sent to that Telegram chat is typed back."""

    async def linked(username: str) -> str | None:
        async with client.app[DEPS].sessions() as session:
            query = select(StaffUser.telegram_user_id).where(StaffUser.username == username)
            return await session.scalar(query)

    async def code_sent_to(chat: str, count: int) -> str:
        await fake.wait_for("sendMessage", count)
        sent = [m for m in fake.called("sendMessage") if str(m["chat_id"]) == chat]
        return re.search(r"\b(\d{6})\b", sent[-1]["text"]).group(1)

    chi = await login(client, "chi")
    bad = await post(client, "/staff/account", chi, telegram_user_id="12345abc")
    assert bad.status == 400 and "chỉ gồm chữ số" in await bad.text()
    asked = await post(client, "/staff/account", chi, telegram_user_id=" 987654321 ")
    assert asked.status == 303 and await linked("chi") is None  # not before the proof
    shown = await page(client, "/staff/account?done=sent")
    assert 'id="telegram-code"' in shown and "987654321" in shown
    code = await code_sent_to("987654321", 1)
    wrong = "000000" if code != "000000" else "111111"
    refused = await post(client, "/staff/account/telegram-code", chi, code=wrong)
    assert refused.status == 400 and "Mã chưa đúng" in await refused.text()
    assert await linked("chi") is None
    ok = await post(client, "/staff/account/telegram-code", chi, code=f"{code[:3]} {code[3:]}")
    assert ok.status == 303 and await linked("chi") == "987654321"
    assert 'id="telegram-linked">987654321<' in await page(client, "/staff/account?done=linked")
    async with client.app[DEPS].sessions() as session:  # the code is not kept once used
        kept = await session.scalars(select(Outbox.text).where(Outbox.kind == "staff_code"))
        assert all(code not in text for text in kept)

    # Someone claiming chi's Telegram: refused; claiming another's: the code never reaches
    # them, and guessing ends after five tries.
    an = await login(client, "an")
    clash = await post(client, "/staff/account", an, telegram_user_id="987654321")
    assert clash.status == 400 and "đã gắn với tài khoản cán bộ khác" in await clash.text()
    await post(client, "/staff/account", an, telegram_user_id="555000555")
    for guess in range(5):
        tried = await post(client, "/staff/account/telegram-code", an, code=f"{guess:06d}")
        assert tried.status == 400
    assert "Bạn xin mã mới" in await tried.text() and await linked("an") is None
    late = await post(client, "/staff/account/telegram-code", an, code="123456")
    assert late.status == 400 and "hết hạn hoặc chưa được gửi" in await late.text()

    # A chat that never started the bot: the page says so, instead of waiting forever.
    fake.fail[("sendMessage", "444000444")] = [blocked()]
    await post(client, "/staff/account", an, telegram_user_id="444000444")
    for _ in range(50):
        if "Chưa gửi được mã" in await page(client, "/staff/account"):
            break
        await asyncio.sleep(0.1)
    assert "Chưa gửi được mã" in await page(client, "/staff/account")

    chi = await login(client, "chi")
    assert (await post(client, "/staff/account", chi, telegram_user_id="")).status == 303
    assert await linked("chi") is None


async def test_only_the_author_or_an_admin_edits_submits_or_withdraws_a_draft(
    client: TestClient,
) -> None:
    author = await login(client, "chi")
    mine = await draft(client, author)
    other = await login(client, "dung")
    for action in ("edit", "submit", "cancel"):
        data = {"text": "Sửa trộm", "topics": TOPIC} if action == "edit" else {}
        refused = await post(client, f"/staff/announcements/{mine}/{action}", other, **data)
        assert refused.status == 403, action
    assert (await client.get(f"/staff/announcements/{mine}/edit")).status == 403
    assert (await stored(client, mine)).text == TEXT
    author = await login(client, "chi")
    edited = await post(
        client, f"/staff/announcements/{mine}/edit", author, text=TEXT + " (sửa)", topics=TOPIC
    )
    assert edited.status == 303


async def test_an_approval_is_for_the_version_the_admin_read(client: TestClient) -> None:
    author = await login(client, "chi")
    mine = await draft(client, author)
    await post(client, f"/staff/announcements/{mine}/submit", author)
    admin = await login(client, "an")
    read = await shown_version(client, f"/staff/announcements/{mine}")
    author = await login(client, "chi")  # the author edits while the admin reads
    await post(
        client, f"/staff/announcements/{mine}/edit", author, text="Bản khác hẳn", topics=TOPIC
    )
    admin = await login(client, "an")
    stale = await post(client, f"/staff/announcements/{mine}/approve", admin, version=read)
    assert stale.status == 400 and "xem lại bản mới" in await stale.text()
    assert (await stored(client, mine)).status == "draft"
    fresh = await post(client, f"/staff/announcements/{mine}/approve", admin)  # reads it again
    assert fresh.status == 303
    assert (await stored(client, mine)).approved_by == "staff:an"
