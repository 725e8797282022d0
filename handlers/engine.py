"""The one entry point of the core: an inbound message in, the replies out.

Every message gets one database session: the resident, their conversation state, the
interaction log and any unanswered question are written in one transaction.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from dataclasses import replace

from content.normalize import folded_phrase
from db import queries
from handlers.deps import Deps
from handlers.dispatch import route
from handlers.domain.types import IncomingMessage, Reply, Response
from handlers.features import handover, privacy
from handlers.turn import Turn

log = logging.getLogger(__name__)

MAX_INPUT_CHARS = 4000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def clean_text(raw: str | None) -> str:
    """Text safe to process: no control characters, whitespace collapsed, length capped."""
    if not raw:
        return ""
    text = _CONTROL.sub(" ", raw[: MAX_INPUT_CHARS * 2])
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()[:MAX_INPUT_CHARS]


def _storable(value: str | None) -> str | None:
    """A string every database and reply can carry: a lone surrogate ("\\ud800", which no
    UTF-8 text may hold) becomes "?"."""
    return value.encode("utf-8", "replace").decode("utf-8") if value is not None else None


def _merge_buttons(replies: list[Reply]) -> list[Reply]:
    """Buttons go on the last reply only, so typed numbers always refer to one list."""
    buttons = tuple(b for r in replies for b in r.buttons)
    merged = [Reply(r.text, (), r.image_url) for r in replies]
    merged[-1] = Reply(merged[-1].text, buttons, merged[-1].image_url)
    return merged


async def handle(msg: IncomingMessage, deps: Deps) -> Response:
    """Handle one message from a resident on any channel and return what to send back."""
    started = time.perf_counter()
    msg = replace(
        msg,
        user_ref=_storable(msg.user_ref) or "",
        text=_storable(msg.text),
        payload=_storable(msg.payload),
        display_name=_storable(msg.display_name),
    )
    async with deps.sessions() as session, session.begin():
        deps = await deps.live_ward.deps(session, deps)
        deps = await deps.learned.deps(session, deps)
        if msg.event_key and not await queries.claim_event(session, msg.channel, msg.event_key):
            return Response([], intent="menu", duplicate=True)
        user = await queries.get_or_create_user(
            session, msg.channel, msg.user_ref[:128], msg.display_name
        )
        state = await queries.load_state(session, user.id, deps.clock())
        pressed = _pressed_title(state.options, state.data.get("titles"), msg.payload)
        contests = await deps.contests.open_now(session, deps.clock())
        turn = Turn(
            msg,
            clean_text(msg.text),
            deps,
            session,
            user,
            state,
            open_contests=contests,
        )
        response = await route(turn)
        await privacy.add_notice(turn, response)
        await handover.add_kept_answers(turn, response)
        response.replies = _merge_buttons(response.replies)
        if not response.forget:  # the resident was erased just now: store nothing of it
            # A question nobody could answer is the draft if "Gửi phản ánh" comes next.
            if response.unanswered:
                state.data["unanswered"] = (response.question or turn.text)[:2000]
            else:
                state.data.pop("unanswered", None)
            shown = response.replies[-1].buttons
            state.options = [b.payload for b in shown]
            state.data["labels"] = [folded_phrase(b.title) for b in shown]
            state.data["titles"] = [b.title for b in shown]  # staff read what was pressed
            await queries.save_state(session, user.id, state)
            latency_ms = (time.perf_counter() - started) * 1000
            await _record(turn, response, latency_ms, pressed)
    if deps.observe is not None:
        _observe(deps.observe, msg.channel, response, time.perf_counter() - started)
    return response


def _observe(
    observe: Callable[[str, str, float, bool], None],
    channel: str,
    response: Response,
    seconds: float,
) -> None:
    """Report the handled message to the observer; its failure never costs the answer."""
    try:
        observe(channel, response.intent, seconds, response.unanswered)
    except Exception:
        log.exception("observing a handled message failed")


def _pressed_title(options: list, titles: object, payload: str | None) -> str | None:
    """The title of the button pressed, when it is one of those shown last (an older
    keyboard's button keeps only its payload)."""
    if not payload or not isinstance(titles, list) or payload not in options:
        return None
    index = options.index(payload)
    return str(titles[index])[:128] if index < len(titles) else None


async def _record(
    turn: Turn, response: Response, latency_ms: float, pressed: str | None = None
) -> None:
    common = {
        "user_id": turn.user.id,
        "conversation_id": turn.state.conversation_id,
        "channel": turn.msg.channel,
        "created_at": turn.deps.clock(),
    }
    text = queries.cap_text(turn.text)
    asked = queries.cap_text(response.question or turn.text)
    inbound = {
        **common,
        "direction": "in",
        "text": text,
        "payload": queries.cap_text(turn.msg.payload, 128) or None,
        "intent": response.intent,
        "content_id": response.content_id,
        "score": response.score,
        "latency_ms": latency_ms,
        "button_title": pressed,
    }
    outbound = [
        {
            **common,
            "direction": "out",
            "text": queries.cap_text(r.text),
            "payload": None,
            "intent": response.intent,
            "content_id": response.content_id,
            "score": None,
            "latency_ms": None,
            "button_title": None,
        }
        for r in response.replies
    ]
    ids = await queries.add_interactions(turn.session, [inbound, *outbound])
    response.reply_ids = ids[1:]
    if response.unanswered:
        await queries.add_unanswered(
            turn.session,
            turn.user,
            ids[0],
            asked,
            response.normalized or "",
            response.best_guess,
            response.score,
        )
