"""Zalo Bot Platform: a small aiohttp client for its Telegram-like API, and the adapter.

No buttons on this platform: choices are numbered lines the resident answers by typing the
number. Replies are cut at 2,000 characters. Each event is handled once, keyed by
`event_name` + `message_id` (the platform has no update id). The token sits in the URL path,
so no error message or log line built here contains a URL.
"""

from __future__ import annotations

import asyncio
import logging
from functools import partial
from typing import Any, ClassVar

import aiohttp
from aiohttp import web

from bot.channels.base import Capabilities, backoff, render, respond
from bot.channels.http import Unreachable, post_json
from bot.channels.inbound import read_json, same_secret
from bot.delivery import Delivery
from bot.inbox import Inbox
from bot.ratelimit import ChannelLimiter, Limits
from bot.settings import Settings
from handlers.deps import Deps
from handlers.domain.types import Attachment, IncomingMessage, Reply
from handlers.engine import handle
from handlers.residents import set_reachable

log = logging.getLogger(__name__)

CHANNEL = "zalo_bot"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
MAX_TEXT = 2000
POLL_TIMEOUT = 30
MAX_ATTEMPTS = 4  # tries of one call (429 pauses and network errors) before giving up
RATE_PAUSE = 2.0  # seconds the channel waits after a 429 (Zalo gives no retry time)
TYPING_TIMEOUT = 3.0


class ZaloBotError(Exception):
    """An error answer (or no answer) from the Zalo Bot API; never contains the token."""

    def __init__(self, code: int, description: str) -> None:
        super().__init__(f"Zalo Bot API error {code}: {description}")
        self.code, self.description = code, description


class ZaloBotApi:
    """`{base}/bot{token}/{method}` with a JSON body; answers are `{ok, result}`."""

    def __init__(self, http: aiohttp.ClientSession, base_url: str, token: str) -> None:
        self._http, self._base, self._token = http, base_url.rstrip("/"), token

    async def call(self, method: str, http_timeout: float = 15, **params: Any) -> Any:
        """Call a method; raise ZaloBotError (with the HTTP status as code if none given)."""
        url = f"{self._base}/bot{self._token}/{method}"
        try:
            status, body = await post_json(self._http, url, seconds=http_timeout, json=params)
        except Unreachable as exc:
            raise ZaloBotError(0, f"network: {exc}") from None
        if not isinstance(body, dict) or not body.get("ok"):
            body = body if isinstance(body, dict) else {}
            raise ZaloBotError(
                int(body.get("error_code") or status),
                str(body.get("description") or "no description"),
            )
        return body.get("result")

    async def get_update(self) -> dict[str, Any] | None:
        """Long-poll one update; None when the poll ends empty (HTTP 408)."""
        try:
            return await self.call(
                "getUpdates", http_timeout=POLL_TIMEOUT + 10, timeout=POLL_TIMEOUT
            )
        except ZaloBotError as exc:
            if exc.code == 408:
                return None
            raise


def unwrap(data: Any) -> dict[str, Any] | None:
    """The event, whether or not it comes inside the documented {ok, result} envelope."""
    if (
        isinstance(data, dict)
        and "event_name" not in data
        and isinstance(data.get("result"), dict)
    ):
        data = data["result"]
    if not isinstance(data, dict) or not isinstance(data.get("event_name"), str):
        return None
    message = data.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
        return None
    return data


def event_key(event: dict[str, Any]) -> str | None:
    """`event_name:message_id`, the only stable identity a Zalo Bot event has."""
    message_id = event["message"].get("message_id")
    return f"{event['event_name']}:{message_id}" if message_id else None


def translate(event: dict[str, Any], key: str) -> IncomingMessage:
    """A Zalo Bot event as the core's IncomingMessage."""
    message = event["message"]
    chat_id = str(message["chat"].get("id", ""))
    sender = message.get("from") or {}
    name = event["event_name"]
    text, attachment = None, None
    if name == "message.text.received":
        text = message.get("text")
    elif name == "message.image.received":
        text = message.get("caption")
        attachment = Attachment("image", url=message.get("photo") or message.get("photo_url"))
    elif name == "message.sticker.received":
        attachment = Attachment("sticker", url=message.get("url"))
    else:  # unsupported content (or a protected user's hidden message)
        attachment = Attachment("unsupported")
    return IncomingMessage(
        CHANNEL,
        chat_id,
        text=text,
        attachment=attachment,
        display_name=sender.get("display_name"),
        event_key=key,
    )


