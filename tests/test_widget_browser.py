"""The website chat widget in a real browser: Playwright driving Debian's Chromium headless.

Screenshots are kept in test-artifacts/ at the repository root.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import create_app
from bot.keys import DEPS, OUTBOX
from bot.settings import Settings
from db import feedback_queries as fq
from db.models import Contest, ContestAttempt, Learner, utcnow
from tests.browser import ARTIFACTS, chromium, need_browser, serve


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[str]:
    need_browser()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/web.sqlite3"))
    async with serve(app) as url:
        yield url


@pytest.fixture
async def browser():
    need_browser()
    async with chromium() as launched:
        yield launched


async def test_widget_answers_the_birth_registration_question(site: str, browser) -> None:
    page = await browser.new_page(viewport={"width": 390, "height": 844})  # a phone screen
    await page.goto(site + "/")
    await page.locator("button.bubble").click()
    await page.get_by_text("Xin chào! Mình là trợ lý").wait_for()
    box = page.get_by_label("Câu hỏi của bạn")
    await box.fill("lam giay khai sinh cho con")
    await box.press("Enter")
    card = page.get_by_text("ĐĂNG KÝ KHAI SINH").first
    await card.wait_for()
    await page.screenshot(path=str(ARTIFACTS / "widget-khai-sinh-phone.png"))
    # A choice under the card works as a button.
    await page.get_by_role("button", name="Xem thêm: hồ sơ, các bước").click()
    await page.get_by_text("Giấy chứng sinh").first.wait_for()
    # The conversation survives a reload (same anonymous id, same transcript).
    await page.reload()
    await page.get_by_text("ĐĂNG KÝ KHAI SINH").first.wait_for()
    await page.screenshot(path=str(ARTIFACTS / "widget-after-reload.png"))


async def test_widget_is_usable_with_the_keyboard_alone(site: str, browser) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 800})
    await page.goto(site + "/")
    await page.keyboard.press("Tab")  # the only focusable thing on the demo page
    await page.keyboard.press("Enter")
    await page.get_by_text("Xin chào! Mình là trợ lý").wait_for()
    await page.keyboard.type("so dien thoai khan cap")
    await page.keyboard.press("Enter")
    await page.get_by_text("113").first.wait_for()
    focused = await page.evaluate(
        "document.getElementById('ward-assistant').shadowRoot.activeElement.id"
    )
    assert focused == "wa-input"
    await page.keyboard.press("Escape")
    assert await page.locator("section.panel").is_hidden()
    await page.screenshot(path=str(ARTIFACTS / "widget-desktop-closed.png"))


async def open_widget(browser, url: str):
    """A phone-sized page with the widget open and greeted: the page and the visitor's id."""
    page = await browser.new_page(viewport={"width": 390, "height": 844})
    await page.goto(url + "/")
    await page.locator("button.bubble").click()
    await page.get_by_text("Xin chào! Mình là trợ lý").wait_for()
    visitor = await page.evaluate(
        "JSON.parse(localStorage.getItem(Object.keys(localStorage)[0])).user"
    )
    return page, visitor


async def test_a_staff_answer_appears_in_the_widget(tmp_path: Path, browser) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/answer.sqlite3"))
    async with serve(app) as url:
        page, visitor = await open_widget(browser, url)
        async with app[DEPS].sessions() as session, session.begin():
            await fq.enqueue(
                session,
                "web",
                visitor,
                "Phường trả lời phản ánh PA-2611-ABCD: đã sửa đèn đường.",
                "feedback_reply",
            )
        await app[OUTBOX].drain_once()  # the web channel marks it waiting for pickup
        await page.reload()  # the widget fetches waiting answers on load (and every 30 s)
        await page.get_by_text("đã sửa đèn đường").wait_for()
        await page.screenshot(path=str(ARTIFACTS / "widget-staff-answer.png"))


async def test_a_picture_sent_to_a_visitor_shows_in_the_widget(tmp_path: Path, browser) -> None:
    """An announcement's picture or a contest certificate: the widget shows the image itself
    (a relative address is the assistant's own), not a bare link or nothing."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/picture.sqlite3"))
    async with serve(app) as url:
        page, visitor = await open_widget(browser, url)
        async with app[DEPS].sessions() as session, session.begin():
            contest = Contest(
                title="Tìm hiểu chuyển đổi số", starts_at=utcnow() - timedelta(days=2),
                ends_at=utcnow() - timedelta(days=1), published=True, created_by="cli",
            )  # fmt: skip
            learner = Learner(code="PICT01")
            session.add_all([contest, learner])
            await session.flush()
            session.add(
                ContestAttempt(
                    contest_id=contest.id, learner_id=learner.id, channel="web",
                    name="Phạm Thị Thu Hà", score=2, total=2, finished_at=utcnow(),
                    seconds=30.0, certificate="picture-token-0001",
                )
            )  # fmt: skip
            row = await fq.enqueue(session, "web", visitor, "Giấy chứng nhận của bạn:", "notice")
            row.image_url = "/chung-nhan/picture-token-0001.png"
        await app[OUTBOX].drain_once()
        await page.reload()
        await page.get_by_text("Giấy chứng nhận của bạn:").wait_for()
        picture = page.locator("#ward-assistant .msg.bot img").last
        await picture.wait_for()
        assert (await picture.get_attribute("src")).endswith("/chung-nhan/picture-token-0001.png")
        fetched = await page.request.get(url + "/chung-nhan/picture-token-0001.png")
        assert fetched.status == 200, fetched.status
        await picture.scroll_into_view_if_needed()
        await picture.evaluate(
            "img => img.complete ? null : new Promise(done => img.addEventListener('load', done))"
        )
        assert await picture.evaluate("img => img.naturalWidth > 0")
        await page.screenshot(path=str(ARTIFACTS / "widget-picture.png"))
