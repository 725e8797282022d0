"""The channel contract (bot/channels/base.py): one way to render a reply by a channel's
capabilities, one way to send a response, and the bugs the adapters' drift had caused: a
Zalo resident who erased got no confirmation, a Telegram handling error was recorded as a
success, and the web chat dropped pictures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from bot.app import create_app
from bot.channels import base, webchat
from bot.channels import telegram as telegram_module
from bot.channels.base import Capabilities, Part, render, respond
from bot.channels.telegram import SECRET_HEADER as TELEGRAM_SECRET
from bot.delivery import Delivery
from bot.keys import DEPS, INBOX, TELEGRAM
from bot.settings import Settings
from db import feedback_queries as fq
from db import queries
from db.models import ChannelEvent
from handlers.domain.types import Button, Reply, Response
from tests.fakes.telegram_api import FakeTelegram, text_update

CHOICES = (Button("Khai sinh", "open:a"), Button("Khai tử", "open:b"), Button("Kết hôn", "open:c"))


def test_render_by_capabilities_with_graceful_defaults() -> None:
    reply = Reply("Bạn hỏi thủ tục nào?", CHOICES, "https://ward.example.vn/a.png")
    rich = Capabilities(max_text=4096, max_buttons=10, max_caption=1024)
    assert render(reply, rich) == [
        Part("Bạn hỏi thủ tục nào?", CHOICES, "https://ward.example.vn/a.png")
    ]
    # No buttons: numbered lines to type; the picture alone first (no caption).
    plain = render(reply, Capabilities(max_text=2000))
    assert plain[0] == Part(image_url="https://ward.example.vn/a.png")
    assert "1. Khai sinh" in plain[1].text and "Gõ số để chọn" in plain[1].text
    # Too many choices for the channel: numbered too; titles cut where they are limited.
    few = render(reply, Capabilities(max_text=2000, max_buttons=2, images=False))
    assert len(few) == 1 and not few[0].buttons and "3. Kết hôn" in few[0].text
    assert few[0].text.endswith("https://ward.example.vn/a.png")  # a link, no picture
    cut = render(
        Reply("Chọn", CHOICES), Capabilities(max_text=50, max_buttons=5, max_button_title=4)
    )
    assert [b.title for b in cut[0].buttons] == ["Kha…", "Kha…", "Kết…"]
    # Long text: split at paragraphs, buttons on the last part only.
    long = Reply("\n\n".join(["Một đoạn khá dài."] * 40), CHOICES)
    parts = render(long, Capabilities(max_text=100, max_buttons=5))
    assert len(parts) > 1 and all(len(p.text) <= 100 for p in parts)
    assert all(not p.buttons for p in parts[:-1]) and parts[-1].buttons == CHOICES


@pytest.fixture
async def telegram(fake: FakeTelegram, tmp_path: Path) -> AsyncIterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/tg.sqlite3",
        telegram={
            "bot_token": fake.token,
            "api_url": fake.url,
            "webhook_secret": "secret-for-contract",
        },
        public_url="https://ward.example.vn",
    )
    app = create_app(settings)
    async with TestClient(TestServer(app)) as client:
        await asyncio.wait_for(app[TELEGRAM].ready.wait(), 10)
        yield client


async def test_a_telegram_handling_error_is_recorded_not_a_success(
    telegram: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_args: object) -> None:
        raise RuntimeError("the core failed")

    monkeypatch.setattr(telegram_module, "handle", broken)
    headers = {TELEGRAM_SECRET: "secret-for-contract"}
    response = await telegram.post(
        "/webhooks/telegram", json=text_update(9001, 901, "khai sinh"), headers=headers
    )
    assert response.status == 200  # stored: Telegram must not send it again
    await telegram.app[INBOX].idle()
    for _ in range(50):
        async with telegram.app[DEPS].sessions() as session:
            event = await session.scalar(
                select(ChannelEvent).where(ChannelEvent.event_key == "9001")
            )
        if event is not None and event.handled_at is not None:
            break
        await asyncio.sleep(0.05)
    assert event is not None and event.handled_at is not None
    assert event.error == "RuntimeError: the core failed"


async def test_the_web_chat_carries_pictures(tmp_path: Path) -> None:
    app = create_app(
        Settings(database_url=f"sqlite:///{tmp_path}/web.sqlite3", public_url="https://w.vn")
    )
    visitor = "visitor-pictures-0001"
    async with TestClient(TestServer(app)) as client:
        async with app[DEPS].sessions() as session, session.begin():
            await queries.get_or_create_user(session, "web", visitor)
            await fq.enqueue(session, "web", visitor, "Lịch tiêm chủng tháng 12", "announcement")
            row = await fq.enqueue(session, "web", visitor, "Ảnh kèm theo", "announcement")
            row.image_url = "https://w.vn/anh/lich.png"
            row.status = "awaiting_pickup"
        shown = webchat.as_json(
            Response(
                [Reply("Giấy chứng nhận của bạn:", (), "https://w.vn/chung-nhan/x.png")], "learn"
            )
        )
        assert shown["replies"][0]["image_url"] == "https://w.vn/chung-nhan/x.png"
        updates = await client.get(f"/api/chat/updates?user={visitor}")
        pictures = [r.get("image_url") for r in (await updates.json())["replies"]]
        assert "https://w.vn/anh/lich.png" in pictures


class _Recording:
    """A channel that records what it was asked to do, in order."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[str] = []

    async def deliver(self, user_ref: str, reply: Reply, answering: bool = False) -> Delivery:
        self.calls.append(f"reply:{reply.text}")
        return Delivery("sent")

    async def typing(self) -> None:
        self.calls.append("typing")


async def _answered_after(seconds: float) -> Response:
    await asyncio.sleep(seconds)
    return Response([Reply("xong")], intent="menu")


async def test_typing_goes_first_only_when_the_answer_is_slow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(base, "TYPING_AFTER", 0.05)
    fast, slow = _Recording(), _Recording()
    await respond(fast, "u1", _answered_after(0), fast.typing)
    await respond(slow, "u2", _answered_after(0.2), slow.typing)
    assert fast.calls == ["reply:xong"]
    assert slow.calls == ["typing", "reply:xong"]
