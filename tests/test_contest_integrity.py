"""Contest integrity (issue 17, finding 9): a website visitor cannot retake the contest with
fresh ids (limits per device and per address), answers and explanations wait until the
contest is over, scripted answers and one person's repeated attempts are flagged on the
leaderboard and in the results workbook, and staff set all of it per contest."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.app import create_app
from bot.keys import DEPS
from bot.settings import Settings
from db import contest_queries as cq
from db.models import Contest, ContestAttempt, ContestQuestion, utcnow
from handlers.deps import Deps
from handlers.domain.actions import Action
from handlers.domain.types import IncomingMessage, Origin, Response
from tests.test_contest_console import client as console  # noqa: F401  (fixture)
from tests.test_contest_console import contest_fields, page, post, stored_contest, table
from tests.test_contest_flow import contest, right_position, send
from tests.test_staff_console import login

QUESTIONS = [
    ("Tổng đài hỗ trợ VNeID là số nào?", ["1900.0368", "113"], 1),
    ("Có nên đọc mã OTP cho người lạ?", ["Có", "Không"], 2),
]


@pytest.fixture
async def web(tmp_path: Path) -> AsyncIterator[TestClient]:
    """The app on SQLite with one open contest: 2 attempts per device, 3 per address."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/contest.sqlite3"))
    async with TestClient(TestServer(app)) as test_client:
        async with app[DEPS].sessions() as session, session.begin():
            row = Contest(
                title="Tìm hiểu chuyển đổi số", starts_at=utcnow() - timedelta(hours=1),
                ends_at=utcnow() + timedelta(days=1), pass_percent=50, published=True,
                created_by="cli", web_attempts_per_device=2, web_attempts_per_address=3,
            )  # fmt: skip
            session.add(row)
            await session.flush()
            for i, (question, options, answer) in enumerate(QUESTIONS):
                session.add(
                    ContestQuestion(contest_id=row.id, position=i, question=question,
                                    options=options, answer=answer, explanation="")
                )  # fmt: skip
        yield test_client


async def start(client: TestClient, visitor: str, browser: str) -> str:
    """A visitor opens the contest and gives a name: the first question, or a refusal."""
    headers = {"User-Agent": browser}

    async def say(**body: str) -> str:
        response = await client.post("/api/chat", json={"user": visitor, **body}, headers=headers)
        assert response.status == 200
        return (await response.json())["replies"][-1]["text"]

    await say(text="thi")
    await say(payload=Action("quiz", "go:1").pack())
    return await say(text="Phạm Thị Thu Hà")


async def test_fresh_visitor_ids_do_not_buy_more_attempts(web: TestClient) -> None:
    phone = "Mozilla/5.0 (Linux; Android 14) Chrome/126 Mobile"
    assert (await start(web, "visitor-aaaaaaaaaaaa", phone)).startswith("Câu 1/2")
    assert (await start(web, "visitor-bbbbbbbbbbbb", phone)).startswith("Câu 1/2")  # family
    refused = await start(web, "visitor-cccccccccccc", phone)  # storage cleared: a new id
    assert "Thiết bị này đã có 2 lượt thi" in refused and "Zalo hoặc Telegram" in refused
    # Another browser on the same network: allowed up to the address's limit (3), then not.
    assert (await start(web, "visitor-dddddddddddd", "Firefox/128")).startswith("Câu 1/2")
    refused = await start(web, "visitor-eeeeeeeeeeee", "Safari/17")
    assert "Mạng Internet bạn đang dùng đã có 3 lượt thi" in refused
    async with web.app[DEPS].sessions() as session:
        attempts = list((await session.execute(select(ContestAttempt))).scalars())
    assert len(attempts) == 3
    assert all(a.address_key and a.device_key for a in attempts)
    assert (
        len({a.address_key for a in attempts}) == 1 and len({a.device_key for a in attempts}) == 2
    )
    assert all("127.0.0.1" not in (a.address_key or "") for a in attempts)  # hashed, not kept
    # The visitor who already started carries on: a limit never stops one's own attempt.
    again = await web.post(
        "/api/chat",
        json={"user": "visitor-aaaaaaaaaaaa", "payload": Action("quiz", "go:1").pack()},
        headers={"User-Agent": phone},
    )
    assert (await again.json())["replies"][-1]["text"].startswith("Câu 1/2")


