"""The contest pages of the console: the tech team creates a contest, imports its questions
from Excel, publishes it, and follows the leaderboards and the results workbook. Runs on
SQLite and on PostgreSQL (the app is handed the `engine` fixture's database)."""

from __future__ import annotations

import asyncio
import html as htmllib
import io
import re
import threading
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientResponse, FormData
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import wiring
from bot.app import create_app
from bot.contests import bank
from bot.keys import DEPS
from bot.settings import Settings
from bot.staff import auth
from bot.staff.common import XLSX
from db.models import Contest, ContestAttempt, ContestQuestion, Learner, utcnow
from handlers.domain.calendar import VIETNAM
from handlers.domain.types import IncomingMessage
from handlers.engine import handle
from tests.test_staff_console import PASSWORD, login

HEADER = [
    "Câu hỏi",
    "Phương án A",
    "Phương án B",
    "Phương án C",
    "Phương án D",
    "Đáp án",
    "Giải thích",
]
QUESTIONS = [
    [
        "VNeID là ứng dụng của cơ quan nào?",
        "Bộ Công an",
        "Bộ Y tế",
        "Ngân hàng",
        None,
        "A",
        "Bộ Công an phát triển VNeID.",
    ],
    [
        "Địa chỉ Cổng Dịch vụ công quốc gia?",
        "dichvucong.vn",
        "dichvucong.gov.vn",
        None,
        None,
        "B",
        "",
    ],
    [
        "Mã OTP có nên đưa cho người khác?",
        "Có",
        "Không",
        None,
        None,
        "B",
        "Không bao giờ đưa mã OTP.",
    ],
    [
        "Tài khoản định danh mức 2 cần gì?",
        "Chỉ số điện thoại",
        "Ảnh chân dung",
        "Ảnh và vân tay tại công an",
        "Không cần gì",
        "C",
        "",
    ],
    [
        "Thanh toán không dùng tiền mặt gồm?",
        "Chuyển khoản",
        "Mã QR",
        "Ví điện tử",
        "Cả ba",
        "D",
        "Đều là cách thanh toán số.",
    ],
]
# name, affiliation, score, seconds, channel: finished attempts on a 5-question contest
RESULTS = [
    ("Nguyễn Văn An", "Chi đoàn TDP 1", 5, 200.0, "web"),
    ("Trần Thị Bình", "Trường THCS Lê Lợi", 5, 95.5, "telegram"),
    ("Lê Văn Cường", "Chi đoàn TDP 1", 3, 60.0, "zalo_bot"),
    ("Phạm Thị Dung", "Trường THCS Lê Lợi", 4, 300.0, "zalo_oa"),
    ("Hoàng Minh Em", None, 2, 45.0, "web"),
]
RANKED = ["Trần Thị Bình", "Nguyễn Văn An", "Phạm Thị Dung", "Lê Văn Cường", "Hoàng Minh Em"]


@pytest.fixture
async def client(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TestClient]:
    # The app opens its engine from the URL; hand it the fixture's (SQLite or PostgreSQL).
    monkeypatch.setattr(wiring, "create_engine", lambda _url: engine)
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/unused.sqlite3"))
    async with TestClient(TestServer(app)) as test_client:
        async with app[DEPS].sessions() as session, session.begin():
            for name, role in (("an", "admin"), ("binh", "staff"), ("chi", "tech_team")):
                await auth.add_staff(session, name, name.title(), PASSWORD, role)
        yield test_client


# --- helpers ---------------------------------------------------------------------------------


def xlsx(*rows: list[Any], header: list[str] = HEADER) -> bytes:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def local_input(moment: datetime) -> str:
    """The datetime-local value a browser sends for this moment (Vietnam time)."""
    return moment.astimezone(VIETNAM).strftime("%Y-%m-%dT%H:%M")


def contest_fields(**changes: object) -> dict[str, object]:
    now = utcnow()
    fields: dict[str, object] = {
        "title": "Cuộc thi tìm hiểu chuyển đổi số",
        "intro": "Mỗi người thi một lần, 5 câu hỏi.",
        "starts_at": local_input(now - timedelta(hours=1)),
        "ends_at": local_input(now + timedelta(days=2)),
        "pass_percent": "60",
        "affiliation_question": "Bạn thuộc tổ dân phố / trường / chi đoàn nào?",
    }
    return fields | changes


