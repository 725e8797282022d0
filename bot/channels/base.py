"""The channel contract: what every adapter declares and how a reply becomes messages.

An adapter declares its `Capabilities` (text length, buttons and their limits, pictures and
captions); `render` turns a `Reply` into the `Part`s it sends, with the same graceful
defaults everywhere: numbered choices where buttons are missing or too many, the text split
at paragraphs, a link where pictures are not shown, the picture first. `answer` sends a whole
response the same way on every channel. Every send returns one `Delivery` (bot/delivery.py).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, replace
from typing import ClassVar, Protocol

from bot.channels.text import split_text
from bot.delivery import Delivery
from handlers.domain.types import Button, Reply, Response
from handlers.render import numbered_choices

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show in one message."""

    max_text: int
    max_buttons: int = 0  # 0: no buttons; choices become numbered lines to type
    max_button_title: int = 0  # 0: titles are not cut
    images: bool = True  # False: the picture's address goes at the end of the text
    max_caption: int = 0  # text that fits goes under the picture; 0: the picture goes alone


@dataclass(frozen=True)
class Part:
    """One message to send: text, a picture, or both; buttons only on the last part."""

    text: str = ""
    buttons: tuple[Button, ...] = ()
    image_url: str | None = None


def render(reply: Reply, caps: Capabilities) -> list[Part]:
    """The messages showing `reply` on a channel with these capabilities."""
    fits = 0 < len(reply.buttons) <= caps.max_buttons
    buttons = tuple(_cut(b, caps.max_button_title) for b in reply.buttons) if fits else ()
    text = reply.text if fits else numbered_choices(reply)
    image = reply.image_url
    if image and not caps.images:
        text, image = f"{text}\n\n{image}", None
    parts = [Part(piece) for piece in split_text(text, caps.max_text)] or [Part()]
    if image:
        if len(parts) == 1 and 0 < len(parts[0].text) <= caps.max_caption:
            parts[0] = replace(parts[0], image_url=image)
        else:
            parts.insert(0, Part(image_url=image))
    if buttons:
        parts[-1] = replace(parts[-1], buttons=buttons)
    return [part for part in parts if part.text or part.image_url]


def _cut(button: Button, limit: int) -> Button:
    return (
        button
        if not limit or len(button.title) <= limit
        else replace(button, title=button.title[: limit - 1] + "…")
    )


class Channel(Protocol):
    """What the app, the outbox and the CLI need of a channel."""

    name: ClassVar[str]
    capabilities: Capabilities

    async def deliver(self, user_ref: str, reply: Reply, answering: bool = False) -> Delivery:
        """Send one reply (all its parts); the first part that fails ends it. `answering`:
        the answer to what the resident just wrote, sent at once (the outbox's messages keep
        the channel's pace per chat)."""
        ...


# An answer ready sooner needs no "typing..." (most take milliseconds); each indicator is one
# more platform call, counted against the same rate limit as the answers.
TYPING_AFTER = 0.8


async def respond(
    channel: Channel,
    user_ref: str,
    handling: Awaitable[Response],
    typing: Callable[[], Awaitable[None]],
    typing_after: float | None = None,
) -> Delivery:
    """Answer what a resident just wrote once the core has handled it; when that takes
    longer than `typing_after`, "typing..." goes out first and the answer waits for it, so
    the two arrive in order (None: TYPING_AFTER; 0: always, while the core works)."""
    work = asyncio.ensure_future(handling)
    try:
        wait = TYPING_AFTER if typing_after is None else typing_after
        done, _ = await asyncio.wait({work}, timeout=wait)
        if not done:
            await typing()
        response = await work
    finally:
        work.cancel()  # only if this task itself was cancelled meanwhile
    return await answer(channel, user_ref, response)


async def answer(channel: Channel, user_ref: str, response: Response) -> Delivery:
    """Send every reply of a response in order, whatever else the core did (an erasure leaves
    no interaction to pair them with); stop at the first that fails, and say so in the log."""
    delivery = Delivery("sent")
    for reply in response.replies:
        delivery = await channel.deliver(user_ref, reply, answering=True)
        if delivery.status != "sent":
            log.warning("%s: a reply was not delivered (%s)", channel.name, delivery.status)
            break
    return delivery


def map_link(latitude: object, longitude: object) -> str | None:
    """A place a resident shared from their chat app, as a link staff can open."""
    try:
        lat, lon = float(latitude), float(longitude)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return f"https://www.google.com/maps?q={lat:.6f},{lon:.6f}"


def backoff(first: float, cap: float = 60.0) -> Iterator[float]:
    """Seconds to wait before each new try to reach a platform: doubling up to `cap`, each
    drawn between half and all of it, so wards restarting together do not retry in step."""
    delay = first
    while True:
        yield random.uniform(delay / 2, delay)
        delay = min(delay * 2, cap)
