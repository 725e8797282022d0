"""Observability: Prometheus metrics at /metrics, request ids, JSON log lines, and no personal
data or token in the logs at the default level."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

import bot.metrics as metrics_module
from bot.app import create_app
from bot.channels.telegram import SECRET_HEADER as TELEGRAM_SECRET_HEADER
from bot.channels.zalo_bot import SECRET_HEADER as ZALO_SECRET_HEADER
from bot.keys import DEPS, INBOX, OUTBOX, TELEGRAM, ZALO_BOT
from bot.logs import make_handler
from bot.metrics import SEND_ERROR_REASONS, send_error_reason
from bot.settings import Settings
from db.models import Outbox
from tests.fakes.telegram_api import FakeTelegram, blocked, member_update, text_update
from tests.fakes.zalo_api import BOT_TOKEN, FakeZalo, bot_event

USER = "obs0a1b2c3d4e5f6a7b8"
METRICS_TOKEN = "scrape-token-5f3a9c1e"
TELEGRAM_SECRET = "tg-secret-for-tests"
ZALO_SECRET = "zalo-secret-for-tests"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


# --- helpers ----------------------------------------------------------------------------------


def parse(text: str) -> Samples:
    """Every sample of an exposition: (name, labels) -> value."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of a metric's samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


def names(samples: Samples) -> set[str]:
    return {name for name, _ in samples}


async def scrape(client: TestClient, **headers: str) -> Samples:
    response = await client.get("/metrics", headers=headers)
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain")
    return parse(await response.text())


async def ask(client: TestClient, user: str = USER, **body: str) -> dict:
    response = await client.post("/api/chat", json={"user": user, **body})
    assert response.status == 200, await response.text()
    return await response.json()


def button(answer: dict, title: str) -> str:
    return next(
        b["payload"] for b in answer["replies"][-1]["buttons"] if b["title"].startswith(title)
    )


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/obs.sqlite3")
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def app_client(tmp_path: Path, **values: object) -> TestClient:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/obs.sqlite3", **values)
    return TestClient(TestServer(create_app(settings)))


# --- metrics ----------------------------------------------------------------------------------


async def test_metrics_count_chat_messages_by_channel_and_intent(client: TestClient) -> None:
    await ask(client, text="làm giấy khai sinh cho con")
    await ask(client, text="đăng ký tạm trú ở đâu")
    samples = await scrape(client)
    assert total(samples, "ward_messages_total", channel="web") == 2
    assert total(samples, "ward_messages_total", channel="web", intent="procedure") == 2
    assert total(samples, "ward_messages_total", channel="telegram") == 0
    assert total(samples, "ward_message_seconds_count") == 2
    assert 0 < total(samples, "ward_message_seconds_sum") < 10
    assert total(samples, "ward_http_requests_total", route="/api/chat", status="200") == 2
    assert total(samples, "ward_http_request_seconds_count", route="/api/chat") == 2
    assert total(samples, "ward_up") == 1
    assert total(samples, "ward_feedback_overdue") == 0
    assert total(samples, "ward_questions_open") == 0
    expected = {
        "ward_messages_total",
        "ward_message_seconds_bucket",
        "ward_http_requests_total",
        "ward_http_request_seconds_bucket",
        "ward_up",
        "ward_outbox_depth",
        "ward_feedback_overdue",
        "ward_questions_open",
    }
    assert expected <= names(samples)
    help_text = await (await client.get("/metrics")).text()
    for name in ("ward_unanswered_total", "ward_send_errors_total"):  # declared from the start
        assert f"# TYPE {name} counter" in help_text


async def test_unanswered_questions_and_raw_paths_stay_low_cardinality(
    client: TestClient,
) -> None:
    answer = await ask(client, text="xyzzy quux blorf")
    assert answer["intent"] == "fallback"
    await client.get("/no/such/page/12345")
    await client.get("/chung-nhan/abcdef0123456789.png")
    samples = await scrape(client)
    assert total(samples, "ward_unanswered_total", channel="web") == 1
    assert total(samples, "ward_http_requests_total", route="unmatched", status="404") == 1
    routes = {dict(ls).get("route") for n, ls in samples if n == "ward_http_requests_total"}
    assert "/chung-nhan/{token}.png" in routes  # the template, not the certificate's token
    assert not any(r and ("12345" in r or "abcdef" in r) for r in routes)