async def post(client: TestClient, url: str, csrf: str, **data: object) -> ClientResponse:
    return await client.post(url, data={"csrf": csrf, **data}, allow_redirects=False)


async def create(client: TestClient, csrf: str, **changes: object) -> int:
    response = await post(client, "/staff/contests/new", csrf, **contest_fields(**changes))
    assert response.status == 303, await response.text()
    match = re.fullmatch(r"/staff/contests/(\d+)\?done=created", response.headers["Location"])
    assert match
    return int(match.group(1))


async def upload(
    client: TestClient,
    contest_id: int,
    csrf: str,
    data: bytes,
    filename: str = "cau-hoi.xlsx",
    replace: bool = False,
) -> ClientResponse:
    form = FormData()
    form.add_field("csrf", csrf)
    if replace:
        form.add_field("replace", "on")
    form.add_field(
        "file", io.BytesIO(data), filename=filename, content_type="application/octet-stream"
    )
    return await client.post(
        f"/staff/contests/{contest_id}/import", data=form, allow_redirects=False
    )


async def page(client: TestClient, url: str, status: int = 200) -> str:
    response = await client.get(url, allow_redirects=False)
    assert response.status == status, (url, response.status)
    return await response.text()


def table(html: str, table_id: str) -> list[list[str]]:
    """The body rows of a table as cell texts."""
    body = html.split(f'id="{table_id}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    cell = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
    return [
        [htmllib.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cell.findall(r)]
        for r in rows
    ]


def error_of(html: str) -> str:
    match = re.search(r'class="error" role="alert">(.*?)</p>', html, re.S)
    assert match, "no error shown"
    return htmllib.unescape(match.group(1))


async def bank_of(client: TestClient, contest_id: int) -> list[tuple[str, list[str], int, str]]:
    async with client.app[DEPS].sessions() as session:
        rows = await session.execute(
            select(ContestQuestion)
            .where(ContestQuestion.contest_id == contest_id)
            .order_by(ContestQuestion.position)
        )
        return [(q.question, q.options, q.answer, q.explanation) for q in rows.scalars()]


async def take_part(
    client: TestClient, contest_id: int, results: list[tuple[Any, ...]], unfinished: int = 0
) -> dict[str, ContestAttempt]:
    """Finished attempts (as the chat flow leaves them), plus some still in progress."""
    start = utcnow() - timedelta(minutes=30)
    stored: dict[str, ContestAttempt] = {}
    async with client.app[DEPS].sessions() as session, session.begin():
        rows = [
            *results,
            *[(f"Đang làm {i}", "Chi đoàn TDP 1", 0, None, "web") for i in range(unfinished)],
        ]
        for index, (name, affiliation, score, seconds, channel) in enumerate(rows):
            learner = Learner(code=f"L{contest_id:02d}{index:04d}")
            session.add(learner)
            await session.flush()
            attempt = ContestAttempt(
                contest_id=contest_id,
                learner_id=learner.id,
                channel=channel,
                name=name,
                affiliation=affiliation,
                score=score,
                total=len(QUESTIONS),
                started_at=start,
                finished_at=None if seconds is None else start + timedelta(seconds=seconds),
                seconds=seconds,
            )
            session.add(attempt)
            stored[name] = attempt
    return stored


async def stored_contest(client: TestClient, contest_id: int) -> Contest:
    async with client.app[DEPS].sessions() as session:
        found = await session.get(Contest, contest_id)
    assert found is not None
    return found


# --- tests -----------------------------------------------------------------------------------


async def test_the_tech_team_runs_a_contest_from_excel_to_results(client: TestClient) -> None:
    csrf = await login(client, "chi")
    listing = await page(client, "/staff/contests")
    assert 'href="/staff/contests">Cuộc thi</a>' in listing and "Chưa có cuộc thi nào" in listing
    fields = contest_fields()
    contest_id = await create(client, csrf)
    contest = await stored_contest(client, contest_id)
    assert contest.starts_at == datetime.fromisoformat(str(fields["starts_at"])).replace(
        tzinfo=VIETNAM
    ).astimezone(UTC)
    assert (contest.pass_percent, contest.published, contest.created_by) == (
        60,
        False,
        "staff:chi",
    )
    assert contest.affiliation_question == "Bạn thuộc tổ dân phố / trường / chi đoàn nào?"

    response = await upload(client, contest_id, csrf, xlsx(*QUESTIONS))
    assert response.status == 303
    assert response.headers["Location"] == f"/staff/contests/{contest_id}?done=imported#questions"
    assert await bank_of(client, contest_id) == [
        (q[0], [o for o in q[1:5] if o], "ABCD".index(q[5]) + 1, q[6]) for q in QUESTIONS
    ]
    html = await page(client, f"/staff/contests/{contest_id}?done=imported")
    assert "Đã nhập câu hỏi từ tệp Excel." in html and "Bộ câu hỏi (5 câu)" in html
    questions = table(html, "questions")
    assert [row[1] for row in questions] == [q[0] for q in QUESTIONS]
    assert "A. Bộ Công an ✓" in questions[0][2] and "B. Bộ Y tế" in questions[0][2]
    assert "D. Cả ba ✓" in questions[4][2] and questions[0][3] == "Bộ Công an phát triển VNeID."
    assert html.count('class="right"') == 5
    assert f'action="/staff/contests/{contest_id}/import"' in html

    published = await post(
        client, f"/staff/contests/{contest_id}/edit", csrf, **contest_fields(published="on")
    )
    assert published.status == 303 and (await stored_contest(client, contest_id)).published
    await take_part(client, contest_id, RESULTS, unfinished=1)

    html = await page(client, f"/staff/contests/{contest_id}")
    assert table(html, "people") == [  # passing: 60%, three of five
        ["1", "Trần Thị Bình", "Trường THCS Lê Lợi", "5/5", "1:35", "Telegram", "Đạt", ""],
        ["2", "Nguyễn Văn An", "Chi đoàn TDP 1", "5/5", "3:20", "Trang web phường", "Đạt", ""],
        ["3", "Phạm Thị Dung", "Trường THCS Lê Lợi", "4/5", "5:00", "Zalo OA", "Đạt", ""],
        ["4", "Lê Văn Cường", "Chi đoàn TDP 1", "3/5", "1:00", "Zalo Bot", "Đạt", ""],
        ["5", "Hoàng Minh Em", "", "2/5", "0:45", "Trang web phường", "Chưa đạt", ""],
    ]
    assert table(html, "groups") == [  # the one without an answer is in no group
        ["Trường THCS Lê Lợi", "2", "4,50", "5"],
        ["Chi đoàn TDP 1", "2", "4,00", "5"],
    ]
    assert 'id="finished">5<' in html and 'id="in-progress">1<' in html
    assert 'data-refresh="30"' in html  # open: it refreshes itself (bot/staff/static/staff.js)
    assert 'src="/staff/static/staff.js"' in html
    assert "Đang mở" in html

    export = await client.get(f"/staff/contests/{contest_id}/results.xlsx")
    assert export.status == 200 and export.content_type == XLSX
    assert f"ket-qua-cuoc-thi-{contest_id}.xlsx" in export.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(await export.read()))
    people = [[c.value for c in row] for row in book["Xếp hạng cá nhân"].iter_rows(min_row=4)]
    assert [row[:5] for row in people] == [
        [rank, name, *next((a or None, s, 5) for n, a, s, _, _ in RESULTS if n == name)]
        for rank, name in enumerate(RANKED, start=1)
    ]
    assert [row[6] for row in people] == [95.5, 200.0, 300.0, 60.0, 45.0]
    assert all(isinstance(row[9], datetime) and row[9].tzinfo is None for row in people)
    groups = [[c.value for c in row] for row in book["Theo đơn vị"].iter_rows(min_row=4)]
    assert groups == [["Trường THCS Lê Lợi", 2, 4.5, 5], ["Chi đoàn TDP 1", 2, 4.0, 5]]

    listing = await page(client, "/staff/contests")
    row = listing.split(f'id="contest-{contest_id}"', 1)[1].split("</tr>", 1)[0]
    assert "Đang mở" in row and "Đã công bố" in row and "(+1 đang làm)" in row
    assert f'id="questions-{contest_id}">5<' in row and f'id="participants-{contest_id}">5<' in row


