"""Helpers for tests that file feedback through a channel: the intake asks only what it does
not know yet (a place read from the description is not asked again), so a test answers
whatever is on the screen instead of a fixed list of buttons."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from handlers.deps import Deps
from handlers.domain.types import IncomingMessage, Response
from handlers.engine import handle

# No photo, no place, no phone, then send: the first of these on the screen is pressed.
FINISH = ("Gửi phản ánh", "Bỏ qua", "Không")


def next_step(titles: Iterable[str]) -> str | None:
    """The button to press to finish the intake without photo or phone, or None."""
    shown = list(titles)
    for wanted in FINISH:
        for title in shown:
            if title.startswith(wanted):
                return title
    return None


async def ask_fresh(deps: Deps, *messages: str) -> Response:
    """The last reply to `messages`, said in turn by a resident nobody has talked to yet."""
    resident = f"fresh-{uuid.uuid4().hex[:10]}"
    reply = None
    for text in messages:
        reply = await handle(IncomingMessage("cli", resident, text=text), deps)
    assert reply is not None
    return reply
