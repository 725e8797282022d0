"""The admin's monthly-report journey in a real browser, on a phone (390×844) and a desktop
(1280×800): sign in, open Báo cáo, pick October 2026, jump through the table of contents (every
section is in it), and download both files, opened here with python-docx and openpyxl.
Screenshots are kept in test-artifacts/."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import docx
import openpyxl
import pytest

from bot.app import create_app
from bot.keys import DEPS
from bot.settings import Settings
from bot.staff import auth
from db import ward_value_queries
from tests.browser import ARTIFACTS, chromium, need_browser, serve
from tests.report_data import fill

if TYPE_CHECKING:
    from playwright.async_api import Page

PASSWORD = "mat-khau-dai-1"
SIGNED = {
    "report.addressees": "Ủy ban nhân dân tỉnh Quảng Ngãi",
    "report.authority": "TM.",
    "report.signer": "Trần Văn Bình",
}


async def _until(page: Page, condition: str, seconds: float = 15) -> None:
    """Poll a condition from here: the console's CSP forbids the eval wait_for_function uses."""
    for _ in range(int(seconds * 10)):
        if await page.evaluate(condition):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not met within {seconds} s: {condition}")


@pytest.mark.parametrize(
    ("name", "width", "height"), [("phone", 390, 844), ("desktop", 1280, 800)]
)
async def test_an_admin_reads_the_month_and_downloads_both_files(
    tmp_path: Path, name: str, width: int, height: int
) -> None:
    need_browser()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/report.sqlite3"))
    async with serve(app) as url, chromium() as browser:
        deps = app[DEPS]
        async with deps.sessions() as session, session.begin():
            await auth.add_staff(session, "an", "Nguyễn Thị An", PASSWORD, "admin")
            await fill(session)  # October 2026, every section with figures
            await ward_value_queries.record(session, "dak-bla", SIGNED, "an")
        page = await browser.new_page(viewport={"width": width, "height": height})
        await page.goto(url + "/staff/login")
        await page.get_by_label("Tên đăng nhập").fill("an")
        await page.get_by_label("Mật khẩu").fill(PASSWORD)
        await page.get_by_role("button", name="Đăng nhập").click()
        if await page.locator(".nav-button").is_visible():  # a phone: open the folded menu
            await page.locator(".nav-button").click()
        await page.get_by_role("link", name="Báo cáo", exact=True).click()
        await page.locator("#data-until").wait_for()  # this month is not over yet
        await page.get_by_label("Theo tháng").fill("2026-10")
        await page.get_by_role("button", name="Xem tháng").click()
        title = "Báo cáo kết quả hỗ trợ người dân – tháng 10/2026"
        await page.get_by_role("heading", name=title).wait_for()
        assert await page.locator("#data-until").count() == 0  # October is over

        toc = page.locator("nav.report-toc a")
        links = [await link.get_attribute("href") for link in await toc.all()]
        sections = await page.locator("section.report-section").evaluate_all(
            "nodes => nodes.map(n => '#' + n.id)"
        )
        assert links == sections and len(sections) == 9
        assert await page.locator("header .who a").inner_text() == "Nguyễn Thị An (Quản trị)"
        wide = await page.evaluate("document.documentElement.scrollWidth > innerWidth")
        assert not wide, "the page scrolls sideways"
        # The charts load lazily: load them all, so each is seen drawn and in the screenshot.
        await page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
        await _until(page, "[...document.images].every(i => i.complete && i.naturalWidth > 400)")
        await page.screenshot(path=str(ARTIFACTS / f"report-{name}.png"), full_page=True)

        await toc.filter(has_text="Học kỹ năng số").click()
        await page.wait_for_url("**#hoc-ky-nang-so")
        learning = page.get_by_role("heading", name="8. Bình dân học vụ số và cuộc thi")
        assert await learning.is_visible()
        await page.locator("#van-ban").scroll_into_view_if_needed()
        signer = await page.locator("#signer").inner_text()
        assert signer == "Người ký: TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH – Trần Văn Bình"
        await page.screenshot(path=str(ARTIFACTS / f"report-{name}-letterhead.png"))

        async with page.expect_download() as word_download:
            await page.locator("#download-docx").click()
        word = await word_download.value
        assert word.suggested_filename == "bao-cao-2026-10-01_2026-10-31.docx"
        await word.save_as(tmp_path / word.suggested_filename)
        async with page.expect_download() as excel_download:
            await page.locator("#download-xlsx").click()
        excel = await excel_download.value
        assert excel.suggested_filename == "bao-cao-2026-10-01_2026-10-31.xlsx"
        await excel.save_as(tmp_path / excel.suggested_filename)

    document = docx.Document(str(tmp_path / word.suggested_filename))
    texts = [p.text for p in document.paragraphs]
    assert "Kính gửi: Ủy ban nhân dân tỉnh Quảng Ngãi" in texts
    signature = [line for line in document.tables[-1].rows[0].cells[1].text.splitlines() if line]
    assert signature == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Trần Văn Bình"]
    assert "gửi thành công 3 lượt, chờ người dân mở trang web 1 lượt" in "\n".join(texts)
    assert document.core_properties.author == "Ủy ban nhân dân phường Đăk Bla"

    book = openpyxl.load_workbook(tmp_path / excel.suggested_filename)
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.page_setup.fitToWidth == 1 and sheet.print_area, sheet.title
        assert sheet.print_title_rows, sheet.title
