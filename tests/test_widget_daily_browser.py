"""Daily use of the website widget in a real browser (Playwright, Debian's Chromium), on a
390 px phone and a 1280 px desktop: where the transcript opens, links and pictures in
messages, a photo attached to feedback, a send that fails, and the resident's whole journey
to the public status page. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import create_app
from bot.keys import DEPS, OUTBOX
from bot.settings import Settings
from bot.staff import auth
from db import feedback_queries as fq
from tests.browser import ARTIFACTS, chromium, need_browser, serve
from tests.images import png

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
SCREENS = [pytest.param(PHONE, id="phone"), pytest.param(DESKTOP, id="desktop")]
GREETING = "Xin chào! Mình là trợ lý"
CODE = re.compile(r"PA-\d{4}-[2-9A-HJ-NP-Z]{4}")
PASSWORD = "mat-khau-dai-1"


@pytest.fixture
async def browser():
    need_browser()
    async with chromium() as launched:
        yield launched


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[object, str]]:
    need_browser()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/daily.sqlite3"))
    async with serve(app) as url:
        yield app, url


def _name(screen: dict) -> str:
    return "phone" if screen is PHONE else "desktop"


async def _store_key(page) -> str:
    return await page.evaluate("Object.keys(localStorage).find(k => k.startsWith('ward-'))")


async def seed_transcript(page, url: str, entries: int = 30, open_: bool = True) -> str:
    """A long conversation already in the browser (as the widget keeps it); the visitor id."""
    await page.goto(url + "/")
    log = [
        {"from": "me" if n % 2 else "bot", "text": f"Tin nhắn số {n}.\n" + "Dòng chữ. " * 12}
        for n in range(entries)
    ]
    visitor = "seeded0123456789abcdef"
    state = {"user": visitor, "log": log, "open": open_}
    await page.evaluate(
        "([key, value]) => localStorage.setItem(key, value)",
        [f"ward-assistant:{url}", json.dumps(state)],
    )
    return visitor


async def in_view(page, locator) -> bool:
    """The element's top is inside the transcript's visible area."""
    log = await page.locator("#ward-assistant .log").bounding_box()
    box = await locator.bounding_box()
    assert log is not None and box is not None
    return log["y"] - 1 <= box["y"] < log["y"] + log["height"] - 10


async def fully_in_view(page, locator) -> bool:
    log = await page.locator("#ward-assistant .log").bounding_box()
    box = await locator.bounding_box()
    assert log is not None and box is not None
    top, bottom = log["y"] - 1, log["y"] + log["height"] + 1
    return top <= box["y"] and box["y"] + box["height"] <= bottom


async def staff_answer(app, visitor: str, *texts: str) -> None:
    """Ward staff answered: messages wait for the widget to fetch them."""
    async with app[DEPS].sessions() as session, session.begin():
        for text in texts:
            await fq.enqueue(session, "web", visitor, text, "feedback_reply")
    await app[OUTBOX].drain_once()


# --- 1. where the transcript opens -----------------------------------------------------------


@pytest.mark.parametrize("screen", SCREENS)
async def test_a_reload_opens_at_the_newest_message(served, browser, screen: dict) -> None:
    _app, url = served
    page = await browser.new_page(viewport=screen)
    await seed_transcript(page, url)
    await page.reload()
    newest = page.locator("#ward-assistant .msg").last
    await newest.wait_for()
    assert await in_view(page, newest)
    assert not await in_view(page, page.locator("#ward-assistant .msg").first)
    await page.screenshot(path=str(ARTIFACTS / f"daily-reload-newest-{_name(screen)}.png"))


@pytest.mark.parametrize("screen", SCREENS)
async def test_the_widget_opens_at_the_first_unread_staff_answer(
    served, browser, screen: dict
) -> None:
    app, url = served
    page = await browser.new_page(viewport=screen)
    visitor = await seed_transcript(page, url, open_=False)
    await staff_answer(
        app,
        visitor,
        "Phường trả lời phản ánh PA-0312-VPUN:\nĐã cử người sửa đèn đường tổ 7.\n"
        + "Chi tiết. " * 40,
        "Phản ánh PA-0312-VPUN: Đã giải quyết xong.",
    )
    await page.reload()  # the resident comes back: waiting answers are fetched on load
    bubble = page.locator("#ward-assistant button.bubble")
    await page.wait_for_function(
        "document.getElementById('ward-assistant').shadowRoot"
        ".querySelector('.bubble').classList.contains('unread')"
    )
    await bubble.click()
    first_unread = page.locator("#ward-assistant .msg", has_text="Đã cử người sửa đèn")
    await first_unread.wait_for()
    assert await in_view(page, first_unread)
    await page.screenshot(path=str(ARTIFACTS / f"daily-first-unread-{_name(screen)}.png"))
    # Read now: the next reload opens at the newest message, and no dot is left.
    await page.reload()
    newest = page.locator("#ward-assistant .msg", has_text="Đã giải quyết xong")
    await newest.wait_for()
    assert await in_view(page, newest)
    assert "unread" not in (await bubble.get_attribute("class") or "")


# --- 3. links and pictures -------------------------------------------------------------------


async def test_links_in_messages_are_tappable_and_text_stays_text(served, browser) -> None:
    app, url = served
    page = await browser.new_page(viewport=PHONE)
    await page.goto(url + "/")
    await page.locator("#ward-assistant button.bubble").click()
    await page.get_by_text(GREETING).wait_for()
    visitor = json.loads(await page.evaluate(f"localStorage.getItem('ward-assistant:{url}')"))[
        "user"
    ]
    await staff_answer(
        app,
        visitor,
        "Bạn nộp hồ sơ tại https://dichvucong.gov.vn/p/home/dvc-trang-chu.html. "
        'Mẫu: <img src=x onerror="window.hacked=1"> <a href="https://evil.example">bấm</a>',
    )
    await page.reload()
    link = page.locator("#ward-assistant .msg a", has_text="dichvucong.gov.vn")
    await link.wait_for()
    assert await link.get_attribute("href") == (
        "https://dichvucong.gov.vn/p/home/dvc-trang-chu.html"  # the full stop is not in it
    )
    assert await link.get_attribute("target") == "_blank"
    assert await link.get_attribute("rel") == "noopener noreferrer"
    message = page.locator("#ward-assistant .msg", has_text="Mẫu:")
    assert await message.locator("img").count() == 0  # markup in a message is shown as text
    assert await message.locator("a", has_text="bấm").count() == 0
    assert "<img src=x" in await message.inner_text()
    assert await page.evaluate("window.hacked === undefined")
    await page.screenshot(path=str(ARTIFACTS / "daily-links-phone.png"))


async def test_a_picture_shows_with_a_link_to_it(served, browser) -> None:
    """A reply's or an update's picture (a certificate, an announcement's) is shown, and a
    link under it opens it full size."""
    app, url = served
    page = await browser.new_page(viewport=DESKTOP)
    visitor = await seed_transcript(page, url, entries=2)
    async with app[DEPS].sessions() as session, session.begin():
        row = await fq.enqueue(session, "web", visitor, "Giấy chứng nhận của bạn:", "notice")
        row.image_url = "/widget-picture.png"  # a path: the assistant's own address
    await app[OUTBOX].drain_once()
    await page.route("**/widget-picture.png", picture_route)
    await page.reload()
    message = page.locator("#ward-assistant .msg", has_text="Giấy chứng nhận của bạn:")
    await message.wait_for()
    picture = message.locator("img")
    await picture.evaluate(
        "img => img.complete ? null : new Promise(done => img.addEventListener('load', done))"
    )
    assert await picture.evaluate("img => img.naturalWidth") == 120
    link = message.locator("a", has_text="Mở ảnh cỡ lớn")
    assert await link.get_attribute("href") == f"{url}/widget-picture.png"
    assert await link.get_attribute("rel") == "noopener noreferrer"
    await page.screenshot(path=str(ARTIFACTS / "daily-picture-link-desktop.png"))


async def picture_route(route) -> None:
    await route.fulfill(status=200, content_type="image/png", body=png(120, 80))


# --- 5. the first view, and sends that fail --------------------------------------------------


@pytest.mark.parametrize("screen", SCREENS)
async def test_the_greeting_and_its_buttons_are_in_the_first_view(
    served, browser, screen: dict
) -> None:
    _app, url = served
    page = await browser.new_page(viewport=screen)
    await page.goto(url + "/")
    await page.locator("#ward-assistant button.bubble").click()
    greeting = page.locator("#ward-assistant .msg.bot", has_text=GREETING)
    await greeting.wait_for()
    buttons = greeting.locator(".choices button")
    assert await buttons.count() >= 5
    assert await in_view(page, greeting.locator("p").first)
    assert await fully_in_view(page, buttons.last)
    await page.screenshot(path=str(ARTIFACTS / f"daily-greeting-{_name(screen)}.png"))


async def test_a_rate_limit_on_first_open_does_not_replace_the_greeting(served, browser) -> None:
    _app, url = served
    page = await browser.new_page(viewport=DESKTOP)
    refused = []

    async def once_too_fast(route) -> None:
        if not refused:
            refused.append(route.request.url)
            await route.fulfill(
                status=429,
                content_type="application/json",
                body=json.dumps({"error": "Bạn gửi nhanh quá, vui lòng đợi một chút."}),
                headers={"Retry-After": "1"},
            )
        else:
            await route.continue_()

    await page.route("**/api/chat", once_too_fast)
    await page.goto(url + "/")
    await page.locator("#ward-assistant button.bubble").click()
    await page.locator("#ward-assistant .msg.bot", has_text=GREETING).wait_for(timeout=15000)
    assert refused
    log = await page.locator("#ward-assistant .log").inner_text()
    assert "nhanh quá" not in log and "chưa gửi được" not in log.lower()
    await page.screenshot(path=str(ARTIFACTS / "daily-greeting-after-429-desktop.png"))


@pytest.mark.parametrize("failure", ["network", "429", "500"])
async def test_a_message_that_failed_to_send_stays_in_the_input(
    served, browser, failure: str
) -> None:
    _app, url = served
    page = await browser.new_page(viewport=PHONE)
    await page.goto(url + "/")
    await page.locator("#ward-assistant button.bubble").click()
    await page.get_by_text(GREETING).wait_for()
    failed = []

    async def fail_once(route) -> None:
        if failed:
            await route.continue_()
            return
        failed.append(1)
        if failure == "network":
            await route.abort("internetdisconnected")
        else:
            await route.fulfill(
                status=int(failure),
                content_type="application/json",
                body=json.dumps({"error": "Lỗi"}),
            )

    await page.route("**/api/chat", fail_once)
    box = page.get_by_label("Câu hỏi của bạn")
    await box.fill("làm căn cước cho con")
    await box.press("Enter")
    notice = page.locator("#ward-assistant .notice")
    await notice.wait_for()
    assert await box.input_value() == "làm căn cước cho con"
    assert "gửi lại" in (await notice.inner_text()).lower()
    mine = page.locator("#ward-assistant .msg.me", has_text="làm căn cước cho con")
    assert await mine.count() == 0  # not shown as sent
    await page.screenshot(path=str(ARTIFACTS / f"daily-failed-send-{failure}-phone.png"))
    await box.press("Enter")  # resend
    await mine.wait_for()
    assert await box.input_value() == ""
    assert await notice.is_hidden()


async def test_a_file_the_server_would_refuse_is_refused_before_sending(
    served, browser, tmp_path: Path
) -> None:
    _app, url = served
    page = await browser.new_page(viewport=PHONE)
    await page.goto(url + "/")
    await page.locator("#ward-assistant button.bubble").click()
    await page.get_by_text(GREETING).wait_for()
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/api/chat/photo" in r.url else None)
    picker = page.locator("#ward-assistant input[type=file]")
    notice = page.locator("#ward-assistant .notice")
    gif = tmp_path / "hoat-hinh.gif"
    gif.write_bytes(b"GIF89a" + b"\x00" * 64)
    await picker.set_input_files(str(gif))
    await notice.wait_for()
    assert "JPEG, PNG hoặc WebP" in await notice.inner_text()
    big = tmp_path / "qua-lon.jpg"
    big.write_bytes(b"\xff\xd8\xff" + b"\x00" * (5 * 1024 * 1024))
    await picker.set_input_files(str(big))
    await page.get_by_text("Ảnh lớn quá (tối đa 5 MB)").wait_for()
    assert sent == []


# --- 2, 3 and 4: the resident's journey ------------------------------------------------------


async def _press(page, title: str) -> None:
    await page.locator("#ward-assistant .choices button", has_text=title).last.click()


@pytest.mark.parametrize("screen", SCREENS)
async def test_the_resident_journey_from_question_to_status_page(
    tmp_path: Path, browser, screen: dict
) -> None:
    """Ask a question; file a feedback with a photo through the widget; staff see the photo
    and answer; the resident comes back to the answer; another device checks the status
    page, which shows none of the resident's words."""
    name = _name(screen)
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/journey.sqlite3"))
    photo = tmp_path / "den-duong.png"
    photo.write_bytes(png(320, 200))
    async with serve(app) as url:
        async with app[DEPS].sessions() as session, session.begin():
            await auth.add_staff(session, "binh", "Trần Bình", PASSWORD, "staff")
        resident = await browser.new_context(viewport=screen)
        page = await resident.new_page()
        await page.goto(url + "/")
        await page.locator("#ward-assistant button.bubble").click()
        await page.get_by_text(GREETING).wait_for()
        box = page.get_by_label("Câu hỏi của bạn")
        await box.fill("lam giay khai sinh cho con")
        await box.press("Enter")
        await page.get_by_text("ĐĂNG KÝ KHAI SINH").first.wait_for()

        words = "Đèn đường trước nhà số 25 tổ 7 tắt cả tuần nay, tối đi lại rất nguy hiểm"
        await box.fill(words)
        await box.press("Enter")
        await _press(page, "Gửi phản ánh này")
        await page.get_by_text("Bạn có ảnh chụp sự việc không?").wait_for()
        await page.locator("#ward-assistant input[type=file]").set_input_files(str(photo))
        await page.get_by_text("Đã nhận ảnh.").wait_for()
        sent_photo = page.locator("#ward-assistant .msg.me img").last
        await sent_photo.wait_for()
        await page.screenshot(path=str(ARTIFACTS / f"daily-journey-photo-{name}.png"))
        while True:  # no phone; then send
            last = page.locator("#ward-assistant .msg.bot").last
            titles = await last.locator(".choices button").all_inner_texts()
            if "Gửi phản ánh" in titles:
                await _press(page, "Gửi phản ánh")
                break
            # The assistant's answers, counted before pressing: the resident's own message
            # shows at once, the answer after it.
            answers = await page.locator("#ward-assistant .msg.bot").count()
            await _press(page, "Không" if "Không" in titles else "Bỏ qua")
            await page.wait_for_function(
                "n => document.getElementById('ward-assistant').shadowRoot"
                ".querySelectorAll('.msg.bot').length > n",
                arg=answers,
            )
        confirmation = page.locator("#ward-assistant .msg.bot", has_text="Mã tra cứu")
        await confirmation.wait_for()
        code = CODE.search(await confirmation.inner_text()).group(0)
        status_link = confirmation.locator("a", has_text="/tra-cuu")
        assert await status_link.get_attribute("href") == f"{url}/tra-cuu?ma={code}"
        await page.screenshot(path=str(ARTIFACTS / f"daily-journey-code-{name}.png"))
        await page.close()  # the resident leaves

        # Staff see the photo and answer, publishing the answer for the status page.
        staff = await browser.new_context(viewport=DESKTOP)
        console = await staff.new_page()
        await console.goto(url + "/staff/login")
        await console.fill("#username", "binh")
        await console.fill("#password", PASSWORD)
        await console.click("button[type=submit]")
        await console.goto(f"{url}/staff/feedback/{code}")
        picture = console.locator("img.feedback-photo")
        await picture.wait_for()
        await picture.evaluate(
            "img => img.complete ? null : new Promise(done => img.addEventListener('load', done))"
        )
        assert await picture.evaluate("img => img.naturalWidth") == 320
        await console.screenshot(path=str(ARTIFACTS / f"daily-console-photo-{name}.png"))
        await console.fill("#reply-text", "Phường đã thay bóng đèn đường ở tổ 7.")
        await console.check("input[name=public]")
        await console.select_option("form[action$='/reply'] select[name=status]", "resolved")
        await console.click("form[action$='/reply'] button[type=submit]")
        await console.get_by_text("Đã giải quyết xong").first.wait_for()
        await staff.close()
        await app[OUTBOX].drain_once()

        # The resident comes back: the widget opens at the answer.
        page = await resident.new_page()
        await page.goto(url + "/")
        answer = page.locator("#ward-assistant .msg.bot", has_text="Phường trả lời phản ánh")
        await answer.wait_for()
        assert await in_view(page, answer)
        await page.screenshot(path=str(ARTIFACTS / f"daily-journey-answer-{name}.png"))
        await resident.close()

        # Another device, without the conversation: the public status page.
        other = await browser.new_context(viewport=screen)
        status_page = await other.new_page()
        typed = code.lower().replace("-", "")  # as a resident may type it
        await status_page.goto(f"{url}/tra-cuu")
        await status_page.fill("#ma", typed)
        await status_page.press("#ma", "Enter")
        await status_page.get_by_text(f"Phản ánh {code}").wait_for()
        shown = await status_page.locator("body").inner_text()
        assert "Đã giải quyết xong" in shown
        assert "Phường đã thay bóng đèn đường ở tổ 7." in shown
        for private in ("Đèn đường trước nhà", "nhà số 25", "nguy hiểm", "tổ 7 tắt"):
            assert private not in shown, private
        await status_page.screenshot(
            path=str(ARTIFACTS / f"daily-status-page-{name}.png"), full_page=True
        )
        await other.close()
