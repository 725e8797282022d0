"""The report in daily use (issue 20): a problem a resident filed as feedback is no content gap,
messages waiting for a web visitor are not counted as sent, the Word report is addressed and
signed as the ward set it in the console, a month not over yet says up to which day its figures
go, and the console page lists every section and names roles in Vietnamese. On SQLite and,
where reachable, PostgreSQL."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import wiring
from bot.app import create_app
from bot.keys import DEPS
from bot.report import figures, period
from bot.settings import Settings
from bot.staff import auth
from bot.staff.report_views import SECTIONS
from content.loader import Catalogue
from content.ward_fields import InvalidValue, clean
from db import ward_value_queries
from db.models import Announcement, Outbox
from handlers.deps import Deps
from handlers.domain.calendar import VIETNAM
from handlers.domain.types import IncomingMessage
from handlers.engine import handle
from tests.flows import next_step
from tests.report_data import fill
from tests.test_staff_console import PASSWORD, login

PROBLEM = "Bao giờ thì phường làm lại cái sân chơi cho trẻ em ở tổ dân phố 7"
QUESTION = "Tôi muốn đăng ký tham gia đội văn nghệ của phường thì liên hệ ai"
ADDRESSEES = "- Sở Nội vụ tỉnh Quảng Ngãi;\n- Sở Khoa học và Công nghệ tỉnh Quảng Ngãi."
LETTERHEAD = {
    "report.addressees": ADDRESSEES,
    "report.authority": "KT.",
    "report.title": "Phó Chủ tịch",
    "report.signer": "Nguyễn Văn An",
}


def this_month() -> str:
    return datetime.now(VIETNAM).strftime("%Y-%m")


# --- content gaps: questions, not problems filed as feedback ----------------------------------


async def _say(deps: Deps, resident: str, text: str = "", payload: str | None = None):
    return await handle(IncomingMessage("web", resident, text=text, payload=payload), deps)


async def test_a_problem_filed_as_feedback_is_no_content_gap(
    deps: Deps, catalogue: Catalogue
) -> None:
    """ "Gửi phản ánh" right after a message the assistant could not answer makes that message
    the feedback's description: it was a phản ánh, not a question the catalogue lacks."""
    reply = await _say(deps, "resident-problem", PROBLEM)
    assert reply.unanswered
    reply = await _say(deps, "resident-problem", "Gửi phản ánh")  # the menu's button, typed
    assert PROBLEM in reply.replies[0].text  # offered as the draft
    while not reply.content_id:  # no photo, no phone: send it
        step = next_step(b.title for b in reply.replies[-1].buttons)
        assert step is not None, reply.replies[-1].text
        button = next(b for b in reply.replies[-1].buttons if b.title == step)
        reply = await _say(deps, "resident-problem", payload=button.payload)
    assert reply.content_id and reply.content_id.startswith("PA-")  # filed
    assert (await _say(deps, "resident-question", QUESTION)).unanswered  # a real gap

    async with deps.sessions() as session:
        report = await figures.compute(session, catalogue, period.month(this_month()))
    assert [(gap.example, gap.count) for gap in report.gaps] == [(QUESTION, 1)]
    assert report.usage.unanswered == 1
    assert report.feedback.received == 1


# --- figures of a period not over yet --------------------------------------------------------


async def test_a_month_seen_before_its_end_stops_today(deps: Deps, catalogue: Catalogue) -> None:
    async with deps.sessions() as session, session.begin():
        await fill(session)
    seen = datetime(2026, 10, 15, 1, 0, tzinfo=UTC)  # 08:00 on 15 October in Vietnam
    async with deps.sessions() as session:
        report = await figures.compute(session, catalogue, period.month("2026-10"), now=seen)
    assert report.unfinished and report.last_day == date(2026, 10, 15)
    assert max(report.subscribers.by_day) == date(2026, 10, 15)  # no days after today
    assert len(report.subscribers.by_day) == 15


