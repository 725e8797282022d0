"""Hủy: stop the flow under way ("hủy", /huy, or the Hủy button, always the last one)."""

from __future__ import annotations

from handlers.domain.types import Response
from handlers.feature import Feature
from handlers.features.menu import menu_buttons
from handlers.render import with_buttons
from handlers.turn import Turn

# A cancelled flow does not reset the conversation.
KEEP = ("answered", "rating_asked", "rating_for", "rated", "focus")


async def cancel(turn: Turn, force: bool = False) -> Response:
    """Stop the flow in progress and offer the main menu (a flow holding something the
    resident wrote may ask first, unless `force`)."""
    owner = turn.flow_owner
    if not force and owner is not None and owner.on_cancel is not None:
        asked = await owner.on_cancel(turn)
        if asked is not None:
            return asked
    turn.state.flow = None
    turn.state.data = {k: v for k, v in turn.state.data.items() if k in KEEP}
    text = "Đã hủy. Bạn cần mình giúp gì khác không?"
    return Response([with_buttons(text, menu_buttons(turn))], intent="menu")


async def _cancel(turn: Turn, arg: str) -> Response:
    return await cancel(turn, force=arg == "force")


async def _cancel_act(turn: Turn) -> Response:
    return await cancel(turn)


FEATURE = Feature(
    "control",
    verbs={"cancel": _cancel},
    commands={"/huy": _cancel, "/cancel": _cancel},
    acts={"cancel": _cancel_act},
)
