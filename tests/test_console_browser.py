"""The staff console in a real browser: sign in, open the newest feedback, answer it, mark it
resolved. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select, update

from bot.app import create_app
from bot.keys import DEPS
from bot.settings import Settings
from bot.staff import auth
from db import feedback_queries as fq
from db.models import VIETNAM, CannedReply, Feedback, Outbox, StaffSession, utcnow
from handlers.domain.types import IncomingMessage
from handlers.engine import handle
from tests.browser import ARTIFACTS, chromium, need_browser, serve
from tests.flows import next_step

if TYPE_CHECKING:
    from playwright.async_api import Page

VISITOR = "visitor-browser-0123456789"


async def _file(deps, text: str) -> str:
    response = await handle(IncomingMessage("web", VISITOR, text="gửi phản ánh"), deps)
    response = await handle(
        IncomingMessage("web", VISITOR, payload=response.replies[-1].buttons[2].payload), deps
    )
    response = await handle(IncomingMessage("web", VISITOR, text=text), deps)
    while (title := next_step(b.title for b in response.replies[-1].buttons)) is not None:
        button = next(b for b in response.replies[-1].buttons if b.title == title)
        response = await handle(IncomingMessage("web", VISITOR, payload=button.payload), deps)
        if title.startswith("Gửi phản ánh"):
            break
    return response.content_id


async def test_staff_answer_and_resolve_the_newest_feedback(tmp_path: Path) -> None:
    need_browser()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/console.sqlite3"))
    async with serve(app) as url, chromium() as browser:
        deps = app[DEPS]
        async with deps.sessions() as session, session.begin():
            await auth.add_staff(session, "lan", "Nguyễn Thị Lan", "mat-khau-dai-1", "staff")
        await _file(deps, "Đèn đường ở hẻm 12 Trần Phú hỏng ba hôm nay")
        newest = await _file(deps, "Nước sinh hoạt có mùi lạ ở tổ dân phố 4")
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(url + "/staff/")
        await page.get_by_label("Tên đăng nhập").fill("lan")
        await page.get_by_label("Mật khẩu").fill("mat-khau-dai-1")
        await page.get_by_role("button", name="Đăng nhập").click()
        await page.get_by_role("heading", name="Phản ánh, kiến nghị").wait_for()
        await page.screenshot(path=str(ARTIFACTS / "console-inbox.png"), full_page=True)
        first_link = page.locator("tbody tr td a").first
        assert await first_link.inner_text() == newest  # newest first
        await first_link.click()
        await page.get_by_label("Nội dung gửi tới người dân").fill(
            "Công ty cấp nước đã kiểm tra và xúc rửa đường ống. Cảm ơn bạn đã báo."
        )
        await page.get_by_label("Sau khi trả lời, chuyển sang").select_option("resolved")
        await page.get_by_role("button", name="Gửi trả lời").click()
        await page.locator("h1 .badge", has_text="Đã giải quyết xong").wait_for()
        await page.screenshot(path=str(ARTIFACTS / "console-resolved.png"), full_page=True)
        async with deps.sessions() as session:  # before the app (and its engine) stops
            record = (
                await session.execute(
                    select(Feedback).where(Feedback.service_request_id == newest)
                )
            ).scalar_one()
            queued = (await session.execute(select(Outbox))).scalar_one()
    assert record.status == "resolved" and record.resolved_at is not None
    assert "xúc rửa" in queued.text and queued.channel == "web"


@pytest.mark.parametrize("width,height", [(390, 844), (1280, 800)])
async def test_an_officers_day_search_assign_canned_reply_note_resolve(
    tmp_path: Path, width: int, height: int
) -> None:
    """Search without diacritics, take the record, write an internal note, insert a canned
    reply where the cursor is, resolve: on a phone and on a desk screen."""
    need_browser()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/journey.sqlite3"))
    shot = f"console-journey-{width}"
    async with serve(app) as url, chromium() as browser:
        deps = app[DEPS]
        async with deps.sessions() as session, session.begin():
            lan = await auth.add_staff(session, "lan", "Nguyễn Thị Lan", "mat-khau-dai-1", "staff")
            session.add(
                CannedReply(
                    title="Đã tiếp nhận",
                    text="Phường đã tiếp nhận phản ánh {ma}, trả lời trước {han}.",
                    owner_id=lan.id,
                )
            )
        await _file(deps, "Đèn đường ở hẻm 12 Trần Phú hỏng ba hôm nay")
        code = await _file(deps, "Nước ngập sâu ở tổ dân phố 4 sau cơn mưa tối qua")
        page = await browser.new_page(viewport={"width": width, "height": height})
        await page.goto(url + "/staff/")
        await page.get_by_label("Tên đăng nhập").fill("lan")
        await page.get_by_label("Mật khẩu").fill("mat-khau-dai-1")
        await page.get_by_role("button", name="Đăng nhập").click()
        await page.get_by_role("heading", name="Phản ánh, kiến nghị").wait_for()

        await page.get_by_role("searchbox").fill("ngap sau")  # no diacritics
        await page.get_by_role("button", name="Lọc").click()
        await page.locator("#total", has_text="1 phản ánh").wait_for()
        rows = page.locator("table.inbox tbody tr")
        assert await rows.count() == 1
        await page.screenshot(path=str(ARTIFACTS / f"{shot}-1-search.png"), full_page=True)
        await rows.get_by_role("link", name=code).click()

        await page.get_by_label("Cán bộ", exact=True).select_option(
            label="Nguyễn Thị Lan (Cán bộ) – tôi"
        )
        await page.get_by_role("button", name="Giao", exact=True).click()
        if await page.locator(".nav-button").is_visible():  # a phone: the menu is folded
            await page.locator(".nav-button .count", has_text="1").wait_for()
            await page.locator(".nav-button").click()
        await page.locator("#mine .count", has_text="1").wait_for()
        await page.get_by_label("Ghi chú nội bộ").fill("Hẹn công ty thoát nước sáng thứ Hai")
        await page.get_by_role("button", name="Lưu ghi chú").click()
        await page.locator(".event.internal", has_text="Hẹn công ty thoát nước").wait_for()

        box = page.get_by_label("Nội dung gửi tới người dân")
        await box.fill("Chào bác. Trân trọng.")
        await box.press("Home")
        for _ in range(len("Chào bác. ")):  # the cursor after the greeting
            await box.press("ArrowRight")
        await page.get_by_label("Chèn mẫu trả lời").select_option(label="Đã tiếp nhận")
        async with deps.sessions() as session:
            record = await fq.by_code(session, code)
        due = record.expected_datetime.astimezone(VIETNAM).strftime("%d/%m/%Y")
        canned = f"Phường đã tiếp nhận phản ánh {code}, trả lời trước {due}."
        assert await box.input_value() == f"Chào bác. {canned} Trân trọng."
        await page.get_by_label("Sau khi trả lời, chuyển sang").select_option("resolved")
        await page.screenshot(path=str(ARTIFACTS / f"{shot}-2-reply.png"), full_page=True)
        await page.get_by_role("button", name="Gửi trả lời").click()
        await page.locator("h1 .badge", has_text="Đã giải quyết xong").wait_for()
        assert await page.locator("#mine .count").count() == 0  # nothing waits for Lan now
        thread = page.locator("#trao-doi")
        assert "Trân trọng." in await thread.inner_text()
        await page.screenshot(path=str(ARTIFACTS / f"{shot}-3-resolved.png"), full_page=True)
        async with deps.sessions() as session:
            sent = list((await session.execute(select(Outbox.text))).scalars())
    assert len(sent) == 1 and canned in sent[0]
    assert "thoát nước" not in sent[0]  # the internal note stayed inside


async def test_a_reply_typed_when_the_session_expired_comes_back_after_signing_in(
    tmp_path: Path,
) -> None:
    need_browser()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/expired.sqlite3"))
    async with serve(app) as url, chromium() as browser:
        deps = app[DEPS]
        async with deps.sessions() as session, session.begin():
            await auth.add_staff(session, "lan", "Nguyễn Thị Lan", "mat-khau-dai-1", "staff")
        code = await _file(deps, "Cống thoát nước tổ 6 bị tắc")
        page = await browser.new_page(viewport={"width": 1280, "height": 800})
        await page.goto(f"{url}/staff/feedback/{code}")
        await page.get_by_label("Tên đăng nhập").fill("lan")
        await page.get_by_label("Mật khẩu").fill("mat-khau-dai-1")
        await page.get_by_role("button", name="Đăng nhập").click()
        box = page.get_by_label("Nội dung gửi tới người dân")
        typed = "Đội vệ sinh sẽ thông cống trong sáng mai."
        await box.fill(typed)
        async with deps.sessions() as session, session.begin():  # a long lunch break
            await session.execute(
                update(StaffSession).values(expires_at=utcnow() - timedelta(minutes=1))
            )
        await page.get_by_role("button", name="Gửi trả lời").click()
        await page.get_by_text("Phiên làm việc đã hết hạn").wait_for()
        await page.screenshot(path=str(ARTIFACTS / "console-expired.png"), full_page=True)
        await page.get_by_label("Tên đăng nhập").fill("lan")
        await page.get_by_label("Mật khẩu").fill("mat-khau-dai-1")
        await page.get_by_role("button", name="Đăng nhập").click()
        await page.get_by_role("heading", name=f"Phản ánh {code}").wait_for()
        assert await box.input_value() == typed  # back on its page, nothing lost
        async with deps.sessions() as session:
            queued = (await session.execute(select(Outbox))).first()
    assert queued is None  # nothing was sent by the expired session


async def test_the_tech_team_drafts_and_an_admin_approves_an_announcement(tmp_path: Path) -> None:
    need_browser()
    from db import queries

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/announce.sqlite3"))
    async with serve(app) as url, chromium() as browser:
        deps = app[DEPS]
        async with deps.sessions() as session, session.begin():
            await auth.add_staff(session, "chi", "Trần Văn Chi", "mat-khau-dai-1", "tech_team")
            await auth.add_staff(session, "an", "Lê Thị An", "mat-khau-dai-1", "admin")
            for i in range(3):
                user = await queries.get_or_create_user(session, "web", f"visitor-{i:020d}")
                await queries.subscribe(session, user.id, ["chuyen-doi-so"])

        async def sign_in(username: str) -> Page:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            await page.goto(url + "/staff/login")
            await page.get_by_label("Tên đăng nhập").fill(username)
            await page.get_by_label("Mật khẩu").fill("mat-khau-dai-1")
            await page.get_by_role("button", name="Đăng nhập").click()
            return page

        tech = await sign_in("chi")
        await tech.get_by_role("link", name="Soạn thông báo mới").click()
        await tech.get_by_label("Nội dung").fill(
            "Tối thứ Bảy 19:30, nhà văn hóa TDP 3 mở lớp Bình dân học vụ số: cài VNeID, "
            "nộp hồ sơ trực tuyến. Bà con mang theo điện thoại và CCCD."
        )
        await tech.get_by_label("Chuyển đổi số").check()
        await tech.get_by_role("button", name="Lưu bản nháp").click()
        await tech.get_by_role("heading", name="Người dân sẽ nhận như sau").wait_for()
        await tech.screenshot(path=str(ARTIFACTS / "announcement-preview.png"), full_page=True)
        await tech.get_by_role("button", name="Gửi duyệt").click()
        await tech.locator("#status", has_text="Chờ duyệt").wait_for()
        announcement_path = tech.url.split("?")[0].removeprefix(url)

        admin = await sign_in("an")
        await admin.goto(url + announcement_path)
        await admin.get_by_role("button", name="Duyệt", exact=True).click()
        await admin.get_by_role("heading", name="Kết quả gửi").wait_for(timeout=20_000)
        await admin.locator("#status", has_text="Đã gửi xong").wait_for(timeout=20_000)
        await admin.screenshot(path=str(ARTIFACTS / "announcement-sent.png"), full_page=True)
        async with deps.sessions() as session:
            rows = list((await session.execute(select(Outbox.status))).scalars())
    assert rows == ["awaiting_pickup"] * 3


async def test_the_report_page_shows_the_month_with_its_charts(tmp_path: Path) -> None:
    need_browser()
    from tests.report_data import fill

    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/report.sqlite3"))
    async with serve(app) as url, chromium() as browser:
        async with app[DEPS].sessions() as session, session.begin():
            await auth.add_staff(session, "lan", "Nguyễn Thị Lan", "mat-khau-dai-1", "staff")
            await fill(session)
        page = await browser.new_page(viewport={"width": 1280, "height": 900})
        await page.goto(url + "/staff/login")
        await page.get_by_label("Tên đăng nhập").fill("lan")
        await page.get_by_label("Mật khẩu").fill("mat-khau-dai-1")
        await page.get_by_role("button", name="Đăng nhập").click()
        await page.get_by_role("link", name="Báo cáo").click()
        await page.goto(url + "/staff/report?month=2026-10")
        await page.get_by_role("heading", name="4. Phản ánh, kiến nghị").wait_for()
        images = page.locator("figure.chart img")
        assert await images.count() == 6
        for i in range(6):  # lazy images: bring each into view and wait until it is drawn
            await images.nth(i).scroll_into_view_if_needed()
            await page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0",
                arg=await images.nth(i).element_handle(),
            )
        await page.screenshot(path=str(ARTIFACTS / "report-page.png"), full_page=True)
        body = await page.locator("main").inner_text()
    assert "tháng 10/2026" in body and "Đăng ký khai sinh" in body
    assert "8. Bình dân học vụ số và cuộc thi" in body
    assert "0905123456" not in body
