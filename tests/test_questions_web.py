"""Asking a person, end to end through the web chat API and the console: an unknown question
forwarded by a tap and by a typed request, answered at /staff/questions/{id}/answer and
fetched by the widget; teaching by a new entry and by an alias, then a fresh visitor answered
at once (also without diacritics); groups answered once; roles and the form token."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select, update

from bot.app import create_app
from bot.keys import DEPS, OUTBOX
from bot.settings import Settings
from bot.staff import auth
from db.models import Outbox, Question, User
from handlers.domain.types import IncomingMessage
from handlers.engine import handle
from tests.test_staff_console import PASSWORD, login

UNKNOWN = "Phường có cho mượn loa kẹo kéo để tổ chức đám cưới không?"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/questions.sqlite3"))
    async with TestClient(TestServer(app)) as test_client:
        async with app[DEPS].sessions() as session, session.begin():
            for name, role in (("an", "admin"), ("binh", "staff"), ("chi", "tech_team")):
                await auth.add_staff(session, name, name.title(), PASSWORD, role)
        yield test_client


def visitor() -> str:
    return f"visitor-{uuid.uuid4().hex[:16]}"


async def say(client: TestClient, user: str, text: str | None = None, payload: str | None = None):
    body = {
        "user": user,
        **({"text": text} if text else {}),
        **({"payload": payload} if payload else {}),
    }
    response = await client.post("/api/chat", json=body)
    assert response.status == 200
    return await response.json()


def buttons(reply: dict) -> dict[str, str]:
    return {b["title"]: b["payload"] for r in reply["replies"] for b in r["buttons"]}


def text_of(reply: dict) -> str:
    return "\n".join(r["text"] for r in reply["replies"])


async def forward_by_tap(client: TestClient, user: str, question: str = UNKNOWN) -> str:
    """Ask something the catalogue lacks, tap "Hỏi cán bộ phường"; the question's code."""
    first = await say(client, user, question)
    if "Hỏi cán bộ phường" not in buttons(first):  # a choice first: "none of these"
        first = await say(client, user, payload=buttons(first)["Không phải các mục trên"])
    assert "Hỏi cán bộ phường" in buttons(first), text_of(first)
    sent = await say(client, user, payload=buttons(first)["Hỏi cán bộ phường"])
    code = re.search(r"CH-\d{4}-[A-Z0-9]{4}", text_of(sent))
    assert code is not None and "trong cuộc trò chuyện này" in text_of(sent), text_of(sent)
    return code.group(0)


async def question_id(client: TestClient, code: str) -> int:
    async with client.app[DEPS].sessions() as session:
        return (
            await session.execute(select(Question.id).where(Question.code == code))
        ).scalar_one()


async def updates(client: TestClient, user: str) -> list[str]:
    await client.app[OUTBOX].drain_once()
    found = await (await client.get(f"/api/chat/updates?user={user}")).json()
    return [r["text"] for r in found["replies"]]


async def test_a_tapped_question_is_answered_in_the_console_and_reaches_the_widget(
    client: TestClient,
) -> None:
    user = visitor()
    code = await forward_by_tap(client, user)
    again = await say(client, user, payload="human")  # a second tap forwards nothing new
    assert code in text_of(again) and "đã được chuyển" in text_of(again)
    csrf = await login(client, "binh")
    queue = await (await client.get("/staff/questions")).text()
    assert code in queue and "1</strong> câu hỏi đang chờ" in queue
    inbox = await (await client.get("/staff/")).text()
    assert "1 câu hỏi</strong> người dân gửi cán bộ đang chờ" in inbox
    qid = await question_id(client, code)
    page = await (await client.get(f"/staff/questions/{qid}")).text()
    assert "loa kẹo kéo" in page and "Gửi được" in page
    answered = await client.post(
        f"/staff/questions/{qid}/answer",
        data={"csrf": csrf, "answer": "Phường cho mượn loa miễn phí, bạn đăng ký ở Văn phòng."},
        allow_redirects=False,
    )
    assert answered.status == 303
    received = await updates(client, user)
    assert len(received) == 1 and code in received[0] and "miễn phí" in received[0]
    status = await say(client, user, code.replace("-", "").lower())  # typed without dashes
    assert "Cán bộ đã trả lời" in text_of(status) and "miễn phí" in text_of(status)