async def test_metrics_refuse_a_visitor_through_the_proxy(tmp_path: Path) -> None:
    async with await app_client(tmp_path, behind_proxy=True) as client:
        remote = await client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
        assert remote.status == 403
        forged = await client.get(
            "/metrics", headers={"X-Forwarded-For": "127.0.0.1, 203.0.113.7"}
        )
        assert forged.status == 403
        local = await client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
        assert local.status == 200
        assert (await client.get("/metrics")).status == 200  # the peer itself is loopback


async def test_metrics_token_is_required_and_accepted(tmp_path: Path) -> None:
    async with await app_client(
        tmp_path, behind_proxy=True, metrics_token=METRICS_TOKEN
    ) as client:
        remote = {"X-Forwarded-For": "203.0.113.7"}
        assert (await client.get("/metrics", headers=remote)).status == 401
        assert (await client.get("/metrics")).status == 401  # the token is asked of everyone
        wrong = {**remote, "Authorization": "Bearer not-the-token"}
        assert (await client.get("/metrics", headers=wrong)).status == 401
        right = {**remote, "Authorization": f"Bearer {METRICS_TOKEN}"}
        samples = await scrape(client, **right)
        assert total(samples, "ward_up") == 1


async def test_outbox_depth_gauge_reflects_pending_rows(client: TestClient) -> None:
    # Telegram rows in an app without Telegram: nobody sends them, they stay pending.
    async with client.app[DEPS].sessions() as session, session.begin():
        session.add_all(
            Outbox(channel="telegram", user_ref=str(900 + i), kind="staff_alert", text="x")
            for i in range(3)
        )
        session.add(
            Outbox(
                channel="zalo_oa", user_ref="z1", kind="staff_alert", text="x", status="sending"
            )
        )
    samples = await scrape(client)
    assert total(samples, "ward_outbox_depth", channel="telegram", status="pending") == 3
    assert total(samples, "ward_outbox_depth", channel="zalo_oa", status="sending") == 1
    web_pending = frozenset({("ward", "dak-bla"), ("channel", "web"), ("status", "pending")})
    assert ("ward_outbox_depth", web_pending) in samples
    assert total(samples, "ward_outbox_depth", channel="web") == 0


async def test_a_scrape_survives_the_database_being_down(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down(*_args: object) -> None:
        raise ConnectionRefusedError("database down")

    monkeypatch.setattr(metrics_module, "_read", down)
    samples = await scrape(client)
    assert total(samples, "ward_up") == 0
    assert "ward_outbox_depth" not in names(samples)
    assert "ward_feedback_overdue" not in names(samples)
    assert "ward_questions_open" not in names(samples)


async def test_send_error_counter_counts_a_blocked_delivery(tmp_path: Path) -> None:
    fake = await FakeTelegram().start()
    try:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path}/obs.sqlite3",
            telegram={
                "bot_token": fake.token,
                "api_url": fake.url,
                "webhook_secret": TELEGRAM_SECRET,
            },
            public_url="https://ward.example.vn",
        )
        app = create_app(settings)
        async with TestClient(TestServer(app)) as client:
            await asyncio.wait_for(app[TELEGRAM].ready.wait(), 10)
            fake.fail[("sendMessage", "5009")] = [blocked()]
            async with app[DEPS].sessions() as session, session.begin():
                session.add(
                    Outbox(channel="telegram", user_ref="5009", kind="feedback_reply", text="x")
                )
            app[OUTBOX].wake()
            samples: Samples = {}
            for _ in range(200):
                samples = await scrape(client)
                if total(samples, "ward_send_errors_total"):
                    break
                await asyncio.sleep(0.05)
            assert total(samples, "ward_send_errors_total", channel="telegram") == 1
            assert (
                total(samples, "ward_send_errors_total", channel="telegram", reason="blocked") == 1
            )
            labels = {dict(ls)["reason"] for n, ls in samples if n == "ward_send_errors_total"}
            assert labels <= set(SEND_ERROR_REASONS)
    finally:
        await fake.stop()


