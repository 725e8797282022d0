"""The certificate picture: a landscape PNG carrying the participant's name, and its public
route serving it only for a finished attempt's token. The route runs on SQLite and on
PostgreSQL (the app is handed the `engine` fixture's database)."""

from __future__ import annotations

import asyncio
import io
import unicodedata
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import wiring
from bot.app import create_app
from bot.contests import certificate, drawing
from bot.contests.certificate import CERTIFICATES
from bot.keys import DEPS
from bot.settings import Settings
from db.models import Contest, ContestAttempt, Learner

NAME = "Nguyễn Thị Hồng Nhung"
TITLE = "Cuộc thi tìm hiểu chuyển đổi số phường Đăk Bla năm 2026"
FINISHED = datetime(2026, 12, 5, 2, 30, tzinfo=UTC)  # 09:30 on 5 December in Vietnam
TOKEN = "Zq3xV9-kP_2mT8wLr5YbNa"  # what secrets.token_urlsafe(16) looks like


def opened(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()  # reads the text chunks that follow the pixels
    return image


def test_the_picture_is_a_landscape_png_carrying_the_name() -> None:
    image = opened(certificate.render(NAME, TITLE, 8, 10, FINISHED, "Phường Đăk Bla"))
    assert (image.format, image.size, image.mode) == ("PNG", (1600, 1130), "RGB")
    assert image.text["Name"] == NAME
    assert image.text["Contest"] == TITLE and image.text["Score"] == "8/10"
    colours = image.convert("L").getextrema()
    assert colours[0] < 80 and colours[1] > 230  # dark text on light paper, not a blank page


def test_long_and_decomposed_text_still_fits() -> None:
    decomposed = unicodedata.normalize("NFD", NAME)  # as some phones send it
    long_title = " ".join(["Cuộc thi trực tuyến tìm hiểu về chuyển đổi số và Đề án 06"] * 6)
    name = f"{decomposed} Tôn Nữ Thị Phương Thảo Nguyễn Hoàng Bảo Ngọc Trâm Anh"
    image = opened(certificate.render(name, long_title, 20, 20, FINISHED, "Phường Đăk Bla"))
    assert image.size == (1600, 1130)
    assert image.text["Name"].startswith(NAME)  # stored composed (NFC)
    assert len(image.text["Contest"]) <= 200


def test_the_date_line_is_in_the_wards_time() -> None:
    late = datetime(2026, 3, 1, 18, 30, tzinfo=UTC)  # already 2 March in Vietnam
    assert drawing._date_line(late, "Phường Đăk Bla") == "Đăk Bla, ngày 02 tháng 3 năm 2026"
    assert drawing._date_line(FINISHED, "Phường Đăk Bla") == "Đăk Bla, ngày 05 tháng 12 năm 2026"


# --- the public route ------------------------------------------------------------------------


@pytest.fixture
async def client(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TestClient]:
    monkeypatch.setattr(wiring, "create_engine", lambda _url: engine)
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/unused.sqlite3"))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def attempts(client: TestClient) -> None:
    """A finished attempt with a certificate, and one still in progress with a token (which
    must not be served)."""
    async with client.app[DEPS].sessions() as session, session.begin():
        contest = Contest(
            title=TITLE,
            intro="",
            starts_at=FINISHED - timedelta(days=1),
            ends_at=FINISHED + timedelta(days=6),
            published=True,
            created_by="staff:chi",
        )
        first, second = Learner(code="K7M2QX"), Learner(code="P4N8RT")
        session.add_all([contest, first, second])
        await session.flush()
        common = {"contest_id": contest.id, "channel": "telegram", "total": 10}
        session.add_all(
            [
                ContestAttempt(
                    **common,
                    learner_id=first.id,
                    name=NAME,
                    score=9,
                    started_at=FINISHED - timedelta(minutes=4),
                    finished_at=FINISHED,
                    seconds=240.0,
                    certificate=TOKEN,
                ),
                ContestAttempt(
                    **common,
                    learner_id=second.id,
                    name="Lê Văn Chưa Xong",
                    certificate="unfinished-token-0001",
                ),
            ]
        )


async def test_the_route_serves_a_finished_attempts_certificate(client: TestClient) -> None:
    await attempts(client)
    response = await client.get(f"/chung-nhan/{TOKEN}.png")  # no sign-in: a chat app fetches it
    assert response.status == 200
    assert response.content_type == "image/png"
    assert "max-age" in response.headers["Cache-Control"]
    image = opened(await response.read())
    assert image.size == (1600, 1130)
    assert (image.text["Name"], image.text["Contest"], image.text["Score"]) == (
        NAME,
        TITLE,
        "9/10",
    )
    assert (await client.head(f"/chung-nhan/{TOKEN}.png")).status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/chung-nhan/unfinished-token-0001.png",  # started, not finished
        "/chung-nhan/Zq3xV9-kP_2mT8wLr5YbNb.png",  # one letter off
        "/chung-nhan/short.png",
        f"/chung-nhan/{TOKEN}.jpg",
        "/chung-nhan/.png",
    ],
)
async def test_other_tokens_are_not_found(client: TestClient, path: str) -> None:
    await attempts(client)
    assert (await client.get(path)).status == 404


async def test_a_certificate_is_drawn_once_however_many_ask_at_once(client: TestClient) -> None:
    await attempts(client)
    path = f"/chung-nhan/{TOKEN}.png"
    responses = await asyncio.gather(*(client.get(path) for _ in range(30)))
    bodies = {await r.read() for r in responses}
    assert all(r.status == 200 for r in responses) and len(bodies) == 1
    assert client.app[CERTIFICATES].drawn == 1  # thirty requests, one drawing
    etag = responses[0].headers["ETag"]
    again = await client.get(path, headers={"If-None-Match": etag})
    assert again.status == 304 and client.app[CERTIFICATES].drawn == 1