async def test_a_typed_request_forwards_the_last_question_and_additions_are_kept(
    client: TestClient,
) -> None:
    user = visitor()
    await say(client, user, UNKNOWN)
    sent = await say(client, user, "cho tôi gặp cán bộ phường")
    code = re.search(r"CH-\d{4}-[A-Z0-9]{4}", text_of(sent)).group(0)
    add = await say(client, user, payload=buttons(sent)["Bổ sung câu hỏi"])
    assert code in text_of(add)
    await say(client, user, "Đám cưới vào ngày 20 tháng này ở tổ 5.")
    async with client.app[DEPS].sessions() as session:
        question = (await session.execute(select(Question))).scalar_one()
    assert question.text == UNKNOWN and "ngày 20" in question.additions[0]["text"]
    assert any("loa" in m["text"] for m in question.context)


async def test_a_request_with_nothing_asked_yet_asks_for_the_question(client: TestClient) -> None:
    user = visitor()
    asked = await say(client, user, "gặp người thật")
    assert "nhắn câu hỏi" in text_of(asked)
    sent = await say(client, user, "Hội trường tổ 3 có cho câu lạc bộ dưỡng sinh thuê không ạ")
    assert re.search(r"CH-\d{4}", text_of(sent))


async def test_alike_questions_are_answered_once_for_every_resident(client: TestClient) -> None:
    residents = [visitor() for _ in range(3)]
    wordings = [UNKNOWN, "phuong co cho muon loa keo keo de to chuc dam cuoi khong", UNKNOWN]
    codes = [await forward_by_tap(client, u, w) for u, w in zip(residents, wordings, strict=True)]
    csrf = await login(client, "binh")
    qid = await question_id(client, codes[0])
    page = await (await client.get(f"/staff/questions/{qid}")).text()
    assert all(code in page for code in codes)
    await client.post(
        f"/staff/questions/{qid}/answer", data={"csrf": csrf, "answer": "Có, miễn phí."}
    )
    for resident, code in zip(residents, codes, strict=True):
        received = await updates(client, resident)
        assert len(received) == 1 and code in received[0] and "miễn phí" in received[0]


async def test_teaching_a_new_entry_answers_the_next_visitor_at_once(client: TestClient) -> None:
    code = await forward_by_tap(client, visitor())
    csrf = await login(client, "binh")
    qid = await question_id(client, code)
    taught = await client.post(
        f"/staff/questions/{qid}/teach",
        data={
            "csrf": csrf,
            "title": "Mượn loa của phường cho đám cưới",
            "answer": "Phường cho mượn loa miễn phí. Bạn đăng ký trước 3 ngày tại Văn phòng.",
        },
        allow_redirects=False,
    )
    assert taught.status == 303
    for wording in (
        "Cho hỏi phường có cho mượn loa kẹo kéo để làm đám cưới không?",
        "phuong co cho muon loa keo keo lam dam cuoi ko",
        "muon loa cua phuong to chuc dam cuoi dc k",
    ):
        reply = await say(client, visitor(), wording)
        assert reply["intent"] == "learned", (wording, text_of(reply))
        assert "miễn phí" in text_of(reply) and "MƯỢN LOA" in text_of(reply)
    unrelated = await say(client, visitor(), "làm giấy khai sinh cho con cần gì")
    assert unrelated["intent"] == "procedure"
    learned = await (await client.get("/staff/learned")).text()
    assert "Mượn loa của phường cho đám cưới" in learned and "staff:binh" in learned


async def test_teaching_an_alias_sends_the_wording_to_an_existing_entry(
    client: TestClient,
) -> None:
    wording = "cái phần mềm có hình quốc huy màu đỏ tải ở chỗ nào"
    code = await forward_by_tap(client, visitor(), wording)
    csrf = await login(client, "binh")
    qid = await question_id(client, code)
    refused = await client.post(
        f"/staff/questions/{qid}/teach", data={"csrf": csrf, "entry_id": "khong-co-muc-nay"}
    )
    assert refused.status == 400
    taught = await client.post(
        f"/staff/questions/{qid}/teach",
        data={"csrf": csrf, "entry_id": "vneid-kich-hoat — Kích hoạt VNeID"},
        allow_redirects=False,
    )
    assert taught.status == 303
    reply = await say(client, visitor(), "cai phan mem co hinh quoc huy mau do tai o cho nao")
    assert reply["intent"] == "learned" and "VNEID" in text_of(reply).upper(), text_of(reply)


