"""Phản ánh, kiến nghị: how a resident gets a complaint or suggestion to the ward."""

from __future__ import annotations

from handlers.cards import card
from handlers.render import with_buttons
from handlers.turn import Turn
from handlers.types import Reply, Response

GUIDE_ID = "phan-anh-kien-nghi"
THANKS = (
    "Cảm ơn bạn đã muốn góp ý, phản ánh tới phường. Mọi phản ánh, kiến nghị đều được tiếp nhận "
    "và trả lời; dưới đây là các cách gửi."
)


async def feedback(turn: Turn, lead: list[str] | None = None) -> Response:
    """Thank the resident and show how to send feedback (guide entry from the catalogue)."""
    guide = turn.deps.catalogue.get(GUIDE_ID)
    if guide is None:
        return Response([Reply(THANKS)], intent="feedback")
    guide_card = card(guide, turn.deps.catalogue, lead or ())
    text = f"{THANKS}\n\n{guide_card.text}"
    return Response(
        [with_buttons(text, guide_card.buttons)],
        intent="feedback",
        content_id=guide.id,
        title=guide.title,
    )
