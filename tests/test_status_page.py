"""The public status page of a phản ánh (/tra-cuu): what it shows and never shows, codes as
residents type them, unknown codes, its rate limit, and the link in the confirmation."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.keys import DEPS
from bot.settings import Settings
from handlers.deps import Deps
from handlers.domain.types import IncomingMessage
from handlers.engine import handle
from tests.flows import next_step
from tests.web_visitor import PHONE, WORDS, add_staff, app_on, finish, login, press, say

VISITOR = "visitor-status-0123456789"
PUBLIC_URL = "https://phuong.example.vn"


@pytest.fixture
async def client(engine: AsyncEngine) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(app_on(engine, public_url=PUBLIC_URL))) as test_client:
        await add_staff(test_client)
        yield test_client


async def file_feedback(client: TestClient) -> str:
    offer = await say(client, VISITOR, text=WORDS)
    asked = await press(client, VISITOR, offer, "Gửi phản ánh này")
    return await finish(client, VISITOR, asked, phone=True)


def page_text(page: str) -> str:
    return html.unescape(page)


async def test_the_page_shows_the_status_and_never_the_residents_words(
    client: TestClient,
) -> None:
    code = await file_feedback(client)
    typed = code.lower().replace("-", "")  # "pa0312vpun", as the chat accepts it
    response = await client.get(f"/tra-cuu?ma={typed}")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    shown = page_text(await response.text())
    assert f"Phản ánh {code}" in shown and "Mới tiếp nhận" in shown
    assert "Hạ tầng" in shown  # the category guessed from the words
    assert "Ngày gửi" in shown and "Hạn trả lời" in shown
    for private in (WORDS, "Đèn đường trước nhà", "nhà số 25", "tổ 7", PHONE, "0905"):
        assert private not in shown, private

    # A reply to the resident is theirs: not on the page, even once resolved.
    csrf = await login(client)
    await client.post(
        f"/staff/feedback/{code}/reply",
        data={
            "csrf": csrf,
            "text": "Chào anh Minh ở số 25, phường đã nhận.",
            "status": "answered",
        },
    )
    shown = page_text(await (await client.get(f"/tra-cuu?ma={code}")).text())
    assert "Đã trả lời" in shown and "anh Minh" not in shown
    # An answer staff publish shows once the record is resolved, phone numbers masked.
    await client.post(
        f"/staff/feedback/{code}/reply",
        data={
            "csrf": csrf,
            "text": "Phường đã thay bóng đèn. Cần thêm, gọi 0905 111 222.",
            "status": "resolved",
            "public": "on",
        },
    )
    shown = page_text(await (await client.get(f"/tra-cuu?ma={code}")).text())
    assert "Đã giải quyết xong" in shown and "Giải quyết xong ngày" in shown
    assert "Phường đã thay bóng đèn." in shown
    assert "0905 111 222" not in shown and "anh Minh" not in shown
    for private in ("Đèn đường trước nhà", "tổ 7", PHONE):
        assert private not in shown, private
    detail = page_text(await (await client.get(f"/staff/feedback/{code}")).text())
    assert "Trả lời đăng trên trang tra cứu" in detail


async def test_a_published_answer_waits_until_the_record_is_resolved(
    client: TestClient,
) -> None:
    code = await file_feedback(client)
    csrf = await login(client)
    await client.post(
        f"/staff/feedback/{code}/reply",
        data={"csrf": csrf, "text": "Phường đang sửa.", "status": "in_progress", "public": "on"},
    )
    shown = page_text(await (await client.get(f"/tra-cuu?ma={code}")).text())
    assert "Đang xử lý" in shown and "Phường đang sửa." not in shown


@pytest.mark.parametrize(
    ("typed", "answer"),
    [
        ("PA-0101-ZZZZ", "Không tìm thấy mã PA-0101-ZZZZ"),
        ("pa 0101 zzzz", "Không tìm thấy mã PA-0101-ZZZZ"),
        ("xin chào", "Không tìm thấy mã xin chào"),
        ("<script>alert(1)</script>", "Không tìm thấy mã <script>alert(1)</script>"),
    ],
)
async def test_an_unknown_code_gets_a_clear_answer(
    client: TestClient, typed: str, answer: str
) -> None:
    response = await client.get("/tra-cuu", params={"ma": typed})
    assert response.status == 404
    page = await response.text()
    assert "<script>alert" not in page  # shown back as text
    assert answer in page_text(page)
    assert 'name="ma"' in page  # the form, to try again


async def test_the_form_and_a_question_code(client: TestClient) -> None:
    form = await client.get("/tra-cuu")
    assert form.status == 200
    page = await form.text()
    assert 'name="ma"' in page and 'name="viewport"' in page and 'lang="vi"' in page
    question = page_text(await (await client.get("/tra-cuu?ma=ch-0101-abcd")).text())
    assert "CH-0101-ABCD là câu hỏi gửi cán bộ" in question


async def test_lookups_are_rate_limited_per_address(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/limit.sqlite3", behind_proxy=True)
    async with TestClient(TestServer(create_app(settings))) as client:
        one = {"X-Forwarded-For": "198.51.100.7"}
        statuses = [
            (await client.get(f"/tra-cuu?ma=PA-0101-AA{n:02d}", headers=one)).status
            for n in range(12)
        ]
        assert set(statuses[:10]) == {404} and statuses[-1] == 429
        refused = await client.get("/tra-cuu?ma=PA-0101-AAAA", headers=one)
        assert "Bạn tra cứu nhanh quá" in page_text(await refused.text())
        other = await client.get(
            "/tra-cuu?ma=PA-0101-AAAA", headers={"X-Forwarded-For": "203.0.113.9"}
        )
        assert other.status == 404
        assert (await client.get("/tra-cuu", headers=one)).status == 200  # the form is free


async def test_the_confirmation_links_to_the_status_page(client: TestClient) -> None:
    # PUBLIC_URL set: a full address, usable from any device and any channel.
    deps: Deps = client.app[DEPS]
    assert f"{PUBLIC_URL}/tra-cuu?ma=PA-" in await confirmation(
        deps, "web", "web-linked-0123456789"
    )
    assert f"{PUBLIC_URL}/tra-cuu?ma=PA-" in await confirmation(deps, "telegram", "7002")
    # Without it: a path on the website widget (the same server), nothing on Telegram.
    local = dataclasses.replace(deps, public_url=None)
    web = await confirmation(local, "web", "web-local-0123456789")
    assert "Xem tình trạng từ máy khác: /tra-cuu?ma=PA-" in web
    assert "/tra-cuu" not in await confirmation(local, "telegram", "7001")


async def confirmation(deps: Deps, channel: str, user: str) -> str:
    """The confirmation a resident of `channel` gets, the feedback filed through the core."""
    reply = await handle(IncomingMessage(channel, user, text=WORDS), deps)
    for _ in range(8):
        titles = [b.title for b in reply.replies[-1].buttons]
        title = "Gửi phản ánh này" if "Gửi phản ánh này" in titles else next_step(titles)
        if title is None:
            break
        button = next(b for b in reply.replies[-1].buttons if b.title == title)
        reply = await handle(IncomingMessage(channel, user, payload=button.payload), deps)
        if title == "Gửi phản ánh":
            break
    assert "Mã tra cứu" in reply.text, reply.text
    return reply.text
