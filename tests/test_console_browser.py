"""The staff console in a real browser: sign in, open the newest feedback, answer it, mark it
resolved. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.app import create_app
from bot.keys import DEPS
from bot.settings import Settings
from bot.staff import auth
from db.models import Feedback, Outbox
from handlers.engine import handle
from handlers.types import IncomingMessage
from tests.browser import ARTIFACTS, chromium, need_browser, serve

VISITOR = "visitor-browser-0123456789"


async def _file(deps, text: str) -> str:
    response = await handle(IncomingMessage("web", VISITOR, text="gửi phản ánh"), deps)
    response = await handle(
        IncomingMessage("web", VISITOR, payload=response.replies[-1].buttons[2].payload), deps
    )
    response = await handle(IncomingMessage("web", VISITOR, text=text), deps)
    for title in ("Bỏ qua", "Bỏ qua", "Không", "Gửi phản ánh"):
        button = next(b for b in response.replies[-1].buttons if b.title.startswith(title))
        response = await handle(IncomingMessage("web", VISITOR, payload=button.payload), deps)
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