async def test_the_bank_is_frozen_once_someone_has_started(client: TestClient) -> None:
    csrf = await login(client, "an")  # an admin runs contests too
    contest_id = await create(client, csrf)
    added = await post(
        client,
        f"/staff/contests/{contest_id}/questions",
        csrf,
        question="Chữ ký số dùng để làm gì?",
        option_a="Ký văn bản điện tử",
        option_b="Trang trí",
        answer="A",
        explanation="Có giá trị như chữ ký tay.",
    )
    assert added.status == 303
    assert await bank_of(client, contest_id) == [
        (
            "Chữ ký số dùng để làm gì?",
            ["Ký văn bản điện tử", "Trang trí"],
            1,
            "Có giá trị như chữ ký tay.",
        )
    ]
    assert (await upload(client, contest_id, csrf, xlsx(*QUESTIONS[:2]))).status == 303
    async with client.app[DEPS].sessions() as session:
        first_id = await session.scalar(select(func.min(ContestQuestion.id)))
    deleted = await post(
        client, f"/staff/contests/{contest_id}/questions/delete", csrf, question=str(first_id)
    )
    assert deleted.status == 303 and len(await bank_of(client, contest_id)) == 2
    before = await bank_of(client, contest_id)

    await take_part(client, contest_id, [], unfinished=1)  # started, not finished yet
    refusals = [
        await post(
            client,
            f"/staff/contests/{contest_id}/questions",
            csrf,
            question="Mới?",
            option_a="Có",
            option_b="Không",
            answer="A",
        ),
        await upload(client, contest_id, csrf, xlsx(*QUESTIONS), replace=True),
        await post(
            client,
            f"/staff/contests/{contest_id}/questions/delete",
            csrf,
            question=str(first_id + 1),
        ),
    ]
    for response in refusals:
        assert response.status == 409
        assert error_of(await response.text()).startswith(
            "Đã có 1 người bắt đầu làm bài nên không thể sửa bộ câu hỏi nữa"
        )
    assert await bank_of(client, contest_id) == before
    html = await page(client, f"/staff/contests/{contest_id}")
    assert 'id="locked"' in html and "Đã có 1 người bắt đầu làm bài" in html
    assert (
        "/import" not in html
        and "/questions/delete" not in html
        and "Thêm một câu hỏi" not in html
    )
    # The contest's own details may still change.
    renamed = await post(
        client, f"/staff/contests/{contest_id}/edit", csrf, **contest_fields(title="Tên mới")
    )
    assert renamed.status == 303 and (await stored_contest(client, contest_id)).title == "Tên mới"


