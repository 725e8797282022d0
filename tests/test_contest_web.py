"""The contest from the website widget's API to the certificate picture: a visitor takes the
whole contest through /api/chat, passes, and the link they get serves a PNG carrying their
name."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

from bot.app import create_app
from bot.keys import DEPS
from bot.settings import Settings
from db.models import Contest, ContestQuestion, utcnow
from handlers.domain.actions import Action

VISITOR = "visitor-contest-0123456789"
QUESTIONS = [
    ("Tổng đài hỗ trợ VNeID là số nào?", ["1900.0368", "113"], 1),
    ("Có nên đọc mã OTP cho người lạ?", ["Có", "Không"], 2),
]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/contest.sqlite3"))
    async with TestClient(TestServer(app)) as test_client:
        async with app[DEPS].sessions() as session, session.begin():
            contest = Contest(
                title="Tìm hiểu chuyển đổi số", starts_at=utcnow() - timedelta(hours=1),
                ends_at=utcnow() + timedelta(days=1), pass_percent=50, published=True,
                created_by="cli",
            )  # fmt: skip
            session.add(contest)
            await session.flush()
            for i, (question, options, answer) in enumerate(QUESTIONS):
                session.add(
                    ContestQuestion(contest_id=contest.id, position=i, question=question,
                                    options=options, answer=answer, explanation="")
                )  # fmt: skip
        yield test_client


async def say(client: TestClient, **body: str) -> dict:
    response = await client.post("/api/chat", json={"user": VISITOR, **body})
    assert response.status == 200
    return await response.json()


async def test_a_visitor_passes_and_fetches_the_certificate(client: TestClient) -> None:
    intro = await say(client, text="thi")
    go = next(b for b in intro["replies"][-1]["buttons"] if b["title"] == "Bắt đầu thi")
    await say(client, payload=go["payload"])
    reply = await say(client, text="Phạm Thị Thu Hà")
    for _ in QUESTIONS:
        text = reply["replies"][-1]["text"]
        _, options, answer = next(q for q in QUESTIONS if q[0] in text)
        titles = [b["title"] for b in reply["replies"][-1]["buttons"]]
        shown = titles.index(options[answer - 1]) + 1
        reply = await say(client, payload=Action("quiz", f"ans:{shown}").pack())
    final = reply["replies"][-1]
    assert "2/2 câu đúng" in final["text"]
    # Without PUBLIC_URL too, the widget gets the certificate as a picture (it shows it with a
    # link), not as a bare path in the text.
    link = final["image_url"]
    assert re.fullmatch(r"/chung-nhan/[\w-]+\.png", link) and link not in final["text"]
    picture = await client.get(link)
    assert picture.status == 200 and picture.content_type == "image/png"
    with Image.open(io.BytesIO(await picture.read())) as image:
        assert image.text["Name"] == "Phạm Thị Thu Hà"
        assert image.size[0] > image.size[1]  # landscape
    assert (await client.get("/chung-nhan/not-a-real-token.png")).status == 404