# --- the ward's letterhead, from the console to the Word file -------------------------------


def test_letterhead_values_are_checked(catalogue: Catalogue) -> None:
    ward = catalogue.ward
    assert clean("report.addressees", LETTERHEAD["report.addressees"], ward) == (
        "Sở Nội vụ tỉnh Quảng Ngãi; Sở Khoa học và Công nghệ tỉnh Quảng Ngãi"
    )
    assert clean("report.authority", "kt", ward) == "KT."
    assert clean("report.authority", "", ward) is None
    assert clean("report.signer", "  Nguyễn   Văn An ", ward) == "Nguyễn Văn An"
    with pytest.raises(InvalidValue, match=r"TM\."):
        clean("report.authority", "Q.", ward)
    with pytest.raises(InvalidValue, match=r"=, \+, -, @"):
        clean("report.signer", "=HYPERLINK(1)", ward)
    with pytest.raises(InvalidValue, match="Quá dài"):
        clean("report.title", "PHÓ CHỦ TỊCH " * 10, ward)


@pytest.fixture
async def client(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TestClient]:
    monkeypatch.setattr(wiring, "create_engine", lambda _url: engine)
    settings = Settings(
        _env_file=None, database_url=f"sqlite:///{tmp_path}/unused.sqlite3", retention_days=0
    )
    app = create_app(settings)
    async with TestClient(TestServer(app)) as test_client:
        async with app[DEPS].sessions() as session, session.begin():
            for name, role in (("an", "admin"), ("binh", "staff"), ("chi", "tech_team")):
                await auth.add_staff(session, name, name.title(), PASSWORD, role)
        yield test_client


async def test_the_word_report_is_addressed_and_signed_as_the_ward_set_it(
    client: TestClient,
) -> None:
    csrf = await login(client, "an")
    form = await (await client.get("/staff/ward")).text()
    assert '<select name="report.authority"' in form and 'name="report.signer"' in form
    before = docx.Document(
        io.BytesIO(await (await client.get("/staff/report/download.docx?month=2025-10")).read())
    )
    assert "Kính gửi: chưa cập nhật" in [p.text for p in before.paragraphs]

    saved = await client.post("/staff/ward", data={"csrf": csrf, **LETTERHEAD})
    assert saved.status == 200 and "Đã lưu 4 thay đổi" in await saved.text()
    word = await client.get("/staff/report/download.docx?month=2025-10")  # right after: no stale
    document = docx.Document(io.BytesIO(await word.read()))
    kinh_gui = next(p.text for p in document.paragraphs if p.text.startswith("Kính gửi"))
    assert kinh_gui == (
        "Kính gửi:\t- Sở Nội vụ tỉnh Quảng Ngãi;\n- Sở Khoa học và Công nghệ tỉnh Quảng Ngãi."
    )
    signed = [line for line in document.tables[-1].rows[0].cells[1].text.splitlines() if line]
    assert signed == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn An"]
    assert document.core_properties.author == "Ủy ban nhân dân phường Đăk Bla"

    page = await (await client.get("/staff/report?month=2025-10")).text()
    assert "Sở Nội vụ tỉnh Quảng Ngãi; Sở Khoa học và Công nghệ tỉnh Quảng Ngãi" in page
    assert "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH – Nguyễn Văn An" in page
    async with client.app[DEPS].sessions() as session:
        stored = await ward_value_queries.current(session, "dak-bla")
    assert stored["report.authority"] == "KT." and stored["report.title"] == "Phó Chủ tịch"


async def test_only_an_admin_sets_the_letterhead(client: TestClient) -> None:
    csrf = await login(client, "binh")
    refused = await client.post("/staff/ward", data={"csrf": csrf, **LETTERHEAD})
    assert refused.status == 403
    csrf = await login(client, "an")
    bad = await client.post("/staff/ward", data={"csrf": csrf, "report.authority": "Q."})
    assert bad.status == 400 and "Chọn TM." in await bad.text()


# --- the console page -----------------------------------------------------------------------


