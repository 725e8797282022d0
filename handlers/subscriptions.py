"""Nhận thông báo: residents choose to receive the ward's announcements, and can stop at once."""

from __future__ import annotations

from db import queries
from handlers.actions import Action
from handlers.cards import MENU_BUTTON
from handlers.render import with_buttons
from handlers.turn import Turn
from handlers.types import Button, Response

TOPICS = {
    "chuyen-doi-so": "Chuyển đổi số",
    "cai-cach-hanh-chinh": "Cải cách hành chính",
    "lich-phat-thanh": "Lịch phát thanh",
    "canh-bao-lua-dao": "Cảnh báo lừa đảo",
    "tin-khan": "Tin khẩn",
}
UNSUBSCRIBE_PHRASES = (
    "huy dang ky",
    "huy nhan",
    "ngung nhan",
    "dung nhan",
    "khong nhan",
    "thoi nhan",
    "bo theo doi",
    "huy theo doi",
)


def wants_to_stop(folded: str) -> bool:
    """True for "hủy đăng ký nhận tin", "ngừng nhận thông báo" and the like."""
    padded = f" {folded} "
    mentions_news = any(w in padded for w in (" tin ", " thong bao ", " theo doi "))
    return mentions_news and any(f" {p} " in padded for p in UNSUBSCRIBE_PHRASES)


async def offer(turn: Turn) -> Response:
    """Explain the announcements and offer to subscribe (or to stop, if already subscribed)."""
    topics = await queries.subscribed_topics(turn.session, turn.user.id)
    names = ", ".join(TOPICS.values())
    if topics:
        text = (
            f"Bạn đang nhận thông báo của {turn.deps.catalogue.ward.name} về: "
            + ", ".join(TOPICS.get(t, t) for t in topics)
            + '.\nMuốn dừng, bạn bấm nút bên dưới hoặc gõ "hủy nhận tin".'
        )
        buttons = [Button("Ngừng nhận thông báo", Action("unsub").pack()), MENU_BUTTON]
    else:
        text = (
            f"Phường gửi thông báo ngắn về: {names}. Bạn có muốn nhận không?\n"
            'Bạn có thể ngừng bất cứ lúc nào bằng cách gõ "hủy nhận tin".'
        )
        buttons = [Button("Đồng ý nhận thông báo", Action("sub", "all").pack()), MENU_BUTTON]
    return Response([with_buttons(text, buttons)], intent="subscribe")


async def subscribe_all(turn: Turn) -> Response:
    """Subscribe the resident to every topic."""
    await queries.subscribe(turn.session, turn.user.id, list(TOPICS))
    text = 'Đã đăng ký nhận thông báo. Cảm ơn bạn! Khi không muốn nhận nữa, bạn gõ "hủy nhận tin".'
    return Response([with_buttons(text, [MENU_BUTTON])], intent="subscribe")


async def unsubscribe(turn: Turn) -> Response:
    """Stop all announcements for this resident."""
    removed = await queries.unsubscribe(turn.session, turn.user.id)
    text = (
        "Đã ngừng gửi thông báo cho bạn."
        if removed
        else "Bạn hiện không nhận thông báo nào của phường."
    )
    return Response([with_buttons(text, [MENU_BUTTON])], intent="subscribe")
