"""The announcement pages of the console: the tech team drafts, an admin approves (twice for
an emergency), residents receive it, and the page shows what happened. Runs on SQLite and on
PostgreSQL (the app is handed the `engine` fixture's database)."""

from __future__ import annotations

import asyncio
import html as htmllib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
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
from bot.staff.common import local_time
from content.areas import area_key
from db import queries
from db.models import Announcement, Feedback, Outbox, StaffUser, User, utcnow
from handlers.domain.actions import Action
from handlers.domain.announcements import Queuer
from handlers.domain.calendar import VIETNAM
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


# --- issue 20 ("Daily use"), items 11 and 13 ---------------------------------------------------


def local_input(moment: datetime) -> str:
    """The datetime-local value a browser sends for this moment (Vietnam time)."""
    return moment.astimezone(VIETNAM).strftime("%Y-%m-%dT%H:%M")


def ask_of(html: str) -> str:
    """The question and details of a page that asks before acting."""
    found = html.split('id="ask"', 1)[1].split('<div class="preview">', 1)[0]
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", found))


async def test_a_send_time_in_the_past_is_refused_with_what_to_do(client: TestClient) -> None:
    csrf = await login(client, "chi")
    past = local_input(utcnow() - timedelta(hours=2))
    response = await post(
        client, "/staff/announcements/new", csrf, text=TEXT, topics=TOPIC, send_at=past
    )
    html = htmllib.unescape(await response.text())
    assert response.status == 400
    assert "đã qua (bây giờ là" in html and "để trống ô “Giờ gửi” để gửi ngay" in html
    assert f'value="{past}"' in html  # what was typed comes back to be corrected
    async with client.app[DEPS].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Announcement)) == 0

    soon = local_input(utcnow() + timedelta(hours=1))
    mine = await draft(client, csrf, send_at=soon)
    edited = await post(
        client, f"/staff/announcements/{mine}/edit", csrf, text=TEXT, topics=TOPIC, send_at=past
    )
    assert edited.status == 400 and "đã qua" in await edited.text()
    assert (await stored(client, mine)).send_at > utcnow()
    # A series may not start in the past either; "as soon as approved" stays empty.
    series = await post(
        client,
        "/staff/announcements/new",
        csrf,
        text=TEXT,
        topics=TOPIC,
        send_at=past,
        repeat="weekly",
    )
    assert series.status == 400 and "đã qua" in await series.text()
    assert (await stored(client, await draft(client, csrf))).send_at is None


async def test_an_approval_after_the_send_time_passed_asks_to_send_now(
    client: TestClient,
) -> None:
    chi = await login(client, "chi")
    mine = await draft(client, chi, send_at=local_input(utcnow() + timedelta(minutes=30)))
    await post(client, f"/staff/announcements/{mine}/submit", chi)
    async with client.app[DEPS].sessions() as session, session.begin():  # it waited too long
        late = utcnow() - timedelta(hours=1)
        await session.execute(
            update(Announcement).where(Announcement.id == mine).values(send_at=late)
        )
    an = await login(client, "an")
    asked = await post(client, f"/staff/announcements/{mine}/approve", an)
    assert asked.status == 200
    html = await asked.text()
    assert "Gửi ngay?" in html and "đã qua trong lúc chờ duyệt" in ask_of(html)
    assert 'name="late" value="yes"' in html
    assert (await stored(client, mine)).status == "submitted"  # nothing went out
    sent = await post(client, f"/staff/announcements/{mine}/approve", an, late="yes")
    assert sent.status == 303 and (await stored(client, mine)).approved_by == "staff:an"