@pytest.mark.parametrize(
    ("status", "reason", "expected"),
    [
        ("blocked", "người dân đã chặn bot (Forbidden: bot was blocked by the user)", "blocked"),
        ("blocked", "403: user 4455 refused", "blocked"),
        ("undeliverable", "-230: người dân chưa tương tác với OA trong 7 ngày qua", "window"),
        ("undeliverable", "-213: người dân chưa quan tâm (follow) OA", "window"),
        ("failed", "429: Quota exceeded", "rate_limited"),
        ("failed", "Telegram không nhận sau nhiều lần thử", "network"),
        ("failed", "Telegram chưa kết nối", "network"),
        ("failed", "ClientConnectorError", "network"),
        ("failed", "TimeoutError", "network"),
        ("undeliverable", "Bad Request: chat not found", "refused"),
        ("undeliverable", "400: invalid chat_id 88123", "refused"),
        ("failed", "-201: param invalid", "refused"),
        ("failed", "token refresh failed: refresh token expired", "other"),
        ("failed", "KeyError", "other"),
        ("failed", None, "other"),
    ],
)
def test_send_error_reasons_are_a_few_classes(
    status: str, reason: str | None, expected: str
) -> None:
    assert send_error_reason(status, reason) == expected


# --- request ids and JSON logs ----------------------------------------------------------------


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The server's JSON log lines (as LOG_FORMAT=json writes them), secrets redacted."""
    stream = io.StringIO()
    handler = make_handler("json", [METRICS_TOKEN], stream)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


async def _log_something(request: web.Request) -> web.Response:
    logging.getLogger("bot.test").info("inside the request (token %s)", METRICS_TOKEN)
    return web.json_response({"ok": True})


async def test_json_log_lines_carry_the_echoed_request_id(
    tmp_path: Path, json_log: io.StringIO
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/obs.sqlite3")
    app = create_app(settings)
    app.router.add_get("/test-log", _log_something)
    async with TestClient(TestServer(app)) as client:
        given = await client.get("/test-log", headers={"X-Request-Id": "req-42.abc_DEF"})
        fresh = await client.get("/test-log")
        insane = await client.get("/test-log", headers={"X-Request-Id": "bad id\twith spaces"})
        long = await client.get("/test-log", headers={"X-Request-Id": "a" * 65})
        missing = await client.get("/no/such/page")
    assert given.headers["X-Request-Id"] == "req-42.abc_DEF"
    for response in (fresh, insane, long, missing):
        assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])
    assert missing.status == 404
    lines = [json.loads(line) for line in json_log.getvalue().splitlines() if line.strip()]
    assert lines, "no log line written"
    for entry in lines:
        assert {"time", "level", "logger", "message"} <= set(entry)
    ours = [e for e in lines if e["logger"] == "bot.test"]
    ids = [e.get("request_id") for e in ours]
    assert ids == [
        "req-42.abc_DEF",
        fresh.headers["X-Request-Id"],
        insane.headers["X-Request-Id"],
        long.headers["X-Request-Id"],
    ]
    assert ours[0]["level"] == "INFO" and ours[0]["time"].startswith("20")
    assert all(METRICS_TOKEN not in e["message"] and "***" in e["message"] for e in ours)
    outside = [e for e in lines if e["logger"] != "bot.test" and "request_id" in e]
    assert all(e["request_id"] != "req-42.abc_DEF" for e in outside)


def test_json_lines_redact_secrets_in_exceptions_too() -> None:
    stream = io.StringIO()
    logger = logging.getLogger("bot.test.redact")
    handler = make_handler("json", [METRICS_TOKEN], stream)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        try:
            raise RuntimeError(f"GET https://api.example/bot{METRICS_TOKEN}/getMe failed")
        except RuntimeError:
            logger.exception("call failed")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "ERROR" and entry["message"] == "call failed"
    assert "RuntimeError" in entry["exception"]
    assert METRICS_TOKEN not in stream.getvalue()
    assert "request_id" not in entry  # outside any request


# --- no personal data in the logs -------------------------------------------------------------

PHONE = "0905 123 456"
NAME = "Nguyễn Văn Thành"
TELEGRAM_NAME = "Phạm Thị Hồng Nhung"
ZALO_NAME = "Võ Quốc Bảo"
TELEGRAM_CHAT = 987654321
ZALO_CHAT = "zalo-user-7c1d9e2b"
LOGGERS = ("bot", "handlers", "aiohttp", "telegram", "httpx")


def _phone_pattern(phone: str) -> re.Pattern[str]:
    """The digits of the phone number with any spacing or punctuation between them."""
    digits = re.sub(r"\D", "", phone)
    return re.compile(r"[\s.\-]*".join(digits))


