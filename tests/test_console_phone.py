"""The console on a phone and a desktop, in a real browser (issue 20, "Daily use"): every page
fits a 390-pixel screen, long words included, and the tech team's and the admin's day with
announcements works at 390×844 and 1280×800: a draft, a past send time refused, an approval,
one run of a series cancelled. Screenshots are kept in test-artifacts/."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import create_app
from bot.keys import DEPS
from bot.settings import Settings
from bot.staff import auth
from db import queries
from db.models import (
    Announcement,
    CannedReply,
    Contest,
    ContestAttempt,
    ContestQuestion,
    Feedback,
    Interaction,
    LearnedAlias,
    LearnedEntry,
    Learner,
    Outbox,
    Question,
    UnansweredQuestion,
    User,
    utcnow,
)
from handlers.domain.calendar import VIETNAM
from tests.browser import ARTIFACTS, chromium, need_browser, serve
from tests.report_data import fill, local

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

PASSWORD = "mat-khau-dai-1"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
# What people type and the console must wrap: a word longer than any screen, a bare link.
LONG = "Đường" + "ngõhẻmkiệt" * 40
LINK = "https://dichvucong.gov.vn/p/home/dvc-chi-tiet-thu-tuc-hanh-chinh.html?ma_thu_tuc=" + (
    "1" * 120
)


async def _seed(session: AsyncSession, category: str, ward: str) -> dict[str, int]:
    """A month for the report, and one of everything the console lists, each carrying
    the long word; returns the ids the pages are opened with."""
    await fill(session)  # October 2026 (tests/report_data.py)
    now = utcnow()
    resident = User(channel="web", external_id="visitor-phone-00000001", area=LONG)
    session.add(resident)
    await session.flush()
    session.add(
        Interaction(
            user_id=resident.id,
            conversation_id="c-phone",
            channel="web",
            direction="in",
            text=f"{LONG} {LINK}",
        )
    )
    session.add(
        Feedback(
            service_request_id="PA-PHONE-0001",
            service_code=category,
            description=f"{LONG} {LINK}",
            area=LONG,
            channel="web",
            user_id=resident.id,
            expected_datetime=now + timedelta(days=3),
        )
    )
    session.add(
        UnansweredQuestion(
            user_id=resident.id,
            channel="web",
            text=LONG,
            normalized=LONG.lower(),
            created_at=local("2026-10-12 10:00"),
        )
    )
    question = Question(
        code="CH-0101-PHON",
        user_id=resident.id,
        channel="web",
        text=f"{LONG} {LINK}",
        normalized=LONG.lower(),
        due_at=now + timedelta(days=2),
    )
    session.add(question)
    session.add(CannedReply(title=LONG[:120], text=f"{LONG} {LINK}"))
    await session.flush()
    session.add(LearnedEntry(ward_id=ward, title=LONG[:190], answer=LINK, created_by="staff:an"))
    session.add(LearnedAlias(ward_id=ward, entry_id="x", text=LONG, created_by="staff:an"))
    announcement = Announcement(
        text=f"{LONG}\n{LINK}",
        link_url=LINK[:400],
        topics=["chuyen-doi-so"],
        areas=[LONG[:90]],
        status="draft",
        created_by="staff:chi",
        created_at=now,
    )
    sent = Announcement(
        text=f"Đã gửi: {LONG}",
        topics=["chuyen-doi-so"],
        status="done",
        created_by="staff:chi",
        queued_at=now,
        finished_at=now,
        recipients=2,
    )
    session.add_all([announcement, sent])
    await session.flush()
    for i, status in enumerate(("sent", "awaiting_pickup")):
        session.add(
            Outbox(
                channel="web",
                user_ref=f"visitor-phone-r{i}",
                kind="announcement",
                text="x",
                status=status,
                announcement_id=sent.id,
                last_error=LONG if status == "awaiting_pickup" else None,
            )
        )
    contest = Contest(
        title=f"Cuộc thi {LONG}",
        intro=LINK,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=3),
        pass_percent=50,
        affiliation_question=LONG[:150],
        published=True,
        created_by="staff:chi",
    )
    session.add(contest)
    await session.flush()
    session.add(
        ContestQuestion(
            contest_id=contest.id,
            position=1,
            question=LONG,
            options=[LONG[:250], "Không"],
            answer=1,
            explanation=LINK,
        )
    )
    learner = Learner(code="PHONE001")
    session.add(learner)
    await session.flush()
    session.add(
        ContestAttempt(
            contest_id=contest.id,
            learner_id=learner.id,
            channel="web",
            name=LONG[:100],
            affiliation=LONG[:150],
            score=1,
            total=1,
            started_at=now - timedelta(minutes=5),
            finished_at=now,
            seconds=300.0,
            certificate="phone-certificate-0001",
        )
    )
    await session.flush()
    return {
        "question": question.id,
        "announcement": announcement.id,
        "sent": sent.id,
        "contest": contest.id,
    }


async def _sign_in(browser: Browser, url: str, username: str, viewport: dict) -> Page:
    page = await browser.new_page(viewport=viewport)
    await page.goto(url + "/staff/login")
    await page.get_by_label("Tên đăng nhập").fill(username)
    await page.get_by_label("Mật khẩu").fill(PASSWORD)
    await page.get_by_role("button", name="Đăng nhập").click()
    await page.wait_for_load_state()
    return page


async def _width(page: Page) -> int:
    return int(await page.evaluate("document.documentElement.scrollWidth"))


async def _fits(page: Page, width: int) -> None:
    """Nothing wider than the screen: no sideways scrolling, the header on it."""
    assert await _width(page) <= width, (page.url, await _width(page))
    if await page.locator("header").count():
        header = await page.locator("header").bounding_box()
        assert header is not None and header["x"] + header["width"] <= width, page.url


async def test_every_console_page_fits_a_390_pixel_screen(tmp_path: Path) -> None:
    need_browser()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/phone.sqlite3"))
    async with serve(app) as url, chromium() as browser:
        deps = app[DEPS]
        category = deps.catalogue.ward.feedback.categories[0].code
        async with deps.sessions() as session, session.begin():
            await auth.add_staff(session, "an", "Lê Thị An", PASSWORD, "admin")
            ids = await _seed(session, category, deps.catalogue.ward.id)
        login = await browser.new_page(viewport=PHONE)
        await login.goto(url + "/staff/login")
        viewport = await login.locator('meta[name="viewport"]').get_attribute("content")
        assert viewport == "width=device-width, initial-scale=1"
        await _fits(login, PHONE["width"])
        page = await _sign_in(browser, url, "an", PHONE)
        pages = {
            "inbox": "/staff/",
            "feedback-new": "/staff/feedback/new",
            "feedback": "/staff/feedback/PA-PHONE-0001",
            "questions": "/staff/questions",
            "question": f"/staff/questions/{ids['question']}",
            "learned": "/staff/learned",
            "canned": "/staff/canned",
            "announcements": "/staff/announcements",
            "announcement-new": "/staff/announcements/new",
            "announcement": f"/staff/announcements/{ids['announcement']}",
            "announcement-sent": f"/staff/announcements/{ids['sent']}",
            "announcement-edit": f"/staff/announcements/{ids['announcement']}/edit",
            "contests": "/staff/contests",
            "contest-new": "/staff/contests/new",
            "contest": f"/staff/contests/{ids['contest']}",
            "contest-edit": f"/staff/contests/{ids['contest']}/edit",
            "ward": "/staff/ward",
            "report": "/staff/report?month=2026-10",
            "account": "/staff/account",
        }
        for name, path in pages.items():
            response = await page.goto(url + path)
            assert response is not None and response.status == 200, path
            await _fits(page, PHONE["width"])
            await page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
        # The links fold under "Danh mục" and open with a tap.
        await page.goto(url + "/staff/announcements")
        announcements = page.locator("header nav").get_by_role("link", name="Thông báo")
        assert not await announcements.is_visible()
        await page.get_by_text("☰ Danh mục").click()
        assert await announcements.is_visible()
        await _fits(page, PHONE["width"])
        await page.screenshot(path=str(ARTIFACTS / "phone-menu.png"))
        # A list is a stack of cards, each value under its column's name.
        cell = page.locator(f"#announcement-{ids['sent']} td[data-label='Kết quả gửi']")
        assert "chờ người dân mở trang 1" in await cell.inner_text()
        label = await cell.evaluate("td => getComputedStyle(td, '::before').content")
        assert label == '"Kết quả gửi"'


async def _journey(browser: Browser, url: str, viewport: dict, tag: str) -> int:
    """The tech team drafts (a past time refused), an admin approves, a run is cancelled;
    returns the series' id."""
    width = viewport["width"]
    tech = await _sign_in(browser, url, "chi", viewport)
    await tech.get_by_role("heading", name="Thông báo cho người dân").wait_for()
    await tech.get_by_role("link", name="Soạn thông báo mới").click()
    await tech.get_by_label("Nội dung").fill(
        "Tối thứ Bảy 19:30, nhà văn hóa TDP 3 mở lớp Bình dân học vụ số: cài VNeID, "
        "nộp hồ sơ trực tuyến. Bà con mang theo điện thoại và CCCD."
    )
    await tech.get_by_label("Chuyển đổi số").check()
    await tech.locator("#live-total", has_text="3").wait_for()  # counted as it is chosen
    past = (utcnow() - timedelta(days=1)).astimezone(VIETNAM)
    await tech.locator("input[name=send_at]").fill(past.strftime("%Y-%m-%dT%H:%M"))
    await tech.get_by_role("button", name="Lưu bản nháp").click()
    error = tech.get_by_role("alert")
    await error.wait_for()
    assert "đã qua" in await error.inner_text()
    await _fits(tech, width)
    await tech.screenshot(path=str(ARTIFACTS / f"journey-{tag}-past-time.png"), full_page=True)
    first = (utcnow() + timedelta(days=1)).astimezone(VIETNAM).replace(hour=17, minute=0)
    await tech.locator("input[name=send_at]").fill(first.strftime("%Y-%m-%dT%H:%M"))
    await tech.get_by_label("Lặp lại").select_option("weekly")
    await tech.get_by_role("button", name="Lưu bản nháp").click()
    await tech.get_by_role("heading", name="Người dân sẽ nhận như sau").wait_for()
    await tech.get_by_role("button", name="Gửi duyệt").click()
    await tech.locator("#status", has_text="Chờ duyệt").wait_for()
    path = tech.url.split("?")[0].removeprefix(url)

    admin = await _sign_in(browser, url, "an", viewport)
    badge = admin.locator("#nav-waiting") if width > 640 else admin.locator(".nav-button")
    assert "1" in await badge.inner_text()  # an approval waits
    await admin.goto(url + "/staff/announcements")
    await admin.locator("#waiting-approvals").get_by_role("link").first.click()
    await admin.get_by_role("button", name="Duyệt", exact=True).click()
    await admin.locator("#status", has_text="Đã duyệt").wait_for()
    await _fits(admin, width)
    await admin.screenshot(path=str(ARTIFACTS / f"journey-{tag}-approved.png"), full_page=True)
    second = admin.locator("#upcoming-2")
    await second.get_by_role("button", name="Hủy lần này…").click()
    await admin.get_by_role("heading", name="Hủy một lần gửi?").wait_for()
    await _fits(admin, width)
    await admin.screenshot(path=str(ARTIFACTS / f"journey-{tag}-cancel-ask.png"), full_page=True)
    await admin.get_by_role("button", name="Hủy lần này").click()
    await admin.get_by_role("status").wait_for()
    assert "Đã hủy lần này" in await admin.locator("#upcoming-2").inner_text()
    assert "Sẽ gửi" in await admin.locator("#upcoming-1").inner_text()
    await _fits(admin, width)
    done = ARTIFACTS / f"journey-{tag}-run-cancelled.png"
    await admin.screenshot(path=str(done), full_page=True)
    return int(path.rsplit("/", 1)[1])


@pytest.mark.parametrize(("viewport", "tag"), [(PHONE, "phone"), (DESKTOP, "desktop")])
async def test_the_tech_team_and_the_admin_through_an_announcement_series(
    tmp_path: Path, viewport: dict, tag: str
) -> None:
    need_browser()
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/journey.sqlite3"))
    async with serve(app) as url, chromium() as browser:
        deps = app[DEPS]
        async with deps.sessions() as session, session.begin():
            await auth.add_staff(session, "chi", "Trần Văn Chi", PASSWORD, "tech_team")
            await auth.add_staff(session, "an", "Lê Thị An", PASSWORD, "admin")
            for i in range(3):
                user = await queries.get_or_create_user(session, "web", f"visitor-{i:020d}")
                await queries.subscribe(session, user.id, ["chuyen-doi-so"])
        series_id = await _journey(browser, url, viewport, tag)
        async with deps.sessions() as session:
            series = await session.get(Announcement, series_id)
            runs = list(
                (
                    await session.execute(
                        select(Announcement.status).where(Announcement.series_id == series_id)
                    )
                ).scalars()
            )
    assert series is not None and series.status == "approved" and series.created_by == "staff:chi"
    assert runs == ["cancelled"]  # one run skipped; the series goes on
