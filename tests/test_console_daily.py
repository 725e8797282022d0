"""The console as ward officers use it every day (issue 20): the inbox counted, paged and
sorted, with assignees and "Của tôi"; search without diacritics and by phone number; the
assignee told (badge, staff group); canned replies of one's own with placeholders, internal
notes, the whole thread; error pages that keep the layout and what was typed; Vietnamese
names for roles and channels. On SQLite and PostgreSQL where the database matters."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import wiring
from bot.app import create_app
from bot.keys import DEPS, OUTBOX, TELEGRAM
from bot.settings import Settings
from bot.staff import auth
from db import feedback_queries as fq
from db import staff_queries as sq
from db.feedback_search import search_text
from db.models import VIETNAM, CannedReply, Feedback, FeedbackEvent, Outbox, StaffSession, utcnow
from db.privacy_queries import anonymise_feedback
from db.session import create_engine, upgrade
from handlers.domain.types import IncomingMessage
from handlers.engine import handle
from tests.fakes.telegram_api import FakeTelegram
from tests.flows import next_step
from tests.postgres import PG_URL, require_postgres, scratch_schema
from tests.test_staff_console import PASSWORD, login

GROUP = "-100777"
ACCOUNTS = (
    ("an", "Lê Thị An", "admin"),
    ("binh", "Trần Văn Bình", "staff"),
    ("cuong", "Phạm Quốc Cường", "staff"),
    ("chi", "Đỗ Minh Chi", "tech_team"),
)


@pytest.fixture
async def client(
    engine: AsyncEngine, fake: FakeTelegram, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TestClient]:
    # The app opens its engine from the URL; hand it the fixture's (SQLite or PostgreSQL).
    monkeypatch.setattr(wiring, "create_engine", lambda _url: engine)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/unused.sqlite3",
        telegram={
            "bot_token": fake.token,
            "api_url": fake.url,
            "webhook_secret": "secret-for-console",
            "staff_chat_id": GROUP,
        },
        public_url="https://ward.example.vn",
    )
    app = create_app(settings)
    async with TestClient(TestServer(app)) as test_client:
        await asyncio.wait_for(app[TELEGRAM].ready.wait(), 10)
        async with app[DEPS].sessions() as session, session.begin():
            for username, name, role in ACCOUNTS:
                await auth.add_staff(session, username, name, PASSWORD, role)
        yield test_client


async def add(client: TestClient, description: str, **fields: object) -> str:
    """A record stored as the intake stores one; returns its code."""
    now = utcnow()
    fields = {"service_code": "ha-tang", "channel": "telegram"} | fields
    fields.setdefault("expected_datetime", now + timedelta(days=10))
    async with client.app[DEPS].sessions() as session, session.begin():
        record = await fq.create_feedback(
            session, actor="resident", description=description, requested_datetime=now, **fields
        )
    return record.service_request_id


async def codes(client: TestClient, query: str) -> list[str]:
    """The codes the inbox lists for this address, in order."""
    page = await (await client.get(f"/staff/?{query}")).text()
    return re.findall(r'<td data-label="Mã"><a href="/staff/feedback/(PA-[^"]+)">', page)


async def staff_id(client: TestClient, username: str) -> int:
    async with client.app[DEPS].sessions() as session:
        user = await sq.by_username(session, username)
    assert user is not None
    return user.id


async def drain_group(client: TestClient, fake: FakeTelegram) -> list[str]:
    """Send what the outbox holds; the texts the staff group received."""
    for _ in range(50):  # the sender may already be delivering in the background
        await client.app[OUTBOX].drain_once()
        async with client.app[DEPS].sessions() as session:
            waiting = await session.scalar(
                select(Outbox.id).where(Outbox.status.in_(("pending", "sending")))
            )
        if waiting is None:
            break
        await asyncio.sleep(0.05)
    return [m["text"] for m in fake.called("sendMessage") if str(m["chat_id"]) == GROUP]


# --- the inbox (item 6) -------------------------------------------------------------------


async def test_the_inbox_counts_pages_and_sorts_by_due_date(client: TestClient) -> None:
    now = utcnow()
    for i in range(57):  # due dates shuffled, so newest-first and due-first differ
        await add(
            client, f"Phản ánh số {i}", expected_datetime=now + timedelta(days=1 + (i * 7) % 30)
        )
    soonest = await add(client, "Đã trả lời rồi", expected_datetime=now - timedelta(days=3))
    async with client.app[DEPS].sessions() as session, session.begin():
        await session.execute(
            update(Feedback)
            .where(Feedback.service_request_id == soonest)
            .values(status="answered")
        )
    due_first = await add(client, "Sắp đến hạn", expected_datetime=now + timedelta(hours=2))
    await login(client, "binh")
    page = await (await client.get("/staff/")).text()
    assert re.search(r'id="total"><strong>59</strong> phản ánh · đang xem 1–50', page)
    first = await codes(client, "")
    assert len(first) == 50 and first[0] == due_first  # newest first by default
    assert "Trang 1/2" in page and "page=2" in page
    second = await codes(client, "page=2")
    assert len(second) == 9 and not set(first) & set(second)
    assert "đang xem 51–59" in await (await client.get("/staff/?page=2")).text()
    by_due = await codes(client, "sort=due") + await codes(client, "sort=due&page=2")
    assert by_due[0] == due_first
    assert by_due[-1] == soonest  # answered: owed nothing, after every waiting record
    assert len(set(by_due)) == 59
    assert await codes(client, "page=99") == second  # past the end: the last page


async def test_the_assignee_list_badge_mine_filter_and_staff_group(
    client: TestClient, fake: FakeTelegram
) -> None:
    code = await add(client, "Cây đổ chắn ngang đường tổ 4")
    other = await add(client, "Rác tồn đọng ở chợ")
    csrf = await login(client, "an")
    detail = await (await client.get(f"/staff/feedback/{code}")).text()
    options = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', detail)
    names = [name for _, name in options]
    assert any("Trần Văn Bình (Cán bộ)" in n for n in names)
    assert any("Lê Thị An (Quản trị)" in n for n in names)
    assert not any("Đỗ Minh Chi" in n for n in names)  # the tech team handles no feedback
    refused = await client.post(
        f"/staff/feedback/{code}/assign",
        data={"csrf": csrf, "staff_id": str(await staff_id(client, "chi"))},
    )
    assert refused.status == 400
    body = await refused.text()
    assert "Chỉ giao được cho một cán bộ hoặc quản trị" in body and 'href="/staff/"' in body
    binh = await staff_id(client, "binh")
    assigned = await client.post(
        f"/staff/feedback/{code}/assign",
        data={"csrf": csrf, "staff_id": str(binh)},
        allow_redirects=False,
    )
    assert assigned.status == 303
    alerts = await drain_group(client, fake)
    assert any(code in a and "Trần Văn Bình" in a and "Lê Thị An" in a for a in alerts)
    inbox = await (await client.get("/staff/")).text()
    assert "Trần Văn Bình" in inbox  # the assignee column

    await login(client, "binh")
    home = await (await client.get("/staff/")).text()
    badge = re.search(r'id="mine">Việc của tôi <span class="count"[^>]*>(\d+)</span>', home)
    assert badge and badge.group(1) == "1"
    assert await codes(client, "mine=1") == [code]
    assert other in await codes(client, "")
    csrf = await login(client, "binh")
    await client.post(
        f"/staff/feedback/{code}/reply",
        data={"csrf": csrf, "text": "Đã báo công ty cây xanh.", "status": "answered"},
    )
    home = await (await client.get("/staff/account")).text()
    assert 'id="mine">Việc của tôi</a>' in home  # answered: nothing waits for Bình


# --- search (item 7) ----------------------------------------------------------------------


async def test_search_ignores_diacritics_and_matches_every_word_and_phones(
    client: TestClient,
) -> None:
    deep = await add(client, "Đường trước nhà văn hóa tổ 3 ngập sâu sau mưa", area="Tổ 3")
    shallow = await add(client, "Nước ngập ở hẻm 5 Lê Lợi")
    phone = await add(
        client, "Đèn đường hỏng", phone="0905 123 456", phone_consent=True, area="Tổ 7"
    )
    told = await add(client, "Karaoke ồn quá, gọi lại giúp tôi số 0912.345.678")
    ban = await add(client, "Bàn ghế công viên bị gãy")
    # "tổ 7" must not find tổ 3's hẻm 79 (nor a code such as PA-0412-79H3): a short number
    # is a whole word.
    await add(client, "Cống hẻm 79 bị tắc", area="Tổ 3")
    await login(client, "binh")
    assert await codes(client, "q=ngap+sau") == [deep]
    assert set(await codes(client, "q=NGẬP")) == {deep, shallow}
    assert await codes(client, "q=ng%E1%BA%ADp+s%C3%A2u") == [deep]  # typed with marks too
    assert await codes(client, "q=sau+ngap") == [deep]  # words in any order
    for typed in ("0905.123.456", "0905123456", "0905 123 456", "+84 905 123 456", "905123456"):
        assert await codes(client, f"q={typed}") == [phone], typed
    assert await codes(client, "q=0912+345+678") == [told]
    assert await codes(client, "q=to+7") == [phone]  # the area
    assert await codes(client, "q=" + phone.replace("-", "").lower()) == [phone]
    assert await codes(client, "q=" + phone) == [phone]
    assert ban not in await codes(client, "q=an")  # a word's start, not its middle
    # Erasure masks the phone: the number is no longer found, the words still are.
    async with client.app[DEPS].sessions() as session, session.begin():
        record = await fq.by_code(session, told)
        assert record is not None
        await anonymise_feedback(session, [record.id])
    assert await codes(client, "q=0912345678") == []
    assert await codes(client, "q=karaoke") == [told]


async def test_feedback_filed_in_the_web_chat_is_found_without_diacritics(
    client: TestClient,
) -> None:
    visitor = "visitor-search-0123456789"

    async def say(**body: str) -> dict:
        return await (await client.post("/api/chat", json={"user": visitor, **body})).json()

    reply = await say(text="gửi phản ánh")
    category = next(b for b in reply["replies"][-1]["buttons"] if b["title"].startswith("Hạ"))
    await say(payload=category["payload"])
    reply = await say(text="Đường tổ 3 ngập sâu sau trận mưa tối qua, xe máy không qua được")
    while (title := next_step(b["title"] for b in reply["replies"][-1]["buttons"])) is not None:
        button = next(b for b in reply["replies"][-1]["buttons"] if b["title"] == title)
        reply = await say(payload=button["payload"])
        if title.startswith("Gửi phản ánh"):
            break
    code = re.search(r"PA-\d{4}-\w{4}", reply["replies"][-1]["text"]).group(0)
    await add(client, "Ngập nước ở chợ")  # matches one word only
    await login(client, "binh")
    assert await codes(client, "q=ngap+sau") == [code]


# --- reply tools (item 8) -----------------------------------------------------------------


async def test_canned_replies_belong_to_their_author_and_fill_placeholders(
    client: TestClient,
) -> None:
    code = await add(client, "Vỉa hè bị lấn chiếm")
    csrf = await login(client, "binh")
    text = "Phường đã nhận phản ánh {ma} ({nhom}) và trả lời trước {han}. {ten_phuong}."
    created = await client.post(
        "/staff/canned",
        data={"csrf": csrf, "title": "Đã nhận", "text": text},
        allow_redirects=False,
    )
    assert created.status == 303
    async with client.app[DEPS].sessions() as session:
        reply = (await session.execute(select(CannedReply))).scalar_one()
    assert reply.owner_id == await staff_id(client, "binh")
    edited = await client.post(
        f"/staff/canned/{reply.id}",
        data={"csrf": csrf, "title": "Đã tiếp nhận", "text": text},
        allow_redirects=False,
    )
    assert edited.status == 303
    detail = await (await client.get(f"/staff/feedback/{code}")).text()
    async with client.app[DEPS].sessions() as session:
        record = await fq.by_code(session, code)
    due = record.expected_datetime.astimezone(VIETNAM).strftime("%d/%m/%Y")
    ward = client.app[DEPS].catalogue.ward.name
    option = re.search(r'<option value="(Phường đã nhận[^"]*)">Đã tiếp nhận<', detail)
    assert option and option.group(1) == (
        f"Phường đã nhận phản ánh {code} (Hạ tầng: đường, điện, nước) và trả lời trước {due}. "
        f"{ward}."
    )

    csrf = await login(client, "cuong")  # a colleague uses it but may not change it
    page = await (await client.get("/staff/canned")).text()
    assert "Đã tiếp nhận" in page and "Trần Văn Bình" in page
    assert f'action="/staff/canned/{reply.id}"' not in page
    refused = await client.post(
        f"/staff/canned/{reply.id}", data={"csrf": csrf, "title": "x", "text": "y"}
    )
    assert refused.status == 403
    body = await refused.text()
    assert "chỉ người viết và quản trị sửa" in body and 'href="/staff/canned"' in body
    assert (await client.post(f"/staff/canned/{reply.id}/delete", data={"csrf": csrf})).ok is False
    # A placeholder typed by hand is filled when sent.
    await client.post(
        f"/staff/feedback/{code}/reply",
        data={"csrf": csrf, "text": "Mã {ma}: đã xử lý xong.", "status": "resolved"},
    )
    async with client.app[DEPS].sessions() as session:
        sent = await session.scalar(select(Outbox.text).where(Outbox.kind == "feedback_reply"))
    assert sent is None  # a record stored without a resident: nothing to send
    async with client.app[DEPS].sessions() as session:
        event = await session.scalar(select(FeedbackEvent).where(FeedbackEvent.action == "reply"))
    assert event is not None and event.note == f"Mã {code}: đã xử lý xong."

    csrf = await login(client, "an")  # an admin may edit and delete anyone's
    await client.post(
        f"/staff/canned/{reply.id}", data={"csrf": csrf, "title": "Chung", "text": "Cảm ơn."}
    )
    await client.post(f"/staff/canned/{reply.id}/delete", data={"csrf": csrf})
    async with client.app[DEPS].sessions() as session:
        assert (await session.execute(select(CannedReply))).first() is None


async def _web_feedback(client: TestClient, visitor: str, text: str) -> str:
    """A website visitor files feedback pressing buttons; returns the code."""
    deps = client.app[DEPS]
    r = await handle(IncomingMessage("web", visitor, text="gửi phản ánh"), deps)
    category = next(b for b in r.replies[-1].buttons if b.title.startswith("Hạ"))
    r = await handle(IncomingMessage("web", visitor, payload=category.payload), deps)
    r = await handle(IncomingMessage("web", visitor, text=text), deps)
    while (title := next_step(b.title for b in r.replies[-1].buttons)) is not None:
        button = next(b for b in r.replies[-1].buttons if b.title == title)
        r = await handle(IncomingMessage("web", visitor, payload=button.payload), deps)
        if title.startswith("Gửi phản ánh"):
            break
    assert r.content_id
    return r.content_id


async def test_the_thread_history_and_internal_notes(client: TestClient) -> None:
    visitor = "visitor-thread-0123456789"
    code = await _web_feedback(client, visitor, "Cống thoát nước tổ 2 bị tắc, mùi hôi")
    csrf = await login(client, "binh")
    secret = "Hộ này từng khiếu nại nhiều lần, cần đi cùng tổ trưởng"
    noted = await client.post(
        f"/staff/feedback/{code}/note",
        data={"csrf": csrf, "internal": secret},
        allow_redirects=False,
    )
    assert noted.status == 303
    await client.post(
        f"/staff/feedback/{code}/reply",
        data={"csrf": csrf, "text": "Đội vệ sinh đã thông cống sáng nay.", "status": "resolved"},
    )
    await client.app[OUTBOX].drain_once()
    # The resident rates with the button they got; then looks the record up by its code.
    deps = client.app[DEPS]
    updates = await (await client.get(f"/api/chat/updates?user={visitor}")).json()
    rate = next(b for b in updates["replies"][-1]["buttons"] if b["title"].startswith("5"))
    await handle(IncomingMessage("web", visitor, payload=rate["payload"]), deps)
    looked_up = await handle(IncomingMessage("web", visitor, text=code), deps)
    assert "Đội vệ sinh" in looked_up.text and "tổ trưởng" not in looked_up.text
    async with deps.sessions() as session:
        events = list((await session.execute(select(FeedbackEvent))).scalars())
        sent = list((await session.execute(select(Outbox.text))).scalars())
    assert [e.action for e in events] == ["created", "note", "reply"]
    assert not any("tổ trưởng" in text for text in sent)  # never through the outbox

    detail = await (await client.get(f"/staff/feedback/{code}")).text()
    thread = detail.split('id="trao-doi"')[1].split("</div>\n  </div>")[0]
    assert "Bấm nút “Hạ tầng" in thread  # the title pressed, not its payload
    assert "fb:" not in thread
    assert "Đội vệ sinh đã thông cống sáng nay." in thread and "Trần Văn Bình" in thread
    assert "Đánh giá cách phường xử lý: 5/5 – Rất hài lòng" in thread
    assert "tổ trưởng" not in thread  # notes are not part of the exchange
    history = detail.split('id="lich-su"')[1]
    assert re.search(r'class="event internal">.*?Ghi chú nội bộ.*?tổ trưởng', history, re.S)
    assert "staff:binh" not in detail and "Trần Văn Bình" in history
    assert history.count("Trả lời người dân") == 1
    assert "chuyển sang Đã giải quyết xong" in history


# --- error pages (item 9) -----------------------------------------------------------------


async def test_a_refused_reply_shows_the_form_again_with_what_was_typed(
    client: TestClient,
) -> None:
    code = await add(client, "Ổ gà trước chợ")
    csrf = await login(client, "binh")
    empty = await client.post(
        f"/staff/feedback/{code}/reply", data={"csrf": csrf, "text": "   ", "status": "resolved"}
    )
    assert empty.status == 400
    page = await empty.text()
    assert 'id="error-reply"' in page and "Nội dung trả lời đang trống" in page
    assert '<option value="resolved" selected>' in page  # the status they had chosen
    assert 'href="/staff/"' in page and "Trần Văn Bình" in page  # the layout, signed in
    long = "Phường xin trả lời. " * 250
    too_long = await client.post(
        f"/staff/feedback/{code}/reply", data={"csrf": csrf, "text": long, "status": "in_progress"}
    )
    assert too_long.status == 400
    page = await too_long.text()
    assert long.strip()[:200] in page and '<option value="in_progress" selected>' in page
    empty_note = await client.post(
        f"/staff/feedback/{code}/note", data={"csrf": csrf, "internal": ""}
    )
    assert empty_note.status == 400 and 'id="error-note"' in await empty_note.text()
    stale = await client.post(  # a form from before signing in again elsewhere
        f"/staff/feedback/{code}/reply",
        data={"csrf": "old-token", "text": "Đã cử người vá ổ gà.", "status": "answered"},
        headers={"Referer": f"http://{client.host}:{client.port}/staff/feedback/{code}"},
    )
    assert stale.status == 403
    page = await stale.text()
    assert "Trang bạn gửi đã cũ" in page and 'href="/staff/"' in page
    assert f'data-keep-for="/staff/feedback/{code}"' in page and "Đã cử người vá ổ gà." in page
    async with client.app[DEPS].sessions() as session:
        actions = list((await session.execute(select(FeedbackEvent.action))).scalars())
    assert actions == ["created"]  # nothing stored by a refused form
    missing = await client.get("/staff/feedback/PA-0101-ZZZZ")
    assert missing.status == 404
    assert "Không có phản ánh này." in await missing.text()
    assert "Hộp thư phản ánh" in await missing.text()
    new = await client.post(
        "/staff/feedback/new", data={"csrf": csrf, "description": "ồn", "area": "Tổ 9"}
    )
    assert new.status == 400 and 'value="Tổ 9"' in await new.text()


async def test_a_wrong_role_gets_the_console_page_naming_roles_in_vietnamese(
    client: TestClient,
) -> None:
    await login(client, "chi")
    response = await client.get("/staff/")
    assert response.status == 403
    page = await response.text()
    assert "Trang này dành cho: Quản trị, Cán bộ" in page
    assert "Tổ công nghệ số" in page and 'href="/staff/announcements"' in page
    assert "tech_team" not in page and "(staff)" not in page
    await login(client, "binh")
    response = await client.get("/staff/contests")
    assert response.status == 403 and "Trang này dành cho: Quản trị, Tổ công nghệ số" in (
        await response.text()
    )


async def test_an_expired_session_signs_in_and_comes_back_with_what_was_typed(
    client: TestClient,
) -> None:
    code = await add(client, "Chó thả rông ở công viên")
    csrf = await login(client, "binh")
    async with client.app[DEPS].sessions() as session, session.begin():
        await session.execute(
            update(StaffSession).values(expires_at=utcnow() - timedelta(minutes=1))
        )
    page = f"/staff/feedback/{code}"
    opened = await client.get(f"{page}?tab=1", allow_redirects=False)
    assert opened.status == 302
    target = urlsplit(opened.headers["Location"])
    assert target.path == "/staff/login"
    assert parse_qs(target.query) == {"next": [f"{page}?tab=1"], "expired": ["1"]}
    form = await (await client.get(opened.headers["Location"])).text()
    assert "Phiên làm việc đã hết hạn" in form and f'value="{page}?tab=1"' in form
    typed = "Phường đã cử cán bộ đến kiểm tra."
    sent = await client.post(
        f"{page}/reply",
        data={"csrf": csrf, "text": typed, "status": "answered"},
        headers={"Referer": f"http://{client.host}:{client.port}{page}"},
    )
    assert sent.status == 401
    form = await sent.text()
    assert "Phiên làm việc đã hết hạn" in form and f'data-keep-for="{page}"' in form
    assert f'data-keep="text" aria-label="Nội dung đã gõ">{typed}</textarea>' in form
    assert f'name="next" value="{page}"' in form
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    signed_in = await client.post(
        "/staff/login",
        data={"csrf": token, "username": "binh", "password": PASSWORD, "next": page},
        allow_redirects=False,
    )
    assert signed_in.status == 303 and signed_in.headers["Location"] == page


# --- one vocabulary (item 17) -------------------------------------------------------------


async def test_roles_and_the_web_channel_have_one_vietnamese_name(
    client: TestClient, fake: FakeTelegram
) -> None:
    await _web_feedback(client, "visitor-names-0123456789", "Đèn đường tổ 8 tắt cả tuần")
    alerts = await drain_group(client, fake)
    assert any("qua Trang web phường)" in a for a in alerts)
    assert not any("qua web" in a for a in alerts)
    for username, role in (("an", "Quản trị"), ("binh", "Cán bộ"), ("chi", "Tổ công nghệ số")):
        await login(client, username)
        page = await (await client.get("/staff/account")).text()
        assert f"({role})</a>" in page and f"Vai trò: <strong>{role}</strong>" in page
        for code in ("(admin)", "(staff)", "tech_team"):
            assert code not in page
    await login(client, "binh")
    inbox = await (await client.get("/staff/")).text()
    assert '<option value="web" >Trang web phường</option>' in inbox
    assert '<td data-label="Kênh">Trang web phường</td>' in inbox


# --- the migration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
async def test_the_migration_folds_the_records_already_stored(
    backend: str, tmp_path: Path
) -> None:
    if backend == "sqlite":
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/before.sqlite3")
        drop = engine.dispose
    else:
        require_postgres()
        engine, drop = await scratch_schema(PG_URL)
    when = sa.DateTime(timezone=True)
    feedback = sa.table(  # the table as revision 0012 left it (no search column yet)
        "feedback",
        *(sa.column(name) for name in ("service_request_id", "service_code", "description")),
        *(sa.column(name) for name in ("status", "channel", "area", "phone", "phone_consent")),
        *(sa.column(n, when) for n in ("requested_datetime", "updated_datetime")),
        sa.column("expected_datetime", when),
    )
    try:
        await upgrade(engine, "0012")
        now = utcnow()
        async with engine.begin() as conn:
            await conn.execute(
                feedback.insert().values(
                    service_request_id="PA-0112-7K3Q",
                    service_code="ha-tang",
                    description="Đường tổ 3 ngập sâu, gọi 0905.123.456",
                    status="new",
                    channel="web",
                    area="Tổ dân phố 3",
                    phone=None,
                    phone_consent=False,
                    requested_datetime=now,
                    updated_datetime=now,
                    expected_datetime=now,
                )
            )
        await upgrade(engine)
        async with engine.connect() as conn:
            folded = await conn.scalar(sa.text("SELECT search_text FROM feedback"))
    finally:
        await drop()
    assert folded == search_text(
        "PA-0112-7K3Q", "Đường tổ 3 ngập sâu, gọi 0905.123.456", "Tổ dân phố 3", None
    )
    assert " ngap sau " in folded and " pa01127k3q " in folded and " 0905123456 " in folded
