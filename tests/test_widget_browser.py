"""The website chat widget in a real browser: Playwright driving Debian's Chromium headless.

Screenshots are kept in test-artifacts/ at the repository root.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.app import create_app
from bot.settings import Settings

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _need_browser() -> None:
    missing = []
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("the playwright package")
    if not Path(CHROMIUM).exists():
        missing.append(f"Chromium at {CHROMIUM}")
    if missing:
        reason = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[str]:
    _need_browser()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/web.sqlite3"))
    runner = web.AppRunner(app)
    await runner.setup()
    server = web.TCPSite(runner, "127.0.0.1", 0)
    await server.start()
    port = server._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


@pytest.fixture
async def browser():
    _need_browser()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


async def test_widget_answers_the_birth_registration_question(site: str, browser) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
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
    await page.get_by_role("button", name="Hồ sơ cần chuẩn bị").click()
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
