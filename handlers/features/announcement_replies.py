"""Residents answering an announcement: by its "Hỏi phường về tin này" button, by typing
"hỏi tin 12" (channels without buttons), or by Telegram's reply on the message itself.
What they write becomes a phản ánh in the staff inbox (category "thong-bao", linked to the
announcement), so a staff answer comes back in the same chat like any other."""

from __future__ import annotations

import re

from db import announcement_queries as aq
from handlers import feedback_store
from handlers.cards import CANCEL_BUTTON
from handlers.domain.actions import Action, number_arg
from handlers.domain.types import Button, Response
from handlers.feature import Feature
from handlers.render import with_buttons
from handlers.turn import Turn

FLOW = "ann_reply"
CATEGORY = "thong-bao"
TYPED = re.compile(
    r"(?:hoi|tra loi|hoi ve|gop y)\s+(?:ve\s+)?(?:thong bao|tin)\s+(?:so\s+)?(\d{1,9})"
)
MIN_WORDS = 2
SENT = ("sending", "done")


def typed_request(folded: str) -> int | None:
    """The announcement number in "hỏi tin 12" / "hoi ve thong bao so 12"."""
    match = TYPED.fullmatch(folded)
    return int(match.group(1)) if match else None


def _excerpt(text: str, limit: int = 80) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


async def start(turn: Turn, arg: str) -> Response:
    """Ask what the resident wants to say about announcement `arg`."""
    number = number_arg(arg)
    announcement = await aq.get(turn.session, number) if number is not None else None
    if announcement is None or announcement.status not in SENT:
        text = "Mình không tìm thấy thông báo này. Bạn gõ câu hỏi của mình, hoặc về menu chính."
        return Response(
            [with_buttons(text, [Button("Về menu chính", Action("menu").pack())])],
            intent="feedback",
        )
    turn.state.flow = FLOW
    turn.state.data[FLOW] = announcement.id
    text = (
        f"Bạn muốn hỏi hoặc góp ý gì về thông báo “{_excerpt(announcement.text)}”?\n"
        "Bạn gõ nội dung nhé; cán bộ phường sẽ trả lời ngay trong cuộc trò chuyện này."
    )
    return Response([with_buttons(text, [CANCEL_BUTTON])], intent="feedback")


def in_flow(turn: Turn) -> bool:
    return turn.state.flow == FLOW


async def on_message(turn: Turn) -> Response:
    """The resident's words about the announcement."""
    text = turn.text.strip()
    if len(text.split()) < MIN_WORDS:
        return Response(
            [with_buttons("Bạn gõ rõ hơn một chút giúp mình nhé.", [CANCEL_BUTTON])],
            intent="feedback",
        )
    announcement_id = int(turn.state.data.pop(FLOW, 0))
    turn.state.flow = None
    return await _file(turn, announcement_id, text)


async def native_reply(turn: Turn) -> Response | None:
    """A Telegram reply on an announcement's message goes straight to the staff."""
    reply_to, text = turn.msg.reply_to, turn.text.strip()
    if not reply_to or not text or turn.msg.payload is not None:
        return None
    announcement_id = await aq.sent_to(turn.session, turn.msg.channel, turn.msg.user_ref, reply_to)
    if announcement_id is None:
        return None
    return await _file(turn, announcement_id, text)


async def _file(turn: Turn, announcement_id: int, text: str) -> Response:
    busy = await feedback_store.feedback_busy(turn)
    if busy is not None:
        return busy
    record = await feedback_store.record(
        turn, CATEGORY, text[:2000], announcement_id=announcement_id or None
    )
    return feedback_store.received(turn, record, "Đã chuyển câu hỏi của bạn tới cán bộ phường.")


async def _typed(turn: Turn) -> Response | None:
    """ "hỏi tin 12" typed, or a Telegram reply on an announcement's message."""
    number = typed_request(turn.folded)
    if number is not None:
        return await start(turn, str(number))
    return await native_reply(turn)


FEATURE = Feature(
    "announcement_replies",
    verbs={"annq": start},
    typed=_typed,
    flows=frozenset({FLOW}),
    on_message=on_message,
)
