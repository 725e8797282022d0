"""Nhận thông báo: residents choose the topics of the ward's announcements (and, if they like,
their tổ dân phố for news about their area), and stop with one word at any time."""

from __future__ import annotations

from content.areas import area_key
from db import queries
from handlers.cards import CANCEL_BUTTON, MENU_BUTTON
from handlers.domain.actions import Action
from handlers.domain.announcement_card import RESIDENT_REACH_NOTES
from handlers.domain.types import Button, Response
from handlers.domain.vocabulary import TOPICS
from handlers.feature import Feature
from handlers.render import with_buttons
from handlers.turn import Turn

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
ONE_WORD_STOP = {"ngung", "ngungtin", "unsubscribe"}  # "NGỪNG" stops every announcement
AREA_FLOW = "sub_area"
MAX_AREA = 100


def wants_to_stop(folded: str) -> bool:
    """True for "hủy nhận tin", "ngừng nhận thông báo", or the one word "ngừng"."""
    if folded in ONE_WORD_STOP:
        return True
    padded = f" {folded} "
    mentions_news = any(w in padded for w in (" tin ", " thong bao ", " theo doi "))
    return mentions_news and any(f" {p} " in padded for p in UNSUBSCRIBE_PHRASES)


def _topic_buttons(chosen: set[str]) -> list[Button]:
    return [
        Button(("☑ " if code in chosen else "☐ ") + title, Action("sub", f"toggle:{code}").pack())
        for code, title in TOPICS.items()
    ]


async def offer(turn: Turn, intro: str | None = None) -> Response:
    """The subscription page: topics to tick, area, and how to stop."""
    chosen = set(await queries.subscribed_topics(turn.session, turn.user.id))
    area = turn.user.area
    lines = [intro] if intro else []
    if chosen:
        names = ", ".join(TOPICS[t] for t in TOPICS if t in chosen)
        lines.append(f"Bạn đang nhận thông báo của {turn.deps.catalogue.ward.name} về: {names}.")
    else:
        lines.append(
            f"{turn.deps.catalogue.ward.name} gửi thông báo ngắn về các chủ đề dưới "
            "đây. Bấm (hoặc gõ số) để chọn chủ đề bạn muốn nhận."
        )
    lines.append(
        f"Tổ dân phố của bạn: {area}."
        if area
        else "Bạn có thể cho biết tổ dân phố để nhận cả tin riêng của khu vực mình."
    )
    lines.append('Muốn dừng, bạn gõ một chữ: "ngừng".')
    if note := RESIDENT_REACH_NOTES.get(turn.msg.channel):
        lines.append(note)
    buttons = [
        *_topic_buttons(chosen),
        Button("Nhận tất cả", Action("sub", "all").pack()),
        Button(
            "Cho biết tổ dân phố" if not area else "Đổi tổ dân phố", Action("sub", "area").pack()
        ),
    ]
    if chosen:
        buttons.append(Button("Ngừng nhận tất cả", Action("unsub").pack()))
    buttons.append(MENU_BUTTON)
    return Response([with_buttons("\n".join(lines), buttons)], intent="subscribe")


async def on_button(turn: Turn, arg: str) -> Response:
    """Subscription buttons: "all", "toggle:<topic>", "area"."""
    if arg == "all":
        await queries.subscribe(turn.session, turn.user.id, list(TOPICS))
        return await offer(turn, "Đã đăng ký nhận tất cả thông báo. Cảm ơn bạn!")
    if arg.startswith("toggle:") and arg[7:] in TOPICS:
        topic = arg[7:]
        if topic in await queries.subscribed_topics(turn.session, turn.user.id):
            await queries.unsubscribe(turn.session, turn.user.id, [topic])
            return await offer(turn, f"Đã bỏ chủ đề {TOPICS[topic]}.")
        await queries.subscribe(turn.session, turn.user.id, [topic])
        return await offer(turn, f"Đã thêm chủ đề {TOPICS[topic]}.")
    if arg == "area":
        turn.state.flow = AREA_FLOW
        text = 'Bạn ở tổ dân phố nào? Gõ tên, ví dụ "Tổ dân phố 3" hoặc "TDP Lê Lợi 4".'
        return Response([with_buttons(text, [CANCEL_BUTTON])], intent="subscribe")
    return await offer(turn)


def in_area_flow(turn: Turn) -> bool:
    """True while the resident is telling their tổ dân phố."""
    return turn.state.flow == AREA_FLOW


async def on_area(turn: Turn) -> Response:
    """Store the tổ dân phố the resident typed."""
    area = " ".join(turn.text.split())[:MAX_AREA]
    if len(area) < 2:
        text = 'Bạn gõ tên tổ dân phố giúp mình nhé, ví dụ "Tổ dân phố 3".'
        return Response([with_buttons(text, [CANCEL_BUTTON])], intent="subscribe")
    turn.state.flow = None
    await queries.set_area(turn.session, turn.user.id, area, area_key(area))
    turn.user.area = area
    return await offer(turn, f"Đã lưu tổ dân phố: {area}.")


async def unsubscribe(turn: Turn) -> Response:
    """Stop all announcements for this resident."""
    removed = await queries.unsubscribe(turn.session, turn.user.id)
    text = (
        'Đã ngừng gửi thông báo cho bạn. Khi muốn nhận lại, bạn chọn "Nhận thông báo" trong menu.'
        if removed
        else "Bạn hiện không nhận thông báo nào của phường."
    )
    return Response([with_buttons(text, [MENU_BUTTON])], intent="subscribe")


async def _unsubscribe(turn: Turn, _arg: str = "") -> Response:
    return await unsubscribe(turn)


async def _typed(turn: Turn) -> Response | None:
    return await unsubscribe(turn) if wants_to_stop(turn.folded) else None


async def _offer(turn: Turn) -> Response:
    return await offer(turn)


FEATURE = Feature(
    "subscriptions",
    verbs={"sub": on_button, "unsub": _unsubscribe},
    typed=_typed,
    flows=frozenset({AREA_FLOW}),
    on_message=on_area,
    section="subscribe",
    start=_offer,
)
