"""Zalo Official Account API v3: signed webhook events in, consultation messages out.

- Events are verified with `X-ZEvent-Signature: mac=sha256(app_id + raw body + timestamp +
  OA secret key)` over the exact bytes received, in constant time; forged or stale events
  are refused before anything is stored.
- Replies use the consultation ("cs") endpoint, with `oa.query.hide` buttons when the
  choices fit (the button's payload comes back as a text event).
- The access token comes from `ZaloOATokens`, which refreshes the single-use refresh token
  under a database row lock.
- Messages refused because of the interaction window (-230 and friends) are kept and marked
  undeliverable with the reason, for the staff console.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from typing import Any, ClassVar

import aiohttp
from aiohttp import web

from bot.channels.base import Capabilities, Part, answer, render
from bot.channels.http import Unreachable, post_json
from bot.channels.inbound import read_json, same_secret
from bot.channels.zalo_oa_tokens import TokenStore, ZaloOAError, ZaloOATokens
from bot.delivery import Delivery
from bot.inbox import Inbox
from bot.ratelimit import ChannelLimiter, Limits
from bot.settings import Settings
from handlers.deps import Deps
from handlers.domain.actions import Action
from handlers.domain.types import Attachment, IncomingMessage, Reply
from handlers.engine import handle
from handlers.residents import follow, set_reachable, unfollow

log = logging.getLogger(__name__)

CHANNEL = "zalo_oa"
SIGNATURE_HEADER = "X-ZEvent-Signature"
MAX_TEXT = 2000
MAX_BUTTON_TITLE = 100  # not documented; kept short so the OA app shows it whole
# Refusals because the resident is outside the interaction window or the OA cannot pay:
# the message is kept and marked undeliverable (documented in the README).
WINDOW_ERRORS = {
    -230: "người dân chưa tương tác với OA trong 7 ngày qua",
    -213: "người dân chưa quan tâm (follow) OA",
    -320: "OA chưa liên kết tài khoản Zalo Cloud để trả phí tin",
    -321: "tài khoản Zalo Cloud của OA không đủ số dư",
}
TOKEN_ERRORS = {-216, -124}  # access token invalid / expired (not confirmed by a primary source)
MAX_ATTEMPTS = 4  # tries of one message (429 pauses, network errors) before giving up
RATE_PAUSE = 2.0  # seconds the channel waits after a 429 (Zalo gives no retry time)
HANDLED_EVENTS = {"user_send_text", "user_send_image", "follow", "unfollow"}


def signature(app_id: str, raw: bytes, timestamp: str, secret_key: str) -> str:
    """The expected `mac` value: plain SHA-256 (not an HMAC) of the concatenation."""
    return hashlib.sha256(
        app_id.encode() + raw + timestamp.encode() + secret_key.encode()
    ).hexdigest()


def event_key(event: dict[str, Any]) -> str | None:
    """A stable identity: the message id, or who followed and when."""
    name = event.get("event_name")
    if name in ("follow", "unfollow"):
        follower = (event.get("follower") or {}).get("id")
        return f"{name}:{follower}:{event.get('timestamp')}" if follower else None
    msg_id = (event.get("message") or {}).get("msg_id")
    return f"{name}:{msg_id}" if msg_id else None


def translate(event: dict[str, Any], key: str) -> IncomingMessage:
    """A user_send_* event as the core's IncomingMessage; a pressed button's payload comes
    back as text and is passed on as a payload."""
    user_id = str((event.get("sender") or {}).get("id", ""))
    message = event.get("message") or {}
    text = message.get("text")
    if event["event_name"] == "user_send_image":
        attachments = message.get("attachments") or [{}]
        url = (attachments[0].get("payload") or {}).get("url")
        return IncomingMessage(
            CHANNEL,
            user_id,
            text=text or None,
            attachment=Attachment("image", url=url),
            event_key=key,
        )
    if isinstance(text, str) and ":" in text and Action.unpack(text) is not None:
        return IncomingMessage(CHANNEL, user_id, payload=text, event_key=key)
    return IncomingMessage(CHANNEL, user_id, text=text, event_key=key)


class ZaloOAChannel:
    """The Official Account adapter."""

    name: ClassVar[str] = CHANNEL

    def __init__(
        self,
        settings: Settings,
        deps: Deps,
        inbox: Inbox | None,
        http: aiohttp.ClientSession,
        tokens: TokenStore,
    ) -> None:
        """With no inbox the channel only sends (`broadcast send` from the command line);
        `tokens` keeps the app's token pair between refreshes."""
        own = settings.zalo_oa
        assert own.app_id and own.secret_key
        self.settings, self.deps, self.inbox, self.http = settings, deps, inbox, http
        self.app_id = own.app_id
        self.secret_key = own.secret_key.get_secret_value()
        self.api = str(own.api_url).rstrip("/")
        self.tokens = ZaloOATokens(own, tokens, http)
        self.limiter = ChannelLimiter(Limits(own.rate, per_chat=0.0))
        # The picture always goes alone (a media template); buttons up to the setting.
        self.capabilities = Capabilities(
            max_text=MAX_TEXT,
            max_buttons=own.max_buttons,
            max_button_title=MAX_BUTTON_TITLE,
        )
        if inbox is not None:
            inbox.register(CHANNEL, self._process)

    async def start(self) -> None:
        """Store the first token pair from the settings unless a newer one is stored."""
        await self.tokens.seed()
        log.info("Zalo OA: webhook at /webhooks/zalo-oa for app %s", self.app_id)

    async def stop(self) -> None:
        """Nothing runs in the background: the Official Account only receives webhooks."""

    async def webhook(self, request: web.Request) -> web.Response:
        """POST /webhooks/zalo-oa: verify the signature and age, store the event, answer."""
        raw = await request.read()
        try:
            event = read_json(raw)
            if not isinstance(event, dict):
                raise ValueError("not an object")
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"error": "malformed"}, status=400)
        app_id, timestamp = str(event.get("app_id", "")), str(event.get("timestamp", ""))
        given = request.headers.get(SIGNATURE_HEADER, "").strip().removeprefix("mac=")
        expected = signature(app_id, raw, timestamp, self.secret_key)
        if not same_secret(given, expected):
            return web.json_response({"error": "bad signature"}, status=401)
        if not same_secret(app_id, self.app_id):
            return web.json_response({"error": "unknown app"}, status=403)
        if not self._fresh(timestamp):
            return web.json_response({"error": "stale event"}, status=401)
        key = event_key(event)
        if key is None or event.get("event_name") not in HANDLED_EVENTS:
            return web.json_response({"ok": True, "ignored": True})  # seen events, no action
        try:
            assert self.inbox is not None
            await self.inbox.accept(CHANNEL, key, event)
        except Exception:
            return web.json_response({"error": "try again"}, status=503)
        return web.json_response({"ok": True})

    def _fresh(self, timestamp: str) -> bool:
        try:
            sent = int(timestamp) / 1000
        except ValueError:
            return False
        return abs(time.time() - sent) <= self.settings.zalo_oa.webhook_max_age

    async def _process(self, key: str, event: dict[str, Any]) -> bool:
        """Handle a stored event; True when the conversation marked it handled."""
        name = event["event_name"]
        if name == "follow":
            user_id = str(event["follower"]["id"])
            if await follow(self.deps, CHANNEL, user_id, event_key=key):
                welcome = await handle(IncomingMessage(CHANNEL, user_id, text="/start"), self.deps)
                await answer(self, user_id, welcome)
            return False
        if name == "unfollow":
            await unfollow(self.deps, CHANNEL, str(event["follower"]["id"]), event_key=key)
            return False
        incoming = translate(event, key)
        response = await handle(incoming, self.deps)
        await answer(self, incoming.user_ref, response)
        return True

    async def deliver(self, user_ref: str, reply: Reply, answering: bool = False) -> Delivery:
        """Send one reply: the picture as a media template, the text in parts, the buttons
        on the last part when the choices fit (numbered lines otherwise)."""
        delivery = Delivery("sent")
        for part in render(reply, self.capabilities):
            delivery = await self._send_message(user_ref, _message(part))
            if delivery.status != "sent":
                break
        return delivery

    async def _send_message(self, user_id: str, message: dict[str, Any]) -> Delivery:
        body = {"recipient": {"user_id": user_id}, "message": message}
        refreshed = False
        for attempt in range(MAX_ATTEMPTS):
            try:
                token = await self.tokens.current()
                async with self.limiter.slot(user_id):
                    answer = await self._post(token, body)
            except ZaloOAError as exc:
                if exc.code in WINDOW_ERRORS:
                    reason = f"{exc.code}: {WINDOW_ERRORS[exc.code]}"
                    log.info("Zalo OA: a message kept as undeliverable (%s)", reason)
                    log.debug("Zalo OA: message to %s undeliverable", user_id)
                    return Delivery("undeliverable", reason)
                if exc.code in TOKEN_ERRORS and not refreshed:
                    refreshed = True
                    try:
                        await self.tokens.refresh(stale=token)
                    except ZaloOAError as refresh_error:
                        return Delivery("failed", f"token refresh failed: {refresh_error.message}")
                    continue
                if exc.code == 429:  # hold the whole channel a while (no retry time given)
                    self.limiter.pause(RATE_PAUSE * (attempt + 1))
                    continue
                if exc.code == 0 or exc.code >= 500:
                    await asyncio.sleep(0.5 * (attempt + 1))
                    continue
                if exc.code == 403:
                    await set_reachable(self.deps, CHANNEL, user_id, False)
                    return Delivery("blocked", f"{exc.code}: {exc.message}")
                # Any other refusal will not change by retrying: the same word as Zalo Bot's.
                log.warning("Zalo OA: send refused: %s", exc)
                log.debug("Zalo OA: send to %s refused", user_id)
                return Delivery("undeliverable", f"{exc.code}: {exc.message}")
            message_id = (answer.get("data") or {}).get("message_id")
            return Delivery("sent", message_id=str(message_id) if message_id else None)
        return Delivery("failed", "Zalo OA không nhận sau nhiều lần thử")

    async def _post(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            status, answer = await post_json(
                self.http,
                f"{self.api}/v3.0/oa/message/cs",
                seconds=15,
                json=body,
                headers={"access_token": token},
            )
        except Unreachable as exc:
            raise ZaloOAError(0, f"network: {exc}") from None
        if status in (403, 429) or status >= 500:
            raise ZaloOAError(status, f"HTTP {status}")
        if not isinstance(answer, dict):
            raise ZaloOAError(status, "unreadable answer")
        code = int(answer.get("error", 0) or 0)
        if code != 0:
            raise ZaloOAError(code, str(answer.get("message", "")))
        return answer


def _message(part: Part) -> dict[str, Any]:
    """One part as a v3 consultation message."""
    if part.image_url:
        return {"attachment": _image(part.image_url)}
    message: dict[str, Any] = {"text": part.text}
    if part.buttons:
        buttons = [
            {"type": "oa.query.hide", "title": b.title, "payload": b.payload} for b in part.buttons
        ]
        message["attachment"] = {"type": "template", "payload": {"buttons": buttons}}
    return message


def _image(url: str) -> dict[str, Any]:
    """A picture by URL, as the v3 consultation API's media template."""
    return {
        "type": "template",
        "payload": {"template_type": "media", "elements": [{"media_type": "image", "url": url}]},
    }
