"""Bad input never crashes the core: it gets a kind reply and the stored text is capped."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.models import MAX_STORED_TEXT, Interaction
from handlers.deps import Deps
from handlers.domain.types import Attachment, IncomingMessage
from handlers.engine import handle

BAD_TEXTS = {
    "empty": "",
    "whitespace": "   \n\t  ",
    "huge": "khai sinh " * 10_000,
    "control": "lam\x00 giay\x07 khai\x1b sinh\x7f",
    "emoji": "😀😀👍🙏",
    "mixed_scripts": "Привет 你好 مرحبا khai sinh",
    "only_other_scripts": "你好吗 Привет",
    "zero_width": "\u200bkhai\u200b sinh\ufeff",
    "punctuation": "?!?!...,,,;;",
    "sql_like": "'; DROP TABLE users; --",
    "html": "<script>alert(1)</script>",
    "long_word": "a" * 50_000,
}


@pytest.mark.parametrize("name", sorted(BAD_TEXTS))
async def test_bad_text_gets_a_kind_reply(name: str, deps: Deps) -> None:
    response = await handle(IncomingMessage("web", f"bad-{name}", text=BAD_TEXTS[name]), deps)
    assert response.replies and all(r.text.strip() for r in response.replies)
    assert response.intent in {"fallback", "procedure", "greeting", "menu", "clarify", "howto"}
    async with deps.sessions() as session:
        stored = (await session.execute(select(Interaction.text))).scalars().all()
    assert stored and all(len(text) <= MAX_STORED_TEXT for text in stored)
    assert not any("\x00" in text for text in stored)


async def test_text_with_words_inside_noise_is_still_understood(deps: Deps) -> None:
    response = await handle(IncomingMessage("web", "noisy", text=BAD_TEXTS["control"]), deps)
    assert response.content_id == "dang-ky-khai-sinh"


@pytest.mark.parametrize(
    "payload",
    [
        "",
        "open:",
        "open:no-such-entry",
        "more:../../etc",
        "section:nope",
        "evil:payload",
        "x" * 500,
        "\x00\x01",
    ],
)
async def test_unknown_button_payload_returns_the_menu(payload: str, deps: Deps) -> None:
    response = await handle(IncomingMessage("telegram", "btn", payload=payload), deps)
    assert response.intent in {"menu", "greeting"}
    assert response.replies[-1].buttons  # a way forward


async def test_photo_without_text_is_acknowledged(deps: Deps) -> None:
    message = IncomingMessage("zalo_bot", "photo", attachment=Attachment("image", file_id="f1"))
    response = await handle(message, deps)
    assert response.intent == "fallback"
    assert "chữ" in response.text


async def test_very_long_user_ref_is_capped(deps: Deps) -> None:
    response = await handle(IncomingMessage("web", "u" * 1000, text="khai sinh"), deps)
    assert response.content_id == "dang-ky-khai-sinh"
