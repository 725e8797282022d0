"""The Zalo Official Account adapter end to end against fake OA and OAuth servers."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.channel_settings import ZaloBotSettings
from bot.channels.zalo_oa import SIGNATURE_HEADER
from bot.channels.zalo_oa_tokens import ZaloOAError, ZaloOATokens
from bot.keys import DEPS, INBOX, ZALO_OA
from bot.settings import Settings
from db.models import ChannelEvent, Interaction, Subscription, User, ZaloOAToken
from db.oa_token_store import OATokenStore
from db.session import session_factory
from handlers.domain.actions import open_entry
from tests.fakes.zalo_api import (
    FIRST_ACCESS,
    FIRST_REFRESH,
    FakeZalo,
    oa_event,
    oa_settings,
    sign,
)


@pytest.fixture
async def fake() -> AsyncIterator[FakeZalo]:
    server = await FakeZalo().start()
    yield server
    await server.stop()


def settings_for(fake: FakeZalo, database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        zalo_oa=oa_settings(fake.url),
    )


@pytest.fixture
async def client(fake: FakeZalo, tmp_path: Path) -> AsyncIterator[TestClient]:
    app = create_app(settings_for(fake, f"sqlite:///{tmp_path}/oa.sqlite3"))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def deliver(
    client: TestClient, event: dict, signature: str | None = None, raw: bytes | None = None
):
    raw = raw if raw is not None else json.dumps(event, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    signature = signature if signature is not None else sign(raw)
    if signature:
        headers[SIGNATURE_HEADER] = signature
    response = await client.post("/webhooks/zalo-oa", data=raw, headers=headers)
    await client.app[INBOX].idle()
    return response


async def count(client: TestClient, model: type) -> int:
    async with client.app[DEPS].sessions() as session:
        return await session.scalar(select(func.count()).select_from(model)) or 0


async def test_signed_text_is_answered_with_buttons(client: TestClient, fake: FakeZalo) -> None:
    assert (
        await deliver(client, oa_event("user_send_text", "z1", "lam cccd o dau"))
    ).status == 200
    sent = fake.called("oa.message.cs")
    assert len(sent) == 1 and sent[0]["access_token"] == FIRST_ACCESS
    assert sent[0]["recipient"] == {"user_id": "z1"}
    message = sent[0]["message"]
    assert message["text"].startswith("THẺ CĂN CƯỚC")
    buttons = message["attachment"]["payload"]["buttons"]
    assert buttons and all(b["type"] == "oa.query.hide" for b in buttons)


async def test_a_pressed_button_comes_back_as_text_and_works(
    client: TestClient, fake: FakeZalo
) -> None:
    await deliver(client, oa_event("user_send_text", "z2", open_entry("dang-ky-tam-tru")))
    assert fake.called("oa.message.cs")[0]["message"]["text"].startswith("ĐĂNG KÝ TẠM TRÚ")


async def test_many_choices_fall_back_to_numbered_text(client: TestClient, fake: FakeZalo) -> None:
    await deliver(client, oa_event("user_send_text", "z3", "thủ tục hành chính"))
    await deliver(client, oa_event("user_send_text", "z3", "1"))  # a section with 9 choices
    message = fake.called("oa.message.cs")[-1]["message"]
    assert "attachment" not in message and "Gõ số để chọn" in message["text"]


@pytest.mark.parametrize(
    "tamper",
    ["forged", "missing", "other_secret", "body_changed", "no_prefix_forged"],
)
async def test_forged_events_are_refused_and_nothing_stored(
    client: TestClient, fake: FakeZalo, tamper: str
) -> None:
    event = oa_event("user_send_text", "z4", "khai sinh")
    raw = json.dumps(event).encode()
    signature = {
        "forged": "mac=" + "0" * 64,
        "missing": "",
        "other_secret": sign(raw, secret="not-the-oa-key"),
        "body_changed": sign(raw),
        "no_prefix_forged": "f" * 64,
    }[tamper]
    if tamper == "body_changed":
        raw = raw.replace(b"khai sinh", b"khai tu")
    response = await deliver(client, event, signature=signature, raw=raw)
    assert response.status == 401
    assert await count(client, ChannelEvent) == 0 and await count(client, User) == 0
    assert fake.called("oa.message.cs") == []


async def test_signature_without_mac_prefix_is_accepted(client: TestClient) -> None:
    event = oa_event("user_send_text", "z5", "khai sinh")
    raw = json.dumps(event).encode()
    response = await deliver(client, event, signature=sign(raw).removeprefix("mac="), raw=raw)
    assert response.status == 200


async def test_other_app_is_forbidden(client: TestClient) -> None:
    event = {**oa_event("user_send_text", "z6", "khai sinh"), "app_id": "999"}
    raw = json.dumps(event).encode()
    response = await deliver(client, event, signature=sign(raw, app_id="999"), raw=raw)
    assert response.status == 403
    assert await count(client, ChannelEvent) == 0


async def test_stale_event_is_refused(client: TestClient) -> None:
    old = int((time.time() - 3600) * 1000)
    response = await deliver(client, oa_event("user_send_text", "z7", "khai sinh", timestamp=old))
    assert response.status == 401
    assert await count(client, ChannelEvent) == 0


async def test_malformed_body_gets_400(client: TestClient) -> None:
    response = await deliver(client, {}, signature="mac=x", raw=b"{not json")
    assert response.status == 400


async def test_replayed_event_is_answered_once(client: TestClient, fake: FakeZalo) -> None:
    event = oa_event("user_send_text", "z8", "khai tu", msg_id="same-msg")
    for _ in range(3):
        assert (await deliver(client, event)).status == 200
    assert len(fake.called("oa.message.cs")) == 1


async def test_follow_subscribes_and_unfollow_unsubscribes(
    client: TestClient, fake: FakeZalo
) -> None:
    await deliver(client, oa_event("follow", "z9"))
    assert await count(client, Subscription) == 5
    assert "Xin chào" in fake.called("oa.message.cs")[0]["message"]["text"]
    await deliver(client, oa_event("unfollow", "z9"))
    assert await count(client, Subscription) == 0
    async with client.app[DEPS].sessions() as session:
        assert (await session.execute(select(User.active))).scalar_one() is False


async def test_outside_the_interaction_window_the_reply_is_undeliverable_not_retried(
    client: TestClient, fake: FakeZalo, caplog: pytest.LogCaptureFixture
) -> None:
    fake.oa_fail["z10"] = [
        {"error": -230, "message": "User has not interacted with the OA in the last 7 days"}
    ]
    await deliver(client, oa_event("user_send_text", "z10", "khai sinh"))
    async with client.app[DEPS].sessions() as session:
        reply = (
            await session.execute(select(Interaction).where(Interaction.direction == "out"))
        ).scalar_one()
    assert reply.text.startswith("ĐĂNG KÝ KHAI SINH")
    assert len(fake.called("oa.message.cs")) == 1  # the window is closed: no retry
    assert "zalo_oa: a reply was not delivered (undeliverable)" in caplog.text


async def test_rate_limit_is_retried(client: TestClient, fake: FakeZalo) -> None:
    fake.oa_fail["z11"] = [{"status": 429, "body": {"error": -32, "message": "rate limit"}}]
    await deliver(client, oa_event("user_send_text", "z11", "khai sinh"))
    assert len(fake.called("oa.message.cs")) == 2


async def test_expired_access_token_is_refreshed_then_the_reply_sent(
    client: TestClient, fake: FakeZalo
) -> None:
    fake.access_token = "access-issued-elsewhere"  # what we hold is no longer valid
    fake.refresh_token = FIRST_REFRESH
    await deliver(client, oa_event("user_send_text", "z12", "khai sinh"))
    sends = fake.called("oa.message.cs")
    assert [s["access_token"] for s in sends] == [FIRST_ACCESS, "access-1"]
    assert len(fake.called("oauth.refresh")) == 1
    async with client.app[DEPS].sessions() as session:
        stored = (await session.execute(select(ZaloOAToken))).scalar_one()
    assert (stored.access_token, stored.refresh_token) == ("access-1", "refresh-1")


async def _tokens(
    fake: FakeZalo, engine: AsyncEngine, http: aiohttp.ClientSession
) -> ZaloOATokens:
    settings = settings_for(fake, "sqlite:///unused.sqlite3")
    assert settings.zalo_oa.app_id
    store = OATokenStore(session_factory(engine), settings.zalo_oa.app_id)
    return ZaloOATokens(settings.zalo_oa, store, http)


async def test_racing_refreshes_use_the_refresh_token_once(
    fake: FakeZalo, engine: AsyncEngine
) -> None:
    """Two tasks in one process, and two 'processes' (separate lock holders) on one database."""
    fake.refresh_delay = 0.2  # keep the first refresh in flight while the others arrive
    fake.access_token = "access-issued-elsewhere"
    async with aiohttp.ClientSession() as http:
        first, second = await _tokens(fake, engine, http), await _tokens(fake, engine, http)
        await first.seed()
        results = await asyncio.gather(
            first.refresh(stale=FIRST_ACCESS),
            first.refresh(stale=FIRST_ACCESS),
            second.refresh(stale=FIRST_ACCESS),
            second.refresh(stale=FIRST_ACCESS),
        )
    assert results == ["access-1"] * 4
    assert [c["refresh_token"] for c in fake.called("oauth.refresh")] == [FIRST_REFRESH]


async def test_failed_refresh_is_loud_and_not_retried_in_a_loop(
    fake: FakeZalo, engine: AsyncEngine, caplog: pytest.LogCaptureFixture
) -> None:
    fake.refresh_fails = True
    async with aiohttp.ClientSession() as http:
        tokens = await _tokens(fake, engine, http)
        await tokens.seed()
        with pytest.raises(ZaloOAError):
            await tokens.refresh(stale=FIRST_ACCESS)
        with pytest.raises(ZaloOAError, match="waiting"):
            await tokens.refresh(stale=FIRST_ACCESS)
    assert len(fake.called("oauth.refresh")) == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("REFRESH FAILED" in r.getMessage() for r in errors)
    assert all(FIRST_REFRESH not in r.getMessage() for r in caplog.records)


async def test_oa_and_bot_and_telegram_run_side_by_side(fake: FakeZalo, tmp_path: Path) -> None:
    from tests.fakes.zalo_api import BOT_TOKEN

    settings = settings_for(fake, f"sqlite:///{tmp_path}/all.sqlite3").model_copy(
        update={"zalo_bot": ZaloBotSettings(token=BOT_TOKEN, api_url=fake.url)}
    )
    app = create_app(settings)
    async with TestClient(TestServer(app)) as test_client:
        assert app[ZALO_OA] is not None
        ready = await (await test_client.get("/readyz")).json()
        assert "zalo_bot" in ready["checks"]


async def test_feedback_intake_with_oa_buttons(client: TestClient, fake: FakeZalo) -> None:
    """On the OA, buttons come back as text events carrying the payload."""
    await deliver(client, oa_event("user_send_text", "fz", "tôi muốn phản ánh"))

    def press(title: str) -> str:
        message = fake.called("oa.message.cs")[-1]["message"]
        buttons = message.get("attachment", {}).get("payload", {}).get("buttons", [])
        for button in buttons:
            if button["title"].startswith(title):
                return button["payload"]
        numbered = re.findall(r"^(\d+)\. (.+)$", message["text"], re.MULTILINE)
        return next(n for n, label in numbered if label.startswith(title))

    await deliver(client, oa_event("user_send_text", "fz", press("An ninh")))
    await deliver(
        client,
        oa_event("user_send_text", "fz", "Nhóm thanh niên tụ tập gây ồn sau 23 giờ ở công viên"),
    )
    await deliver(client, oa_event("user_send_image", "fz"))
    await deliver(client, oa_event("user_send_text", "fz", press("Bỏ qua")))
    await deliver(client, oa_event("user_send_text", "fz", press("Không")))
    await deliver(client, oa_event("user_send_text", "fz", press("Gửi phản ánh")))
    assert "Mã tra cứu: PA-" in fake.called("oa.message.cs")[-1]["message"]["text"]
    async with client.app[DEPS].sessions() as session:
        from db.models import Feedback

        record = (await session.execute(select(Feedback))).scalar_one()
    assert record.channel == "zalo_oa" and record.service_code == "an-ninh-trat-tu"
    assert record.media_url == "https://photo.zalo.test/i.jpg"