async def test_a_bad_file_imports_nothing_and_says_why(client: TestClient) -> None:
    csrf = await login(client, "chi")
    contest_id = await create(client, csrf)
    bad_row = ["Câu sai?", "Có", "Không", None, None, "D", ""]
    cases = [
        (
            xlsx(*QUESTIONS[:2], bad_row, QUESTIONS[3]),
            "cau-hoi.xlsx",
            "Dòng 4: đáp án là D nhưng Phương án D đang để trống.",
        ),
        (
            xlsx(["", "Có", "Không", None, None, "A", ""]),
            "cau-hoi.xlsx",
            "Dòng 2: thiếu nội dung câu hỏi.",
        ),
        (b"Cau hoi;Dap an\n", "cau-hoi.csv", "Tệp “cau-hoi.csv” không phải tệp Excel .xlsx."),
        (b"Cau hoi;Dap an\n", "cau-hoi.xlsx", bank.NOT_XLSX),
        (bank.OLE_MAGIC + bytes(600), "cau-hoi.xls", bank.OLD_XLS),
        (b"PK\x03\x04" + bytes(2 * 1024 * 1024), "lon.xlsx", "Tệp lớn quá 2 MB."),
    ]
    for data, filename, message in cases:
        response = await upload(client, contest_id, csrf, data, filename)
        assert response.status == 400, filename
        assert error_of(await response.text()).startswith(message)
    huge = await upload(client, contest_id, csrf, bytes(3 * 1024 * 1024), "rat-lon.xlsx")
    assert huge.status == 413 and "Tệp gửi lên quá lớn" in await huge.text()
    assert await bank_of(client, contest_id) == []
    template = await client.get("/staff/contests/template.xlsx")
    assert template.status == 200 and template.content_type == XLSX
    as_downloaded = await upload(client, contest_id, csrf, await template.read())
    assert as_downloaded.status == 400  # its sample rows are never imported
    assert "chỉ có các câu ví dụ của tệp mẫu" in error_of(await as_downloaded.text())
    assert await bank_of(client, contest_id) == []