async def _announce(client: TestClient) -> None:
    """An announcement this month to five residents: two sent, two web visitors who have not
    opened the page again, one blocked."""
    async with client.app[DEPS].sessions() as session, session.begin():
        notice = Announcement(
            text="Lịch tiếp công dân\nTại trụ sở UBND phường.",
            topics=["cai-cach-hanh-chinh"],
            status="done",
            created_by="staff:an",
            queued_at=datetime.now(UTC),
            recipients=5,
        )
        session.add(notice)
        await session.flush()
        for i, (channel, status) in enumerate(
            [
                ("telegram", "sent"),
                ("zalo_oa", "sent"),
                ("web", "awaiting_pickup"),
                ("web", "awaiting_pickup"),
                ("telegram", "blocked"),
            ]
        ):
            session.add(
                Outbox(
                    channel=channel,
                    user_ref=f"r{i}",
                    kind="announcement",
                    text="x",
                    status=status,
                    announcement_id=notice.id,
                )
            )


async def test_the_page_shows_waiting_web_messages_apart_and_marks_this_month(
    client: TestClient,
) -> None:
    await _announce(client)
    await login(client, "an")
    html = await (await client.get(f"/staff/report?month={this_month()}")).text()
    table = re.search(r'id="announcements">(.*?)</table>', html, re.S).group(1)
    header = re.findall(r"<th[^>]*>([^<]*)</th>", table.split("</thead>")[0])
    row = re.findall(r"<td>(\d+)</td>", table.split("<tbody>")[1].split("</tr>")[0])
    counts = dict(zip(header[3:], row, strict=True))
    assert counts["Người nhận"] == "5" and counts["Đã gửi"] == "2"
    assert counts["Chờ người dân mở trang web"] == "2" and counts["Đã chặn"] == "1"
    today = datetime.now(VIETNAM).strftime("%d/%m/%Y")
    assert f"số liệu đến ngày {today}" in html and 'id="data-until"' in html
    past = await (await client.get("/staff/report?month=2025-10")).text()
    assert 'id="data-until"' not in past and "số liệu đến ngày" not in past

    workbook = openpyxl.load_workbook(
        io.BytesIO(
            await (await client.get(f"/staff/report/download.xlsx?month={this_month()}")).read()
        )
    )
    sheet = workbook["Thông báo"]
    header = [cell.value for cell in sheet[3]]
    assert sheet.cell(4, header.index("Đã gửi") + 1).value == 2
    assert sheet.cell(4, header.index("Chờ người dân mở trang web") + 1).value == 2


async def test_the_table_of_contents_lists_every_section(client: TestClient) -> None:
    await login(client, "binh")
    html = await (await client.get("/staff/report?month=2025-10")).text()
    sections = re.findall(r'<section class="report-section" id="([^"]+)"', html)
    toc = re.search(r'<nav class="report-toc"[^>]*>(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r'href="#([^"]+)"', toc) == sections == [a for a, _ in SECTIONS]
    assert "#hoc-ky-nang-so" in toc  # the section the old list forgot


@pytest.mark.parametrize(
    ("username", "role"), [("an", "Quản trị"), ("binh", "Cán bộ"), ("chi", "Tổ công nghệ số")]
)
async def test_the_report_page_names_the_role_in_vietnamese(
    client: TestClient, username: str, role: str
) -> None:
    await login(client, username)
    html = await (await client.get("/staff/report?month=2025-10")).text()
    assert f"{username.title()} ({role})</a>" in html
    assert "(admin)" not in html and "(tech_team)" not in html


async def test_the_page_uses_the_chat_rating_labels(client: TestClient) -> None:
    await login(client, "binh")
    html = await (await client.get("/staff/report?month=2025-10")).text()
    scores = re.search(r'id="scores">(.*?)</table>', html, re.S).group(1)
    assert "1 - Rất không hài lòng" in scores and "5 - Rất hài lòng" in scores
    assert "★" not in scores