async def test_cancelling_asks_first_and_the_author_withdraws_an_approved_one(
    client: TestClient,
) -> None:
    chi = await login(client, "chi")
    mine = await draft(client, chi, send_at=local_input(utcnow() + timedelta(days=1)))
    await post(client, f"/staff/announcements/{mine}/submit", chi)
    an = await login(client, "an")
    assert (await post(client, f"/staff/announcements/{mine}/approve", an)).status == 303

    dung = await login(client, "dung")  # another member of the tech team: not theirs
    url = f"/staff/announcements/{mine}/cancel"
    assert (await post(client, url, dung, confirm="yes")).status == 403
    chi = await login(client, "chi")
    detail = await page(client, f"/staff/announcements/{mine}")
    assert "Hủy thông báo…" in detail
    asked = await post(client, url, chi)
    assert asked.status == 200
    question = ask_of(await asked.text())
    assert f"Hủy thông báo #{mine}?" in question and "sẽ không được gửi" in question
    assert (await stored(client, mine)).status == "approved"
    done = await post(client, url, chi, confirm="yes")
    assert done.status == 303 and (await stored(client, mine)).status == "cancelled"

    # Once it is going out, only an admin stops it.
    theirs = await draft(client, chi)
    await post(client, f"/staff/announcements/{theirs}/submit", chi)
    async with client.app[DEPS].sessions() as session, session.begin():
        await session.execute(
            update(Announcement).where(Announcement.id == theirs).values(status="sending")
        )
    assert "Hủy thông báo…" not in await page(client, f"/staff/announcements/{theirs}")
    refused = await post(client, f"/staff/announcements/{theirs}/cancel", chi, confirm="yes")
    assert refused.status == 403 and (await stored(client, theirs)).status == "sending"


async def test_one_run_of_a_series_is_cancelled_and_the_others_still_go(
    client: TestClient,
) -> None:
    await residents(client)
    chi = await login(client, "chi")
    start = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
    series_id = await draft(client, chi, send_at=local_input(start), repeat="weekly")
    await post(client, f"/staff/announcements/{series_id}/submit", chi)
    an = await login(client, "an")
    assert (await post(client, f"/staff/announcements/{series_id}/approve", an)).status == 303
    runs = [start + timedelta(weeks=i) for i in range(6)]

    chi = await login(client, "chi")  # the author cancels runs of their approved series
    html = await page(client, f"/staff/announcements/{series_id}")
    upcoming = html.split('id="upcoming"', 1)[1].split("</table>", 1)[0]
    assert upcoming.count("Hủy lần này…") == 6 and "Sẽ gửi" in upcoming
    second = runs[1].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert f'name="at" value="{second}"' in upcoming
    url = f"/staff/announcements/{series_id}/runs/cancel"
    asked = await post(client, url, chi, at=second)
    assert asked.status == 200
    assert f"Hủy lần gửi lúc {local_time(runs[1])} của chuỗi #{series_id}?" in ask_of(
        await asked.text()
    )
    assert (await post(client, url, chi, at=second, confirm="yes")).status == 303
    html = await page(client, f"/staff/announcements/{series_id}?done=run_cancelled")
    assert "các lần khác của chuỗi vẫn gửi theo lịch" in html
    row = html.split('id="upcoming-2"', 1)[1].split("</tr>", 1)[0]
    assert "Đã hủy lần này" in row and "Hủy lần này…" not in row
    again = await post(client, url, chi, at=second, confirm="yes")
    assert again.status == 400 and "đã được hủy rồi" in await again.text()
    for wrong in (start + timedelta(days=2), utcnow() - timedelta(weeks=1), None):
        at = wrong.strftime("%Y-%m-%dT%H:%M:%SZ") if wrong else "không phải giờ"
        refused = await post(client, url, chi, at=at, confirm="yes")
        assert refused.status == 400 and "không còn hủy được" in await refused.text()

    # The scheduler passes a cancelled run by (both databases compare the stored times).
    async with client.app[DEPS].sessions() as session, session.begin():
        await session.execute(
            update(Announcement).where(Announcement.id == series_id).values(next_run_at=runs[1])
        )
    queuer = Queuer(client.app[DEPS].catalogue.ward.name)
    async with client.app[DEPS].sessions() as session, session.begin():
        assert await queuer._run_series(session, series_id, runs[1], runs[1]) is None
    series = await stored(client, series_id)
    assert series.status == "approved" and series.next_run_at == runs[2]
    async with client.app[DEPS].sessions() as session:
        kept = list(
            (
                await session.execute(
                    select(Announcement.status, Announcement.queued_at).where(
                        Announcement.series_id == series_id
                    )
                )
            ).all()
        )
    assert kept == [("cancelled", None)]  # the cancelled run, never queued
    async with client.app[DEPS].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Outbox)) == 0

    # Cancelling the next run moves the series on; the whole series asks, listing its runs.
    third = runs[2].strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (await post(client, url, chi, at=third, confirm="yes")).status == 303
    assert (await stored(client, series_id)).next_run_at == runs[3]
    whole = await post(client, f"/staff/announcements/{series_id}/cancel", chi)
    question = ask_of(await whole.text())
    assert "Hủy cả chuỗi thông báo" in question and local_time(runs[3]) in question
    assert local_time(runs[2]) not in question
    gone = await post(client, f"/staff/announcements/{series_id}/cancel", chi, confirm="yes")
    assert gone.status == 303 and (await stored(client, series_id)).next_run_at is None