async def test_form_errors_are_explained_in_vietnamese(client: TestClient) -> None:
    csrf = await login(client, "chi")
    typed = "Cuộc thi tìm hiểu Đề án 06"
    now = utcnow()
    cases = [
        ({"title": "  "}, "Tên cuộc thi đang trống."),
        ({"title": typed, "starts_at": "ngày mai"}, "Thời gian bắt đầu chưa đúng"),
        ({"title": typed, "ends_at": ""}, "Cần chọn cả thời gian bắt đầu và thời gian kết thúc."),
        (
            {"title": typed, "ends_at": local_input(now - timedelta(hours=2))},
            "Thời gian kết thúc phải sau thời gian bắt đầu.",
        ),
        ({"title": typed, "pass_percent": "0"}, "Tỷ lệ đạt phải là một số từ 1 đến 100"),
        ({"title": typed, "pass_percent": "101"}, "Tỷ lệ đạt phải là một số từ 1 đến 100"),
    ]
    for changes, message in cases:
        response = await post(client, "/staff/contests/new", csrf, **contest_fields(**changes))
        assert response.status == 400, changes
        html = await response.text()
        assert error_of(html).startswith(message)
        if changes["title"] == typed:
            assert f'value="{typed}"' in html  # what was typed comes back
    async with client.app[DEPS].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Contest)) == 0

    contest_id = await create(client, csrf)
    assert 'name="pass_percent" type="number" min="1" max="100" required value="60"' in await page(
        client, f"/staff/contests/{contest_id}/edit"
    )
    missing_b = await post(
        client,
        f"/staff/contests/{contest_id}/questions",
        csrf,
        question="Hỏi gì?",
        option_a="Có",
        answer="A",
    )
    assert missing_b.status == 400
    html = await missing_b.text()
    assert error_of(html) == "Cần ít nhất hai phương án (A và B)." and "Hỏi gì?</textarea>" in html
    for url in (
        "/staff/contests/999",
        "/staff/contests/999/edit",
        "/staff/contests/999/results.xlsx",
        "/staff/contests/abc",
    ):
        await page(client, url, 404)
    assert (await post(client, "/staff/contests/999/questions", csrf, question="x")).status == 404
    other = await post(
        client, f"/staff/contests/{contest_id}/questions/delete", csrf, question="12345"
    )
    assert other.status == 404


async def test_only_admins_and_the_tech_team_see_contests(client: TestClient) -> None:
    csrf = await login(client, "chi")
    contest_id = await create(client, csrf)
    staff_csrf = await login(client, "binh")
    assert 'href="/staff/contests"' not in await page(client, "/staff/")
    for url in (
        "/staff/contests",
        f"/staff/contests/{contest_id}",
        f"/staff/contests/{contest_id}/results.xlsx",
    ):
        assert (await client.get(url, allow_redirects=False)).status == 403
    assert (await upload(client, contest_id, staff_csrf, xlsx(*QUESTIONS))).status == 403
    refused = await post(
        client, f"/staff/contests/{contest_id}/edit", staff_csrf, **contest_fields()
    )
    assert refused.status == 403
    assert await bank_of(client, contest_id) == []
    await login(client, "an")
    assert 'href="/staff/contests"' in await page(client, f"/staff/contests/{contest_id}")
    client.session.cookie_jar.clear()
    signed_out = await client.get("/staff/contests", allow_redirects=False)
    assert signed_out.status == 302 and signed_out.headers["Location"].startswith("/staff/login")


