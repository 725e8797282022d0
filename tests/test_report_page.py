"""The console's report page: a month of real rows (residents, messages, feedback, ratings)
shows up as the right figures, charts come as PNG, both documents download and open, a bad
period is refused with its reason, and nobody signed out gets in. Runs on SQLite and, where
reachable, on PostgreSQL (the app is handed the `engine` fixture's database)."""

from __future__ import annotations

import io
import re
import tempfile
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import docx
import openpyxl
import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import wiring
from bot.app import create_app
from bot.keys import DEPS
from bot.settings import Settings
from bot.staff import auth
from bot.staff.report_views import choose
from content.loader import Catalogue
from db import feedback_queries as fq
from db import queries
from handlers.domain.calendar import VIETNAM
from tests.test_staff_console import PASSWORD, login

MONTH = "2025-10"  # the seeded month, long past so "now" never falls inside it
CATEGORY = "ha-tang"


def local(text: str) -> datetime:
    """A Vietnam wall-clock time ("2025-10-01 09:00") as aware UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=VIETNAM).astimezone(UTC)


@pytest.fixture
async def client(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TestClient]:
    # The app opens its engine from the URL; hand it the fixture's (SQLite or PostgreSQL).
    monkeypatch.setattr(wiring, "create_engine", lambda _url: engine)
    settings = Settings(  # the seeded month is over a year old: keep it (no retention)
        _env_file=None, database_url=f"sqlite:///{tmp_path}/unused.sqlite3", retention_days=0
    )
    app = create_app(settings)
    async with TestClient(TestServer(app)) as test_client:
        async with app[DEPS].sessions() as session, session.begin():
            for name, role in (("an", "admin"), ("binh", "staff"), ("chi", "tech_team")):
                await auth.add_staff(session, name, name.title(), PASSWORD, role)
        yield test_client


def asked_entry(catalogue: Catalogue) -> tuple[str, str]:
    """(id, title) of a how-to in the catalogue, the one the seeded residents ask about."""
    entry = next(e for e in catalogue.entries.values() if type(e).__name__ == "HowTo")
    return entry.id, entry.title


async def seed(client: TestClient) -> str:
    """October 2025: three residents send 7 messages in 3 conversations (5 on Telegram, 2 on
    Zalo OA; 4 ask the same how-to), two feedback records (one answered on time, one overdue),
    two ratings (4 and 5). One message on 1 November must not count. Returns the how-to's
    title."""
    entry_id, title = asked_entry(client.app[DEPS].catalogue)
    async with client.app[DEPS].sessions() as session, session.begin():
        people = {
            who: await queries.get_or_create_user(session, channel, ref)
            for who, channel, ref in (
                ("a", "telegram", "901"),
                ("b", "telegram", "902"),
                ("c", "zalo_oa", "z-903"),
            )
        }

        def message(who: str, at: str, intent: str | None = None, out: bool = False) -> dict:
            user = people[who]
            return {
                "user_id": user.id,
                "conversation_id": f"c-{who}",
                "channel": user.channel,
                "direction": "out" if out else "in",
                "text": "hỏi về thủ tục",
                "intent": intent,
                "content_id": entry_id if intent == "howto" else None,
                "created_at": local(at),
            }

        await queries.add_interactions(
            session,
            [
                message("a", "2025-10-01 09:00", "howto"),
                message("a", "2025-10-01 09:01", "howto"),
                message("a", "2025-10-01 09:02"),
                message("a", "2025-10-01 09:03", "howto", out=True),
                message("b", "2025-10-14 20:30", "howto"),
                message("b", "2025-10-14 20:31"),
                message("c", "2025-10-20 07:00", "howto"),
                message("c", "2025-10-20 07:05"),
                message("a", "2025-11-01 00:00", "howto"),  # next month
            ],
        )
        answered = await fq.create_feedback(
            session,
            "resident",
            service_code=CATEGORY,
            description="Ổ gà trước số nhà 25",
            channel="telegram",
            user_id=people["a"].id,
            requested_datetime=local("2025-10-06 09:00"),
            expected_datetime=local("2025-10-09 17:00"),
        )
        answered.status, answered.first_answered_at = "answered", local("2025-10-07 10:00")
        await fq.create_feedback(
            session,
            "resident",
            service_code=CATEGORY,
            description="Đèn đường hỏng ở tổ 3",
            channel="zalo_oa",
            user_id=people["c"].id,
            requested_datetime=local("2025-10-02 09:00"),
            expected_datetime=local("2025-10-05 17:00"),
        )
        for score, at in ((4, "2025-10-01 09:05"), (5, "2025-10-20 07:10")):
            await fq.add_rating(
                session,
                user_id=people["a"].id,
                channel="telegram",
                subject="answer",
                score=score,
                created_at=local(at),
            )
    return title


def shown(html: str, element_id: str) -> str:
    """The text of the element with this id (the page's figure tiles)."""
    match = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert match, element_id
    return match.group(1).strip()


async def test_staff_see_the_months_figures(client: TestClient) -> None:
    title = await seed(client)
    await login(client, "binh")
    response = await client.get(f"/staff/report?month={MONTH}")
    assert response.status == 200
    html = await response.text()
    assert "tháng 10/2025" in html
    figures = {
        "messages-in": "7",
        "messages-out": "1",
        "conversations": "3",
        "residents": "3",
        "feedback-received": "2",
        "feedback-answered": "1",
        "feedback-overdue": "1",
        "on-time-rate": "100,0%",
        "median-answer": "25,0 giờ",
        "ratings": "2",
        "rating-average": "4,5",
    }
    assert {key: shown(html, key) for key in figures} == figures
    by_channel = re.search(r'id="by-channel">(.*?)</table>', html, re.S).group(1)
    assert re.search(r"Telegram</td><td>2</td><td>5</td><td>2</td>", by_channel)
    assert re.search(r"Zalo OA</td><td>1</td><td>2</td><td>1</td>", by_channel)
    top = re.search(r'id="top-entries">(.*?)</table>', html, re.S).group(1)
    assert re.search(rf"{re.escape(title)}</td><td[^>]*>Hướng dẫn</td><td>4</td>", top)
    assert "Hạ tầng: đường, điện, nước" in html
    for name in ("daily_volume", "top_topics", "feedback_categories", "on_time"):
        assert f'src="/staff/report/chart/{name}.png?month={MONTH}"' in html
    for kind in ("xlsx", "docx"):
        assert f'href="/staff/report/download.{kind}?month={MONTH}"' in html


async def test_every_role_opens_the_report_from_the_menu(client: TestClient) -> None:
    this_month = datetime.now(VIETNAM).strftime("%m/%Y")
    for username in ("an", "binh", "chi"):
        await login(client, username)
        response = await client.get("/staff/report")
        assert response.status == 200, username
        html = await response.text()
        assert '<a href="/staff/report">Báo cáo</a>' in html
        assert f"tháng {this_month}" in html  # this month when none is asked for
        assert shown(html, "messages-in") == "0"
        assert "Không có phản ánh nào trong kỳ." in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("month=2025-13", "tháng viết dạng 2026-10"),
        ("quarter=2025-Q5", "quý viết dạng 2026-Q4"),
        ("from=2025-10-10&to=2025-10-01", "ngày kết thúc trước ngày bắt đầu"),
        ("from=2025-10-01", "ngày viết dạng 2026-10-01"),
        ("month=0000-01", "năm phải từ 2020 đến 2100"),
    ],
)
async def test_a_bad_period_is_refused_with_its_reason(
    client: TestClient, query: str, message: str
) -> None:
    await login(client, "chi")
    response = await client.get(f"/staff/report?{query}")
    assert response.status == 400
    html = await response.text()
    assert message in html
    assert 'id="period-error"' in html and 'name="month"' in html  # the form to try again
    for url in ("/staff/report/chart/on_time.png", "/staff/report/download.xlsx"):
        refused = await client.get(f"{url}?{query}")
        assert refused.status == 400
        assert message in await refused.text()


