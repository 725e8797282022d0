"""The Telegram adapter end to end: our aiohttp app and PTB against a fake Bot API server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select

from bot.app import create_app
from bot.channels.telegram import MAX_CALLBACK_BYTES, SECRET_HEADER
from bot.channels.text import split_text
from bot.keys import DEPS, INBOX, TELEGRAM
from bot.settings import Settings
from db.models import ChannelEvent, Interaction, User
from handlers.domain.actions import more_of, open_entry
from handlers.domain.types import Button, Reply
from tests.fakes.telegram_api import (
    FakeTelegram,
    blocked,
    callback_update,
    chat_not_found,
    member_update,
    photo_update,
    text_update,
    too_many_requests,
)

SECRET = "s3cret-for_tests"


def settings_for(fake: FakeTelegram, tmp_path: Path, webhook: bool = True) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path}/tg.sqlite3",
        telegram={"bot_token": fake.token, "api_url": fake.url, "webhook_secret": SECRET},
        public_url="https://ward.example.vn" if webhook else None,
    )


@pytest.fixture
async def client(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[TestClient]:
    app = create_app(settings_for(fake, tmp_path))
    async with TestClient(TestServer(app)) as test_client:
        await asyncio.wait_for(app[TELEGRAM].ready.wait(), 10)
        yield test_client


async def post(client: TestClient, update: object, secret: str | None = SECRET):
    """Deliver an update to the webhook and wait until the inbox has handled it."""
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    response = await client.post("/webhooks/telegram", json=update, headers=headers)
    await client.app[INBOX].idle()
    return response


async def count(client: TestClient, model: type) -> int:
    async with client.app[DEPS].sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_start_registers_vietnamese_commands_and_the_webhook(
    client: TestClient, fake: FakeTelegram
) -> None:
    commands = fake.called("setMyCommands")[0]["commands"]
    assert [c["command"] for c in commands] == [
        "start",
        "menu",
        "help",
        "huy",
        "du_lieu_cua_toi",
        "xoa_du_lieu",
    ]
    assert all(c["description"] for c in commands)
    webhook = fake.called("setWebhook")[0]
    assert webhook["url"] == "https://ward.example.vn/webhooks/telegram"
    assert webhook["secret_token"] == SECRET


async def test_text_update_gets_the_procedure_card(client: TestClient, fake: FakeTelegram) -> None:
    response = await post(client, text_update(1, 501, "lam giay khai sinh cho con"))
    assert response.status == 200
    sent = fake.called("sendMessage")
    assert len(sent) == 1 and int(sent[0]["chat_id"]) == 501
    assert sent[0]["text"].startswith("ĐĂNG KÝ KHAI SINH")
    keyboard = sent[0]["reply_markup"]["inline_keyboard"]
    assert keyboard[0][0]["text"] == "Xem thêm: hồ sơ, các bước"
    assert fake.called("sendChatAction") == []  # answered at once: no "typing..." needed


async def test_an_answered_message_is_closed_by_its_own_conversation(
    client: TestClient, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The conversation marks the update handled in its transaction; the inbox must not
    open a second one to close it again (one more transaction per message)."""
    from db import queries

    closed: list[str] = []
    real_close = queries.close_event

    async def spy(session, channel, event_key, error=None):  # type: ignore[no-untyped-def]
        closed.append(event_key)
        await real_close(session, channel, event_key, error)

    monkeypatch.setattr(queries, "close_event", spy)
    await post(client, text_update(7, 507, "le phi khai sinh"))
    await post(client, callback_update(8, 507, "menu"))
    assert len(fake.called("sendMessage")) == 2
    assert closed == []
    async with client.app[DEPS].sessions() as session:
        handled = await session.scalars(select(ChannelEvent.handled_at))
        assert all(at is not None for at in handled)