async def test_other_channels_are_not_counted_by_address(deps: Deps) -> None:
    """Telegram and Zalo ids cannot be made up at will: no device or address limit there."""
    contest_id = await contest(deps, affiliation=None)
    async with deps.sessions() as session, session.begin():
        await session.execute(
            update(Contest).where(Contest.id == contest_id).values(web_attempts_per_device=1)
        )
    for chat in ("t1", "t2", "t3"):
        await send(deps, "telegram", chat, payload=Action("quiz", f"go:{contest_id}").pack())
        assert (await send(deps, "telegram", chat, text="Lê Văn Tám")).text.startswith("Câu 1/5")
    origin = Origin("203.0.113.9", "Chrome")
    for visitor, allowed in (("w1", True), ("w2", False)):
        go = Action("quiz", f"go:{contest_id}").pack()
        await handle_web(deps, visitor, origin, payload=go)
        reply = await handle_web(deps, visitor, origin, text="Lê Văn Tám")
        assert reply.text.startswith("Câu 1/5") is allowed


async def handle_web(deps: Deps, visitor: str, origin: Origin, **fields: str) -> Response:
    from handlers.engine import handle

    return await handle(IncomingMessage("web", visitor, origin=origin, **fields), deps)  # type: ignore[arg-type]


async def finish(deps: Deps, channel: str, user: str, contest_id: int, name: str) -> Response:
    """Take the whole contest with every answer wrong."""
    await send(deps, channel, user, payload=Action("quiz", f"go:{contest_id}").pack())
    reply = await send(deps, channel, user, text=name)
    for _ in range(5):
        wrong = 1 if right_position(reply) != 1 else 2
        reply = await send(deps, channel, user, payload=Action("quiz", f"ans:{wrong}").pack())
    return reply


async def test_answers_and_explanations_wait_until_the_contest_is_over(deps: Deps) -> None:
    contest_id = await contest(deps, affiliation=None)
    done = await finish(deps, "zalo_bot", "z1", contest_id, "Trần Văn Bình")
    assert "0/5 câu đúng" in done.text and "Đáp án đúng" not in done.text
    assert "Đáp án và giải thích sẽ có khi cuộc thi kết thúc" in done.text
    early = await send(deps, "zalo_bot", "z1", text="xem đáp án")
    assert "sẽ có khi cuộc thi kết thúc" in early.text and "Đáp án đúng" not in early.text
    tried = await send(
        deps, "zalo_bot", "z1", payload=Action("quiz", f"review:{contest_id}").pack()
    )
    assert "Đáp án đúng" not in tried.text  # a forged button shows nothing early either

    async with deps.sessions() as session, session.begin():  # the contest closes
        await session.execute(
            update(Contest)
            .where(Contest.id == contest_id)
            .values(ends_at=utcnow() - timedelta(minutes=1))
        )
    offered = await send(deps, "zalo_bot", "z1", text="thi")
    assert "chưa có cuộc thi nào đang mở" in offered.text
    review = next(b for b in offered.replies[-1].buttons if b.title.startswith("📖 Đáp án"))
    shown = await send(deps, "zalo_bot", "z1", payload=review.payload)
    assert "bài của bạn đúng 0/5 câu" in shown.text
    assert "Đáp án đúng: Công an phường." in shown.text and "Vì đó là quy định." in shown.text
    typed = await send(deps, "zalo_bot", "z1", text="xem dap an")  # no diacritics
    assert typed.text == shown.text
    stranger = await send(deps, "zalo_bot", "z2", payload=review.payload)
    assert "Đáp án đúng" not in stranger.text  # only to those who took part