class ZaloBotChannel:
    """Webhook or long polling, both feeding the durable inbox; replies as numbered text."""

    name: ClassVar[str] = CHANNEL
    # No buttons on the platform; a caption as long as a message.
    capabilities: ClassVar[Capabilities] = Capabilities(max_text=MAX_TEXT, max_caption=MAX_TEXT)

    def __init__(
        self, settings: Settings, deps: Deps, inbox: Inbox | None, http: aiohttp.ClientSession
    ) -> None:
        """With no inbox the channel only sends (`broadcast send` from the command line)."""
        own = settings.zalo_bot
        assert own.token is not None
        self.settings, self.deps, self.inbox = settings, deps, inbox
        self.api = ZaloBotApi(http, str(own.api_url), own.token.get_secret_value())
        self.secret = own.secret()
        self.ready = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.limiter = ChannelLimiter(Limits(own.rate, per_chat=0.0))
        if inbox is not None:
            inbox.register(CHANNEL, self._process)

    async def start(self) -> None:
        """Connect in the background (webhook registration, or the polling loop)."""
        self._tasks.append(asyncio.create_task(self._connect()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _connect(self) -> None:
        waits = backoff(2.0)
        while True:
            try:
                me = await self.api.call("getMe")
                if self.inbox is None:
                    pass  # send only: the server keeps the webhook or the polling
                elif self.settings.webhook_mode:
                    url = f"{self.settings.public_root()}/webhooks/zalo-bot"
                    await self.api.call("setWebhook", url=url, secret_token=self.secret)
                    log.info("Zalo Bot: webhook registered at %s", url)
                else:
                    await self.api.call("deleteWebhook")
                    self._tasks.append(asyncio.create_task(self._poll()))
                    log.info("Zalo Bot: long polling as %s", (me or {}).get("account_name"))
                self.ready.set()
                return
            except ZaloBotError as exc:
                if exc.code == 401:
                    log.error("Zalo Bot refused the token; the Zalo Bot channel stays off")
                    return
                delay = next(waits)
                log.warning("Zalo Bot unreachable (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)

    async def _poll(self) -> None:
        waits = backoff(1.0)
        while True:
            try:
                data = await self.api.get_update()
                waits = backoff(1.0)  # reached again: the next trouble starts short
            except ZaloBotError as exc:
                if exc.code == 401:
                    log.error("Zalo Bot refused the token; polling stopped")
                    return
                delay = next(waits)
                log.warning("Zalo Bot polling failed (%s); retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            if data is not None:
                await self._store(data)

    async def _store(self, data: Any) -> bool:
        event = unwrap(data)
        key = event_key(event) if event else None
        if event is None or key is None:
            log.warning("Zalo Bot: ignored an update without event_name/message_id")
            return False
        assert self.inbox is not None
        await self.inbox.accept(CHANNEL, key, event)
        return True

    async def webhook(self, request: web.Request) -> web.Response:
        """POST /webhooks/zalo-bot: check the secret header, store the event, answer 200."""
        given = request.headers.get(SECRET_HEADER, "")
        if not same_secret(given, self.secret):
            return web.json_response({"ok": False, "error": "forbidden"}, status=403)
        try:
            data = read_json(await request.read())
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"ok": False, "error": "malformed"}, status=400)
        event = unwrap(data)
        if event is None or event_key(event) is None:
            return web.json_response({"ok": False, "error": "not an event"}, status=400)
        try:
            await self._store(event)
        except Exception:  # not stored: a 5xx lets Zalo deliver it again
            return web.json_response({"ok": False, "error": "try again"}, status=503)
        return web.json_response({"ok": True})

    async def _process(self, key: str, event: dict[str, Any]) -> bool:
        await self.ready.wait()
        incoming = translate(event, key)
        typing = partial(self._typing, incoming.user_ref)
        await respond(self, incoming.user_ref, handle(incoming, self.deps), typing)
        return True  # the conversation marked the update handled (inbox.Processor)

    async def _typing(self, chat_id: str) -> None:
        try:
            await self.api.call(
                "sendChatAction", http_timeout=TYPING_TIMEOUT, chat_id=chat_id, action="typing"
            )
        except ZaloBotError as exc:
            log.debug("Zalo Bot typing action failed: %s", exc)

    async def deliver(self, user_ref: str, reply: Reply, answering: bool = False) -> Delivery:
        """Send one reply: the picture (with the text as caption when it fits), then the text
        in parts, choices as numbered lines."""
        delivery = Delivery("sent")
        for part in render(reply, self.capabilities):
            method, params = "sendMessage", {"chat_id": user_ref, "text": part.text}
            if part.image_url:
                method, params = "sendPhoto", {"chat_id": user_ref, "photo": part.image_url}
                if part.text:
                    params["caption"] = part.text
            delivery = await self._call(user_ref, method, params)
            if delivery.status != "sent":
                break
        return delivery

    async def _call(self, chat_id: str, method: str, params: dict[str, Any]) -> Delivery:
        for attempt in range(MAX_ATTEMPTS):
            try:
                async with self.limiter.slot(chat_id):
                    result = await self.api.call(method, **params)
            except ZaloBotError as exc:
                if exc.code == 429:  # "quota exceeded": hold the whole channel a while
                    log.warning("Zalo Bot rate limit; pausing the channel")
                    self.limiter.pause(RATE_PAUSE * (attempt + 1))
                    continue
                if exc.code == 0 or exc.code >= 500:  # network or server trouble: retry
                    log.warning("Zalo Bot send failed: %s; retrying", exc)
                    await asyncio.sleep(0.5 * (attempt + 1))
                    continue
                if exc.code == 403:  # refused for this person: treated as blocked
                    await set_reachable(self.deps, CHANNEL, chat_id, False)
                    return Delivery("blocked", f"{exc.code}: {exc.description}")
                log.warning("Zalo Bot send refused: %s", exc)
                log.debug("Zalo Bot send to %s refused", chat_id)
                return Delivery("undeliverable", f"{exc.code}: {exc.description}")
            message_id = result.get("message_id") if isinstance(result, dict) else None
            return Delivery("sent", message_id=str(message_id) if message_id else None)
        return Delivery("failed", "Zalo Bot không nhận sau nhiều lần thử")