async def test_an_import_being_read_holds_no_database_connection(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    csrf = await login(client, "chi")
    contest_id = await create(client, csrf)
    reading, chat_answered = threading.Event(), threading.Event()
    real = bank.read_bank

    def slow_read(data: bytes) -> bank.ReadBank:
        reading.set()
        assert chat_answered.wait(20), "a resident's message waited for the import"
        return real(data)

    monkeypatch.setattr(bank, "read_bank", slow_read)
    data = xlsx(["Câu 1?", "a", "b", "c", "d", "A", ""])
    importing = asyncio.create_task(upload(client, contest_id, csrf, data))
    await asyncio.to_thread(reading.wait, 20)
    reply = await asyncio.wait_for(
        handle(
            IncomingMessage("web", "visitor-while-importing", text="xin chào"), client.app[DEPS]
        ),
        10,
    )
    chat_answered.set()
    assert reply.replies
    assert (await importing).status == 303


# --- issue 20 ("Daily use"), item 14 -----------------------------------------------------------


async def test_a_contest_may_be_published_as_it_is_created(client: TestClient) -> None:
    csrf = await login(client, "chi")
    response = await post(
        client, "/staff/contests/new", csrf, **contest_fields(published="on", title="Thi ngay")
    )
    assert response.status == 303
    location = response.headers["Location"]
    assert location.endswith("?done=created_published")
    contest_id = int(location.split("/")[-1].split("?")[0])
    assert (await stored_contest(client, contest_id)).published
    html = await page(client, location)
    assert "Đã tạo và công bố cuộc thi." in html and 'id="no-questions"' in html

    async def offered(text: str) -> bool:  # "thi", or the main menu (cached a minute)
        deps = client.app[DEPS]
        reply = await handle(IncomingMessage("web", "visitor-contest-000001", text=text), deps)
        return any("Thi ngay" in r.text for r in reply.replies) or any(
            "Thi ngay" in b.title for r in reply.replies for b in r.buttons
        )

    assert not await offered("thi") and not await offered("menu")  # nothing to take yet
    assert (await upload(client, contest_id, csrf, xlsx(*QUESTIONS))).status == 303
    assert 'id="no-questions"' not in await page(client, f"/staff/contests/{contest_id}")
    assert await offered("thi")
    assert await offered("menu")  # at once: the import told the menu to read contests again


async def test_each_participant_who_passed_has_a_certificate_link(client: TestClient) -> None:
    csrf = await login(client, "chi")
    contest_id = await create(client, csrf)
    await upload(client, contest_id, csrf, xlsx(*QUESTIONS))
    taken = await take_part(client, contest_id, RESULTS)
    tokens = {name: f"chungnhan-{i:02d}-abcdefgh" for i, name in enumerate(RANKED[:4])}
    async with client.app[DEPS].sessions() as session, session.begin():
        for name, token in tokens.items():  # as the chat gives them to those who pass (60%)
            attempt = await session.get(ContestAttempt, taken[name].id)
            attempt.certificate = token
    html = await page(client, f"/staff/contests/{contest_id}")
    people = html.split('id="people"', 1)[1].split("</table>", 1)[0]
    for name, token in tokens.items():
        row = people.split(f">{name}<", 1)[1].split("</tr>", 1)[0]
        assert f'href="/chung-nhan/{token}.png"' in row and "Đạt" in row
    last = people.split(">Hoàng Minh Em<", 1)[1].split("</tr>", 1)[0]
    assert "Chưa đạt" in last and "chung-nhan" not in last
    picture = await client.get(f"/chung-nhan/{tokens['Trần Thị Bình']}.png")
    assert picture.status == 200 and picture.content_type == "image/png"

    export = await client.get(f"/staff/contests/{contest_id}/results.xlsx")
    sheet = load_workbook(io.BytesIO(await export.read()))["Xếp hạng cá nhân"]
    header = [c.value for c in sheet[3]]
    assert header[-2:] == ["Kết quả", "Giấy chứng nhận"]
    rows = {r[1]: r[-2:] for r in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["Trần Thị Bình"] == ("Đạt", f"/chung-nhan/{tokens['Trần Thị Bình']}.png")
    assert rows["Hoàng Minh Em"] == ("Chưa đạt", None)