async def test_a_realistic_session_logs_no_personal_data_at_info(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for name in LOGGERS:
        caplog.set_level(logging.INFO, logger=name)
    telegram, zalo = await FakeTelegram().start(), await FakeZalo().start()
    sent_texts: list[str] = []
    try:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path}/pii.sqlite3",
            telegram={
                "bot_token": telegram.token,
                "api_url": telegram.url,
                "webhook_secret": TELEGRAM_SECRET,
                "staff_chat_id": "-100555777",  # new feedback goes to staff via the outbox
            },
            zalo_bot={"token": BOT_TOKEN, "api_url": zalo.url, "webhook_secret": ZALO_SECRET},
            public_url="https://ward.example.vn",
        )
        app = create_app(settings)
        async with TestClient(TestServer(app)) as client:
            await asyncio.wait_for(app[TELEGRAM].ready.wait(), 10)
            await asyncio.wait_for(app[ZALO_BOT].ready.wait(), 10)

            # The website chat: a question with a name and a phone number.
            question = f"Tôi là {NAME}, số {PHONE}, làm giấy khai sinh cho con thế nào?"
            sent_texts.append(question)
            assert (await ask(client, text=question))["intent"] == "procedure"

            # Feedback with consent to keep the phone number, all through the chat API.
            description = f"Đèn đường trước nhà ông {NAME} hỏng cả tuần, tối om"
            sent_texts.append(description)
            start = await ask(client, text="gửi phản ánh")
            await ask(client, payload=button(start, "Hạ tầng"))
            await ask(client, text=description)
            place = await ask(client, text="bỏ qua")  # typed like the button
            consent = await ask(client, payload=button(place, "Bỏ qua"))
            await ask(client, payload=button(consent, "Có"))
            confirm = await ask(client, text=PHONE)
            assert "0905123456" in confirm["replies"][-1]["text"]
            done = await ask(client, payload=button(confirm, "Gửi phản ánh"))
            assert "PA-" in done["replies"][0]["text"]

            # Telegram: a webhook update from a named resident.
            tg_text = f"Mình là {TELEGRAM_NAME}, sđt {PHONE}, hỏi thủ tục tạm trú"
            sent_texts.append(tg_text)
            update = text_update(7001, TELEGRAM_CHAT, tg_text)
            update["message"]["from"]["first_name"] = TELEGRAM_NAME
            update["message"]["chat"]["first_name"] = TELEGRAM_NAME
            response = await client.post(
                "/webhooks/telegram",
                json=update,
                headers={TELEGRAM_SECRET_HEADER: TELEGRAM_SECRET},
            )
            assert response.status == 200
            await app[INBOX].idle()
            await telegram.wait_for("sendMessage")
            # ... who then blocks the bot (logged at INFO, without the chat id).
            response = await client.post(
                "/webhooks/telegram",
                json=member_update(7002, TELEGRAM_CHAT, "kicked"),
                headers={TELEGRAM_SECRET_HEADER: TELEGRAM_SECRET},
            )
            assert response.status == 200

            # Zalo Bot: an update from another named resident.
            zalo_text = f"Tôi {ZALO_NAME} sdt 0905.123.456 muốn làm căn cước"
            sent_texts.append(zalo_text)
            event = bot_event(ZALO_CHAT, zalo_text)
            event["message"]["from"]["display_name"] = ZALO_NAME
            response = await client.post(
                "/webhooks/zalo-bot", json=event, headers={ZALO_SECRET_HEADER: ZALO_SECRET}
            )
            assert response.status == 200
            await app[INBOX].idle()
            await telegram.wait_for("sendMessage", 2)  # the answer and the staff alert
            await app[OUTBOX].settle()
            assert zalo.called("sendMessage")
    finally:
        await zalo.stop()
        await telegram.stop()

    logged_messages = [r.getMessage() for r in caplog.records]
    assert "Telegram: a resident blocked the bot" in logged_messages  # the test saw the logs
    logged = caplog.text + "\n".join(r.getMessage() for r in caplog.records)
    assert not _phone_pattern(PHONE).search(logged)
    for text in sent_texts:
        assert text not in logged
    for name in (NAME, TELEGRAM_NAME, ZALO_NAME):
        assert name not in logged
    assert telegram.token not in logged and telegram.token.split(":")[1] not in logged
    assert BOT_TOKEN not in logged and BOT_TOKEN.split(":")[1] not in logged
    assert str(TELEGRAM_CHAT) not in logged and ZALO_CHAT not in logged