async def test_slow_answer_shows_typing_first(
    client: TestClient, fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.channels import base
    from bot.channels import telegram as adapter

    real_handle = adapter.handle

    async def slow_handle(message, deps):
        await asyncio.sleep(0.3)
        return await real_handle(message, deps)

    monkeypatch.setattr(adapter, "handle", slow_handle)
    monkeypatch.setattr(base, "TYPING_AFTER", 0.05)
    await post(client, text_update(40, 540, "khai sinh"))
    methods = [name for name, _ in fake.calls]
    assert methods.index("sendChatAction") < methods.index("sendMessage")
    assert fake.called("sendChatAction")[0]["action"] == "typing"


async def test_start_command_shows_the_menu(client: TestClient, fake: FakeTelegram) -> None:
    await post(client, text_update(2, 502, "/start"))
    sent = fake.called("sendMessage")[0]
    assert "Xin chào" in sent["text"]
    assert len(sent["reply_markup"]["inline_keyboard"]) == 6  # the six main-menu sections


async def test_button_press_is_answered_and_replied(
    client: TestClient, fake: FakeTelegram
) -> None:
    await post(client, callback_update(3, 503, open_entry("dang-ky-tam-tru")))
    assert len(fake.called("answerCallbackQuery")) == 1
    assert fake.called("sendMessage")[0]["text"].startswith("ĐĂNG KÝ TẠM TRÚ")


async def test_unknown_button_is_still_answered(client: TestClient, fake: FakeTelegram) -> None:
    response = await post(client, callback_update(4, 504, "forged:payload"))
    assert response.status == 200
    assert len(fake.called("answerCallbackQuery")) == 1
    assert "không còn dùng được" in fake.called("sendMessage")[0]["text"]


async def test_redelivered_update_is_answered_once(client: TestClient, fake: FakeTelegram) -> None:
    update = text_update(5, 505, "tam tru")
    first, second = await post(client, update), await post(client, update)
    assert first.status == second.status == 200
    assert len(fake.called("sendMessage")) == 1
    assert await count(client, ChannelEvent) == 1
    assert await count(client, Interaction) == 2  # one in, one out


async def test_concurrent_redeliveries_are_answered_once(
    client: TestClient, fake: FakeTelegram
) -> None:
    update = text_update(6, 506, "khai tu")
    responses = await asyncio.gather(*(post(client, update) for _ in range(5)))
    assert all(r.status == 200 for r in responses)
    assert len(fake.called("sendMessage")) == 1


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x"])
async def test_wrong_or_missing_secret_is_refused_and_nothing_stored(
    client: TestClient, fake: FakeTelegram, secret: str | None
) -> None:
    response = await post(client, text_update(7, 507, "khai sinh"), secret=secret)
    assert response.status == 403
    assert await count(client, User) == 0
    assert await count(client, ChannelEvent) == 0
    assert fake.called("sendMessage") == []


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[1,2]", b'{"message": {}}', b'{"update_id": "x"}', b"", b"\xff\xfe\x00"],
)
async def test_malformed_body_gets_400(client: TestClient, body: bytes) -> None:
    response = await client.post("/webhooks/telegram", data=body, headers={SECRET_HEADER: SECRET})
    assert response.status == 400
    assert await count(client, ChannelEvent) == 0


async def test_blocking_and_unblocking_marks_the_resident(client: TestClient) -> None:
    await post(client, text_update(8, 508, "xin chao"))
    await post(client, member_update(9, 508, "kicked"))
    async with client.app[DEPS].sessions() as session:
        assert (await session.execute(select(User.active))).scalar_one() is False
    await post(client, member_update(10, 508, "member"))
    async with client.app[DEPS].sessions() as session:
        assert (await session.execute(select(User.active))).scalar_one() is True


async def test_blocked_recipient_is_marked_inactive(
    client: TestClient, fake: FakeTelegram
) -> None:
    fake.fail[("sendMessage", "509")] = [blocked()]
    response = await post(client, text_update(11, 509, "khai sinh"))
    assert response.status == 200
    async with client.app[DEPS].sessions() as session:
        assert (await session.execute(select(User.active))).scalar_one() is False


async def test_rate_limit_is_waited_out_and_the_reply_delivered(
    client: TestClient, fake: FakeTelegram
) -> None:
    fake.fail[("sendMessage", "510")] = [too_many_requests(1)]
    response = await post(client, text_update(12, 510, "khai sinh"))
    assert response.status == 200
    attempts = fake.called("sendMessage")
    assert len(attempts) == 2 and attempts[0] == attempts[1]


async def test_chat_not_found_and_timeouts_do_not_crash(
    client: TestClient, fake: FakeTelegram
) -> None:
    fake.fail[("sendMessage", "511")] = [chat_not_found()]
    assert (await post(client, text_update(13, 511, "khai sinh"))).status == 200
    fake.fail[("sendChatAction", "512")] = [too_many_requests(1)]
    fake.fail[("sendMessage", "512")] = [
        too_many_requests(1),
        too_many_requests(1),
        too_many_requests(1),
    ]
    assert (await post(client, text_update(14, 512, "khai sinh"))).status == 200
    assert (await post(client, text_update(15, 513, "khai sinh"))).status == 200
    assert fake.called("sendMessage")[-1]["text"].startswith("ĐĂNG KÝ KHAI SINH")


