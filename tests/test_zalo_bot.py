"""The Zalo Bot Platform adapter end to end against a fake Bot API server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import create_app
from bot.channels.zalo_bot import SECRET_HEADER
from bot.keys import DEPS, INBOX, ZALO_BOT
from bot.settings import Settings
from db.models import ChannelEvent, User
from handlers.domain.types import Reply
from tests.fakes.zalo_api import BOT_TOKEN, FakeZalo, bot_event

SECRET = "zalo-secret-123"


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    server = await FakeZalo().start()
    yield server
    await server.stop()


def settings_for(fake: FakeZalo, tmp_path: Path, webhook: bool = True) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path}/zb.sqlite3",
        zalo_bot={"token": BOT_TOKEN, "api_url": fake.url, "webhook_secret": SECRET},
        public_url="https://ward.example.vn" if webhook else None,
    )


@pytest.fixture
async def client(fake: FakeZalo, tmp_path: Path) -> AsyncIterator[TestClient]:
    app = create_app(settings_for(fake, tmp_path))
    async with TestClient(TestServer(app)) as test_client:
        await asyncio.wait_for(app[ZALO_BOT].ready.wait(), 10)
        yield test_client


async def post(client: TestClient, event: object, secret: str | None = SECRET):
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    response = await client.post("/webhooks/zalo-bot", json=event, headers=headers)
    await client.app[INBOX].idle()
    return response


async def count(client: TestClient, model: type) -> int:
    async with client.app[DEPS].sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_webhook_is_registered_with_the_secret(client: TestClient, fake: FakeZalo) -> None:
    registered = fake.called("setWebhook")[0]
    assert registered == {
        "url": "https://ward.example.vn/webhooks/zalo-bot",
        "secret_token": SECRET,
    }


@pytest.mark.parametrize("wrapped", [False, True])
async def test_text_gets_the_card_as_numbered_text(
    client: TestClient, fake: FakeZalo, wrapped: bool
) -> None:
    response = await post(client, bot_event("u1", "dk ks cho be", wrapped=wrapped))
    assert response.status == 200
    sent = fake.called("sendMessage")
    assert len(sent) == 1 and sent[0]["chat_id"] == "u1"
    assert sent[0]["text"].startswith("ĐĂNG KÝ KHAI SINH")
    assert "Gõ số để chọn:\n1. Xem thêm: hồ sơ, các bước" in sent[0]["text"]


async def test_typing_a_number_picks_the_choice(client: TestClient, fake: FakeZalo) -> None:
    await post(client, bot_event("u2", "menu"))
    await post(client, bot_event("u2", "2"))  # Đường dây nóng: one message per group
    hotlines = fake.called("sendMessage")[1:]
    assert hotlines and any("113" in m["text"] for m in hotlines)


async def test_replayed_event_is_answered_once(client: TestClient, fake: FakeZalo) -> None:
    event = bot_event("u3", "tam tru", message_id="same-id")
    await post(client, event)
    await post(client, event)
    await post(client, {"ok": True, "result": event})  # the same event, wrapped this time
    assert len(fake.called("sendMessage")) == 1
    assert await count(client, ChannelEvent) == 1


@pytest.mark.parametrize("secret", [None, "", "wrong-secret-1", SECRET.upper()])
async def test_wrong_or_missing_secret_gets_403_and_nothing_stored(
    client: TestClient, fake: FakeZalo, secret: str | None
) -> None:
    response = await post(client, bot_event("u4", "khai sinh"), secret=secret)
    assert response.status == 403
    assert await count(client, ChannelEvent) == 0 and await count(client, User) == 0


@pytest.mark.parametrize(
    "body",
    [
        b"nope",
        b"[]",
        b'{"event_name": "message.text.received"}',
        b'{"ok": true, "result": {"message": {}}}',
    ],
)
async def test_malformed_events_get_400(client: TestClient, body: bytes) -> None:
    response = await client.post("/webhooks/zalo-bot", data=body, headers={SECRET_HEADER: SECRET})
    assert response.status == 400
    assert await count(client, ChannelEvent) == 0


@pytest.mark.parametrize(
    ("event", "extra", "expected"),
    [
        ("message.image.received", {"photo": "https://p.zalo.test/1.jpg"}, "ảnh"),
        ("message.sticker.received", {"sticker": "abc", "url": "https://s.zalo.test/1"}, "Cảm ơn"),
        ("message.unsupported.received", {}, "chưa xem được"),
        ("message.voice.received", {}, "chưa xem được"),
    ],
)
async def test_non_text_events_get_a_kind_reply(
    client: TestClient, fake: FakeZalo, event: str, extra: dict, expected: str
) -> None:
    await post(client, bot_event("u5", None, event=event, **extra))
    assert expected in fake.called("sendMessage")[0]["text"]


async def test_long_reply_is_split_at_2000(client: TestClient, fake: FakeZalo) -> None:
    paragraphs = [("Đoạn văn dài. " * 60).strip() for _ in range(5)]
    delivery = await client.app[ZALO_BOT].deliver("u6", Reply("\n\n".join(paragraphs)))
    assert delivery.status == "sent"
    sent = fake.called("sendMessage")
    assert len(sent) > 1 and all(len(m["text"]) <= 2000 for m in sent)


async def test_quota_error_is_retried(client: TestClient, fake: FakeZalo) -> None:
    fake.bot_fail[("sendMessage", "u7")] = [
        (429, {"ok": False, "error_code": 429, "description": "Quota exceeded"})
    ]
    await post(client, bot_event("u7", "khai tu"))
    sent = fake.called("sendMessage")
    assert len(sent) == 2 and sent[1]["text"].startswith("ĐĂNG KÝ KHAI TỬ")


async def test_polling_treats_408_as_empty(fake: FakeZalo, tmp_path: Path) -> None:
    app = create_app(settings_for(fake, tmp_path, webhook=False))
    async with TestClient(TestServer(app)):
        await asyncio.wait_for(app[ZALO_BOT].ready.wait(), 10)
        assert fake.called("deleteWebhook")
        await asyncio.sleep(1.5)  # at least one empty poll answered 408
        await fake.updates.put(bot_event("u8", "dk ket hon"))
        for _ in range(100):
            if fake.called("sendMessage"):
                break
            await asyncio.sleep(0.05)
    assert len(fake.called("getUpdates")) >= 2
    assert fake.called("sendMessage")[0]["text"].startswith("ĐĂNG KÝ KẾT HÔN")


async def test_the_token_appears_in_no_log_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/t.sqlite3",
        zalo_bot={"token": BOT_TOKEN, "api_url": "http://127.0.0.1:9"},
    )  # nothing listens there
    app = create_app(settings)
    async with TestClient(TestServer(app)):
        await asyncio.sleep(0.5)
        await app[ZALO_BOT].deliver("u9", Reply("xin chào"))
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "unreachable" in logged or "failed" in logged
    assert BOT_TOKEN not in logged and BOT_TOKEN.split(":")[1] not in logged


async def test_feedback_intake_by_typing_numbers(client: TestClient, fake: FakeZalo) -> None:
    """No buttons on Zalo Bot: the resident answers every step by typing."""
    steps = [
        bot_event("fb1", "gửi phản ánh"),
        bot_event("fb1", "3"),  # Hạ tầng
        bot_event("fb1", "Cống thoát nước ở đầu hẻm 8 bị tắc, nước tràn ra đường"),
        bot_event(
            "fb1", None, event="message.image.received", photo="https://p.zalo.test/cong.jpg"
        ),
        bot_event("fb1", "TDP 2, hẻm 8 Lê Lợi"),
        bot_event("fb1", "2"),  # no phone
        bot_event("fb1", "1"),
    ]  # send
    for event in steps:
        await post(client, event)
    texts = [m["text"] for m in fake.called("sendMessage")]
    assert "Gõ số để chọn" in texts[0]
    assert "Mã tra cứu: PA-" in texts[-1]
    async with client.app[DEPS].sessions() as session:
        from db.models import Feedback

        record = (await session.execute(select(Feedback))).scalar_one()
    assert record.channel == "zalo_bot" and record.media_url == "https://p.zalo.test/cong.jpg"
    assert record.area == "TDP 2, hẻm 8 Lê Lợi" and record.phone is None


async def test_a_zalo_bot_resident_who_erases_gets_the_confirmation(
    client: TestClient, fake: FakeZalo
) -> None:
    await post(client, bot_event("e1", "xin chào"))
    await post(client, bot_event("e1", "/xoa_du_lieu"))
    asked = fake.called("sendMessage")[-1]["text"]
    assert "Gõ số để chọn" in asked
    number = next(line.split(".")[0] for line in asked.splitlines() if line.endswith(". Xóa"))
    await post(client, bot_event("e1", number))
    assert fake.called("sendMessage")[-1]["text"].startswith("Phường đã xóa dữ liệu của bạn")