async def test_admins_see_how_many_approvals_wait(client: TestClient) -> None:
    chi = await login(client, "chi")
    first, second = await draft(client, chi), await draft(client, chi)
    await draft(client, chi)  # a draft not sent for approval does not count
    for announcement_id in (first, second):
        await post(client, f"/staff/announcements/{announcement_id}/submit", chi)
    assert 'id="nav-waiting"' not in await page(client, "/staff/announcements")  # tech team

    an = await login(client, "an")
    for url in ("/staff/", "/staff/announcements", "/staff/report", "/staff/contests"):
        html = await page(client, url)  # every page, whichever view renders it
        assert re.search(r'id="nav-waiting"[^>]*>2</span>', html), url
    listing = await page(client, "/staff/announcements")
    notice = listing.split('id="waiting-approvals"', 1)[1].split("</p>", 1)[0]
    assert "<strong>2</strong> thông báo đang chờ bạn duyệt" in notice
    assert f'href="/staff/announcements/{first}"' in notice
    await post(client, f"/staff/announcements/{first}/approve", an)
    html = await page(client, "/staff/announcements")
    assert re.search(r'id="nav-waiting"[^>]*>1</span>', html)


async def test_the_form_has_one_emergency_switch_and_no_emergency_topic(
    client: TestClient,
) -> None:
    chi = await login(client, "chi")
    form = await page(client, "/staff/announcements/new")
    assert 'name="emergency"' in form and 'value="tin-khan"' not in form
    for code in ("chuyen-doi-so", "cai-cach-hanh-chinh", "lich-phat-thanh", "canh-bao-lua-dao"):
        assert f'name="topics" value="{code}"' in form
    # One stored with the old topic keeps it (and reaches those who follow it).
    legacy = await draft(client, chi, topics="tin-khan")
    edit = await page(client, f"/staff/announcements/{legacy}/edit")
    assert 'name="topics" value="tin-khan" checked' in edit
    assert "Tin khẩn" in await page(client, f"/staff/announcements/{legacy}")


async def test_the_audience_is_counted_live_as_choices_change(client: TestClient) -> None:
    await residents(client)
    chi = await login(client, "chi")
    form = await page(client, "/staff/announcements/new")
    assert 'data-audience="/staff/announcements/audience"' in form
    assert 'src="/staff/static/announcement-form.js"' in form
    script = await client.get("/staff/static/announcement-form.js")
    assert script.status == 200 and "fetch(form.dataset.audience" in await script.text()

    async def count(**fields: object) -> dict:
        response = await post(client, "/staff/announcements/audience", chi, **fields)
        assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
        return await response.json()

    everyone = await count(topics=TOPIC)
    assert everyone["total"] == 4 and everyone["note"] is None
    by_channel = {c["code"]: c["count"] for c in everyone["channels"]}
    assert by_channel == {"telegram": 2, "zalo_oa": 0, "zalo_bot": 0, "messenger": 0, "web": 2}
    assert (await count(topics=TOPIC, areas="Tổ dân phố số 3"))["total"] == 1
    only_web = await count(topics=TOPIC, channels="web")
    assert only_web["total"] == 2 and [c["code"] for c in only_web["channels"]] == ["web"]
    assert (await count(emergency="on"))["total"] == 5  # every active resident
    nothing = await count()
    assert nothing["total"] == 0 and "Chọn ít nhất một chủ đề" in nothing["note"]
    refused = await post(client, "/staff/announcements/audience", "wrong", topics=TOPIC)
    assert refused.status == 403
    await login(client, "binh")  # feedback staff do not make announcements
    binh = await login(client, "binh")
    assert (await post(client, "/staff/announcements/audience", binh)).status == 403
    async with client.app[DEPS].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Announcement)) == 0