async def test_photo_is_accepted_with_a_kind_reply(client: TestClient, fake: FakeTelegram) -> None:
    response = await post(client, photo_update(16, 514))
    assert response.status == 200
    assert "chữ" in fake.called("sendMessage")[0]["text"]


async def test_long_replies_are_split_at_paragraphs(
    client: TestClient, fake: FakeTelegram
) -> None:
    paragraphs = [(f"Đoạn {i}: " + "chữ " * 300).strip() for i in range(6)]
    reply = Reply("\n\n".join(paragraphs), (Button("Về menu chính", "menu"),))
    assert (await client.app[TELEGRAM].send(520, reply)).status == "sent"
    sent = fake.called("sendMessage")
    assert len(sent) > 1 and all(len(m["text"]) <= 4096 for m in sent)
    assert "\n\n".join(m["text"] for m in sent) == reply.text
    assert all("reply_markup" not in m for m in sent[:-1]) and "reply_markup" in sent[-1]


def test_split_text_keeps_every_character() -> None:
    text = "a" * 5000 + "\n\n" + "b c " * 100
    parts = split_text(text, 4096)
    assert all(len(p) <= 4096 for p in parts)
    assert "".join(parts).replace("\n", "").replace(" ", "") == text.replace("\n", "").replace(
        " ", ""
    )


def test_every_button_payload_fits_telegram(catalogue) -> None:
    for entry_id in catalogue.entries:
        for payload in (open_entry(entry_id), more_of(entry_id)):
            assert len(payload.encode()) <= MAX_CALLBACK_BYTES


async def test_polling_mode_handles_updates(fake: FakeTelegram, tmp_path: Path) -> None:
    app = create_app(settings_for(fake, tmp_path, webhook=False))
    async with TestClient(TestServer(app)):
        await asyncio.wait_for(app[TELEGRAM].ready.wait(), 10)
        assert fake.called("deleteWebhook")
        await fake.updates.put(text_update(30, 530, "dk ket hon"))
        await fake.wait_for("sendMessage")
    assert fake.called("sendMessage")[0]["text"].startswith("ĐĂNG KÝ KẾT HÔN")


async def test_unreachable_telegram_does_not_stop_the_website(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/x.sqlite3",
        telegram={"bot_token": "1:x", "api_url": "http://127.0.0.1:9"},
        public_url="https://ward.example.vn",
    )
    app = create_app(settings)
    async with TestClient(TestServer(app)) as test_client:
        assert (await test_client.get("/healthz")).status == 200
        ready = await (await test_client.get("/readyz")).json()
        assert ready["checks"]["telegram"] == "connecting"
        response = await test_client.post(
            "/webhooks/telegram",
            json=text_update(1, 1, "x"),
            headers={SECRET_HEADER: settings.telegram.secret()},
        )
        assert response.status == 200  # stored now, handled once Telegram is reachable
        async with app[DEPS].sessions() as session:
            pending = await session.scalar(
                select(func.count())
                .select_from(ChannelEvent)
                .where(ChannelEvent.handled_at.is_(None))
            )
        assert pending == 1


async def test_a_photo_is_taken_when_the_feedback_flow_asks_for_one(
    client: TestClient, fake: FakeTelegram
) -> None:
    async def press(title: str, update_id: int) -> None:
        markup = fake.called("sendMessage")[-1]["reply_markup"]["inline_keyboard"]
        data = next(row[0]["callback_data"] for row in markup if row[0]["text"].startswith(title))
        await post(client, callback_update(update_id, 560, data))

    await post(client, text_update(60, 560, "/phan_anh"))
    await press("Môi trường", 61)
    await post(client, text_update(62, 560, "Bãi rác tự phát ở cuối hẻm 20, bốc mùi"))
    await post(client, photo_update(63, 560, caption="ảnh bãi rác"))
    assert "Đã nhận ảnh" in fake.called("sendMessage")[-1]["text"]
    async with client.app[DEPS].sessions() as session:
        from db.models import ConversationState

        state = (await session.execute(select(ConversationState))).scalar_one()
    assert state.data["fb"]["media_url"] == "telegram:file:AgAD-large"