async def test_a_chart_comes_as_a_png(client: TestClient) -> None:
    await seed(client)
    await login(client, "an")
    for name in ("daily_volume", "satisfaction", "subscribers"):
        response = await client.get(f"/staff/report/chart/{name}.png?month={MONTH}")
        assert response.status == 200
        assert response.content_type == "image/png"
        with Image.open(io.BytesIO(await response.read())) as image:
            assert image.format == "PNG" and image.size[0] > 400 and image.size[1] > 300
    quarter = await client.get("/staff/report/chart/on_time.png?quarter=2025-Q4")
    assert quarter.status == 200 and quarter.content_type == "image/png"
    assert (await client.get(f"/staff/report/chart/nope.png?month={MONTH}")).status == 404


async def test_both_documents_download_and_leave_nothing_behind(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed(client)
    await login(client, "binh")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # where the build folder goes
    stem = "bao-cao-2025-10-01_2025-10-31"

    xlsx = await client.get(f"/staff/report/download.xlsx?month={MONTH}")
    assert xlsx.status == 200
    assert xlsx.content_type == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert xlsx.headers["Content-Disposition"] == f'attachment; filename="{stem}.xlsx"'
    workbook = openpyxl.load_workbook(io.BytesIO(await xlsx.read()))
    assert workbook.sheetnames

    word = await client.get(f"/staff/report/download.docx?month={MONTH}")
    assert word.status == 200
    assert word.content_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert word.headers["Content-Disposition"] == f'attachment; filename="{stem}.docx"'
    document = docx.Document(io.BytesIO(await word.read()))
    assert "Đăk Bla" in "\n".join(p.text for p in document.paragraphs)

    assert list(scratch.iterdir()) == []  # the build folder went with the response


async def test_a_quarter_and_a_range_of_days(client: TestClient) -> None:
    await seed(client)
    await login(client, "binh")
    quarter = await (await client.get("/staff/report?quarter=2025-Q4")).text()
    assert "quý IV/2025" in quarter and shown(quarter, "messages-in") == "8"
    assert 'src="/staff/report/chart/daily_volume.png?quarter=2025-Q4"' in quarter
    days = await (await client.get("/staff/report?from=2025-10-01&to=2025-10-14")).text()
    assert "từ 01/10/2025 đến 14/10/2025" in days and shown(days, "messages-in") == "5"
    assert "from=2025-10-01&amp;to=2025-10-14" in days  # chart links ask for the same days


async def test_signed_out_visitors_go_to_the_login_page(client: TestClient) -> None:
    client.session.cookie_jar.clear()
    for url in (
        f"/staff/report?month={MONTH}",
        f"/staff/report/chart/on_time.png?month={MONTH}",
        f"/staff/report/download.xlsx?month={MONTH}",
        f"/staff/report/download.docx?month={MONTH}",
    ):
        response = await client.get(url, allow_redirects=False)
        assert response.status == 302, url
        assert response.headers["Location"].startswith("/staff/login?next=/staff/report")


def test_the_period_is_read_from_the_query() -> None:
    now = datetime(2025, 12, 31, 17, 30, tzinfo=UTC)  # 00:30 on 1 January in Vietnam
    assert choose({}, now).query == {"month": "2026-01"}  # local month, not UTC's December
    assert choose({"month": " ", "quarter": "2026-Q1"}, now).period.label == "quý I/2026"
    both = choose({"month": "2026-02", "from": "2026-02-03", "to": "2026-02-05"}, now)
    assert (both.period.start.day, both.period.end.day) == (3, 5)
    assert choose({"month": "2026-02"}, now).encoded == "month=2026-02"
