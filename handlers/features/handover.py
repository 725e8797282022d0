"""Asking for a person ("cho tôi gặp cán bộ", "Hỏi cán bộ phường"): how to reach the ward's
staff now, and the resident's question kept for them.

This is where the question ticket lands (the next step: staff answer from the console, the
answer comes back in the same chat); until then the resident gets the desk's contacts and can
send the question as a kiến nghị, which staff already answer in the chat.
"""

from __future__ import annotations

from handlers.actions import Action
from handlers.cards import MENU_BUTTON
from handlers.fallback import human_help
from handlers.feature import Feature
from handlers.features import feedback
from handlers.render import with_buttons
from handlers.turn import Turn
from handlers.types import Button, Response

SEND = Button("Gửi câu hỏi cho cán bộ", Action("human", "send").pack())
ASKED = "asked"


def _contacts(turn: Turn) -> str:
    ward = turn.deps.catalogue.ward
    desk = ward.contacts.get("mot_cua")
    lines = [human_help(turn)] if desk is not None else []
    known = [
        f"{label}: {value}"
        for label, value in (
            ("Địa chỉ", desk and desk.address),
            ("Giờ làm việc", desk and desk.hours),
        )
        if value
    ]
    if known:
        lines.append("; ".join(known) + ".")
    return "\n".join(lines)


async def offer(turn: Turn) -> Response:
    """The ways to a person, and a button that sends the last question to the staff."""
    text = (
        "Bạn muốn hỏi trực tiếp cán bộ phường. Bạn có thể gửi câu hỏi ngay tại đây, cán bộ "
        "sẽ trả lời trong cuộc trò chuyện này.\n\n" + _contacts(turn)
    )
    response = Response([with_buttons(text.strip(), [SEND, MENU_BUTTON])], intent="handover")
    response.unanswered = True  # the staff see it among the questions to answer
    response.normalized = turn.folded
    return response


async def _act(turn: Turn) -> Response:
    return await offer(turn)


async def on_button(turn: Turn, arg: str) -> Response:
    """ "Hỏi cán bộ phường" offers the ways; "send" files the last question for the staff."""
    if arg == "send":
        question = turn.state.data.get(ASKED)
        return await feedback.start(turn, draft=question, category="khac")
    return await offer(turn)


FEATURE = Feature("handover", verbs={"human": on_button}, acts={"handover": _act})