async def test_an_admin_withdraws_what_was_taught(client: TestClient) -> None:
    code = await forward_by_tap(client, visitor())
    csrf = await login(client, "binh")
    qid = await question_id(client, code)
    await client.post(
        f"/staff/questions/{qid}/teach",
        data={"csrf": csrf, "title": "Mượn loa của phường", "answer": "Có, miễn phí."},
    )
    refused = await client.post("/staff/learned/entry/1/withdraw", data={"csrf": csrf})
    assert refused.status == 403  # staff teach; only an admin withdraws
    csrf = await login(client, "an")
    done = await client.post(
        "/staff/learned/entry/1/withdraw", data={"csrf": csrf}, allow_redirects=False
    )
    assert done.status == 303
    reply = await say(client, visitor(), UNKNOWN)
    assert reply["intent"] != "learned"


async def test_tech_team_sees_nothing_of_the_queue_and_forms_need_the_token(
    client: TestClient,
) -> None:
    code = await forward_by_tap(client, visitor())
    qid = await question_id(client, code)
    csrf = await login(client, "chi")
    for path in ("/staff/questions", f"/staff/questions/{qid}", "/staff/learned"):
        assert (await client.get(path)).status == 403
    denied = await client.post(
        f"/staff/questions/{qid}/answer", data={"csrf": csrf, "answer": "x"}
    )
    assert denied.status == 403
    await login(client, "binh")
    forged = await client.post(f"/staff/questions/{qid}/answer", data={"answer": "x"})
    assert forged.status == 403
    forged = await client.post(
        f"/staff/questions/{qid}/teach", data={"title": "x", "answer": "y", "csrf": "wrong"}
    )
    assert forged.status == 403


async def test_a_resident_outside_the_platform_window_gets_the_answer_with_their_next_reply(
    client: TestClient,
) -> None:
    deps = client.app[DEPS]
    resident = "zalo-oa-resident-1"
    await handle(IncomingMessage("zalo_oa", resident, text=UNKNOWN), deps)
    await handle(IncomingMessage("zalo_oa", resident, payload="human"), deps)
    async with deps.sessions() as session, session.begin():
        await session.execute(
            update(User).values(last_seen_at=datetime.now(UTC) - timedelta(days=8))
        )
        qid = (await session.execute(select(Question.id))).scalar_one()
    csrf = await login(client, "binh")
    page = await (await client.get(f"/staff/questions/{qid}")).text()
    assert "Không gửi được" in page and "7 ngày" in page  # said plainly before answering
    await client.post(f"/staff/questions/{qid}/answer", data={"csrf": csrf, "answer": "Có ạ."})
    async with deps.sessions() as session:
        assert (await session.execute(select(func.count()).select_from(Outbox))).scalar() == 0
    later = await handle(IncomingMessage("zalo_oa", resident, text="xin chào"), deps)
    assert "Cán bộ phường trả lời câu hỏi CH-" in later.replies[0].text
    again = await handle(IncomingMessage("zalo_oa", resident, text="xin chào"), deps)
    assert "Cán bộ phường trả lời" not in again.text  # given once


async def test_a_question_read_as_a_report_goes_to_staff_as_a_question(
    client: TestClient,
) -> None:
    user = visitor()
    await say(client, user, "làm giấy khai sinh cần gì")  # an earlier question, answered
    tree = (
        "Cây bàng trước nhà tôi nghiêng ra đường, trước mùa bão phường có cho người đến tỉa không?"
    )
    report = await say(client, user, tree)
    assert report["intent"] == "feedback", text_of(report)  # read as a report
    sent = await say(client, user, payload=buttons(report)["Chỉ là câu hỏi: gửi cán bộ"])
    assert "Cây bàng" in text_of(sent) and re.search(r"CH-\d{4}", text_of(sent))
    assert "khai sinh" not in text_of(sent)  # the report's words, not the earlier question


async def test_chatter_is_never_a_dead_end(client: TestClient) -> None:
    reply = await say(client, visitor(), "tối nay đội tuyển Việt Nam đá với Thái Lan mấy giờ")
    assert "Hỏi cán bộ phường" in buttons(reply) and "Về menu chính" in buttons(reply)
