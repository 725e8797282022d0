"""Hello, thanks and goodbye: short, kind, and always a way forward."""

from __future__ import annotations

from handlers.cards import MENU_BUTTON
from handlers.domain.types import Reply, Response
from handlers.feature import Feature
from handlers.features.menu import main_menu
from handlers.features.satisfaction import maybe_ask
from handlers.render import with_buttons
from handlers.turn import Turn

THANKS = "Dạ, không có gì ạ. Bạn cần hỏi thêm điều gì cứ nhắn cho mình nhé."
GOODBYE = (
    "Chào bạn, cảm ơn bạn đã nhắn. Chúc bạn một ngày tốt lành! Khi cần, bạn cứ nhắn lại cho mình."
)


def _closing(turn: Turn, text: str) -> Response:
    """Thanks or goodbye; the rating question follows once per conversation (not mid-flow:
    the flow's own question comes next)."""
    question = None if turn.state.flow else maybe_ask(turn)
    if question is None:
        buttons = [] if turn.state.flow else [MENU_BUTTON]
        return Response([with_buttons(text, buttons)], intent="greeting")
    return Response([Reply(text), question], intent="greeting")


async def thanks(turn: Turn) -> Response:
    """A thank-you."""
    return _closing(turn, THANKS)


async def goodbye(turn: Turn) -> Response:
    """A goodbye."""
    return _closing(turn, GOODBYE)


async def greeting(turn: Turn) -> Response:
    """A greeting (or nothing asked at all): the greeting and the main menu."""
    return main_menu(turn, greet=True)


FEATURE = Feature(
    "smalltalk",
    acts={"thanks": thanks, "goodbye": goodbye, "greeting": greeting},
)