async def test_scripted_answers_and_repeated_people_are_flagged(deps: Deps) -> None:
    contest_id = await contest(deps)
    # A script: every answer the instant the question arrives.
    await finish_with_affiliation(deps, "web", "bot-1", contest_id, "Máy Trả Lời", "TDP 9")
    # A person who reads: each question on screen for a few seconds.
    await send(deps, "telegram", "t1", payload=Action("quiz", f"go:{contest_id}").pack())
    await send(deps, "telegram", "t1", text="Nguyễn Văn An")
    reply = await send(deps, "telegram", "t1", text="Tổ dân phố 1")
    for _ in range(5):
        async with deps.sessions() as session, session.begin():  # 6 seconds pass
            reading = await session.scalar(
                select(ContestAttempt).where(ContestAttempt.name == "Nguyễn Văn An")
            )
            reading.started_at -= timedelta(seconds=6)
        reply = await send(
            deps, "telegram", "t1", payload=Action("quiz", f"ans:{right_position(reply)}").pack()
        )
    assert "5/5 câu đúng" in reply.text
    async with deps.sessions() as session:
        board = {
            s.name: s.flags
            for s in await cq.leaderboard(session, await session.get(Contest, contest_id))
        }
        person = await session.scalar(
            select(ContestAttempt).where(ContestAttempt.name == "Nguyễn Văn An")
        )
    assert person is not None and all(5.5 <= s <= 7 for s in person.answer_seconds)
    assert board == {"Nguyễn Văn An": (), "Máy Trả Lời": (cq.FLAG_FAST,)}
    # The same person again, written another way, from another chat: both get a second look.
    await finish_with_affiliation(deps, "zalo_bot", "z9", contest_id, "nguyen van an", "TDP 01")
    async with deps.sessions() as session:
        board = {
            s.name: s.flags
            for s in await cq.leaderboard(session, await session.get(Contest, contest_id))
        }
    assert (
        cq.FLAG_SAME_NAME in board["Nguyễn Văn An"] and cq.FLAG_SAME_NAME in board["nguyen van an"]
    )
    assert cq.FLAG_SAME_NAME not in board["Máy Trả Lời"]


async def finish_with_affiliation(
    deps: Deps, channel: str, user: str, contest_id: int, name: str, affiliation: str
) -> None:
    await send(deps, channel, user, payload=Action("quiz", f"go:{contest_id}").pack())
    await send(deps, channel, user, text=name)
    reply = await send(deps, channel, user, text=affiliation)
    for _ in range(5):
        reply = await send(
            deps, channel, user, payload=Action("quiz", f"ans:{right_position(reply)}").pack()
        )
    assert "5/5 câu đúng" in reply.text


async def test_staff_set_the_rules_and_see_the_flags(console: TestClient) -> None:  # noqa: F811
    csrf = await login(console, "chi")
    fields = contest_fields(
        reveal="at_finish",
        min_seconds_per_answer="5",
        web_attempts_per_device="1",
        web_attempts_per_address="0",
    )
    form = await console.get("/staff/contests/new")
    assert 'name="web_attempts_per_device"' in await form.text()
    created = await post(console, "/staff/contests/new", csrf, **fields)
    contest_id = int(created.headers["Location"].split("/")[3].split("?")[0])
    stored = await stored_contest(console, contest_id)
    assert stored.reveal_after_close is False and stored.min_seconds_per_answer == 5
    assert (stored.web_attempts_per_device, stored.web_attempts_per_address) == (1, 0)
    edit = await page(console, f"/staff/contests/{contest_id}/edit")
    assert 'value="at_finish" selected' in edit and 'value="5"' in edit
    bad = await post(
        console,
        f"/staff/contests/{contest_id}/edit",
        csrf,
        **{**fields, "web_attempts_per_device": "-1"},
    )
    assert bad.status == 400 and "Số lượt thi trên một thiết bị" in await bad.text()

    async with console.app[DEPS].sessions() as session, session.begin():
        session.add(
            ContestQuestion(contest_id=contest_id, position=0, question="Tổng đài VNeID?",
                            options=["1900.0368", "113"], answer=1, explanation="")
        )  # fmt: skip
    await post(
        console, f"/staff/contests/{contest_id}/edit", csrf, **{**fields, "published": "on"}
    )
    deps = console.app[DEPS]
    await send(deps, "telegram", "t7", payload=Action("quiz", f"go:{contest_id}").pack())
    await send(deps, "telegram", "t7", text="Máy Trả Lời")
    await send(deps, "telegram", "t7", text="TDP 9")
    await send(deps, "telegram", "t7", payload=Action("quiz", "ans:1").pack())
    html = await page(console, f"/staff/contests/{contest_id}")
    assert table(html, "people")[0][-1] == "⚠ Trả lời quá nhanh"
    assert 'id="flagged"' in html
    export = await console.get(f"/staff/contests/{contest_id}/results.xlsx")
    book = load_workbook(io.BytesIO(await export.read()))
    sheet = book["Xếp hạng cá nhân"]
    assert sheet.cell(3, 11).value == "Lưu ý" and sheet.cell(4, 11).value == "Trả lời quá nhanh"