async def test_area_suggestions_are_the_folded_keys_with_their_residents(
    client: TestClient,
) -> None:
    async with client.app[DEPS].sessions() as session, session.begin():
        typed = ["Tổ dân phố 3", "tdp 3", "TDP 03", "Khu phố Lê Lợi 4", "to 7"]
        for i, area in enumerate(typed):
            user = await queries.get_or_create_user(session, "web", f"visitor-area-{i:010d}")
            await queries.set_area(session, user.id, area, area_key(area))
        await session.execute(update(User).where(User.id == user.id).values(active=False))
    await login(client, "chi")
    form = await page(client, "/staff/announcements/new")
    options = re.findall(r'<option value="([^"]*)" label="([^"]*)">', form)
    assert options == [("TDP 3", "3 người dân"), ("TDP le loi 4", "1 người dân")]
    assert "tdp 3" not in form and "Tổ dân phố 3" not in form  # raw input stays out


@pytest.fixture
async def telegram_only(
    sqlite_engine: AsyncEngine, fake: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TestClient]:
    """A ward with Telegram and the website only."""
    monkeypatch.setattr(wiring, "create_engine", lambda _url: sqlite_engine)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/unused.sqlite3",
        telegram={"bot_token": fake.token, "api_url": fake.url},
    )
    app = create_app(settings)
    async with TestClient(TestServer(app)) as test_client:
        async with app[DEPS].sessions() as session, session.begin():
            await auth.add_staff(session, "an", "An", PASSWORD, "admin")
        yield test_client


async def test_only_the_configured_channels_are_offered_previewed_and_counted(
    telegram_only: TestClient,
) -> None:
    client = telegram_only
    await residents(client)
    async with client.app[DEPS].sessions() as session, session.begin():  # from before Zalo
        old = await queries.get_or_create_user(session, "zalo_bot", "zalo-user-1")  # was off
        await queries.subscribe(session, old.id, [TOPIC])
    an = await login(client, "an")
    form = await page(client, "/staff/announcements/new")
    offered = re.findall(r'name="channels" value="([a-z_]+)"', form)
    assert offered == ["telegram", "web"] and "reach-messenger" not in form
    refused = await post(
        client, "/staff/announcements/new", an, text=TEXT, topics=TOPIC, channels="zalo_bot"
    )
    assert refused.status == 400 and "chưa kết nối kênh Zalo Bot" in await refused.text()
    mine = await draft(client, an)
    html = await page(client, f"/staff/announcements/{mine}")
    assert re.findall(r'id="preview-([a-z_]+)"', html) == ["telegram", "web"]
    assert re.findall(r'id="audience-([a-z_]+)"', html) == ["telegram", "web", "total"]
    assert figure(html, "audience-total") == 4  # not the resident on the channel now off
    live = await (await post(client, "/staff/announcements/audience", an, topics=TOPIC)).json()
    assert live["total"] == 4
    emergency = await draft(client, an, topics="", emergency="on")
    confirm = await post(client, f"/staff/announcements/{emergency}/approve", an)
    assert "trên các kênh Telegram, Trang web phường;" in await confirm.text()
    assert (await post(client, f"/staff/announcements/{mine}/approve", an)).status == 303
    finished = await send_everything(client, mine)
    assert finished.recipients == 4  # queued only where the ward can send
