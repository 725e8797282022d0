"""Facebook Messenger through the ward's Page: signed webhook events in, the Send API out
(facts and their sources: ../shared/reference/platforms.md, section "Facebook Messenger").

- `GET /webhooks/messenger` answers Meta's verification handshake with the challenge;
  `POST` checks `X-Hub-Signature-256` (HMAC-SHA256 of the raw bytes with the App Secret)
  before anything is stored, then stores every `messaging` event of every entry in the inbox.
  Echoes, deliveries, reads and reactions are not stored: there is nothing to answer.
- Events are de-duplicated by message id (`mid`), postback id, or sender and time.
- Replies go out as `RESPONSE`; messages the ward sends later as `UPDATE` within 24 hours of
  the resident's last message, a staff member's own answer up to 7 days with the
  `HUMAN_AGENT` tag when the ward enables it, anything else is kept as undeliverable with
  the reason (Messenger allows nothing more since April 2026).
- Choices become quick replies (13 at most, titles of 20 characters); longer titles are
  numbered in the text and the quick replies carry the numbers.
- The Page's profile (Get Started, greeting, persistent menu) is written at start when it
  differs from what the Page has.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, ClassVar

import aiohttp
from aiohttp import web

from bot.channels.base import Capabilities, Part, backoff, map_link, render, respond
from bot.channels.inbound import read_json, same_secret
from bot.delivery import Delivery
from bot.inbox import Inbox
from bot.ratelimit import ChannelLimiter, Limits
from bot.settings import Settings
from handlers.deps import Deps
from handlers.domain.actions import Action, open_entry
from handlers.domain.types import Attachment, Button, IncomingMessage, Reply
from handlers.engine import handle
from handlers.residents import last_heard, set_reachable

log = logging.getLogger(__name__)

CHANNEL = "messenger"
SIGNATURE_HEADER = "X-Hub-Signature-256"
# "UTF-8 and less than 2000 characters"; how Meta counts is not stated, so keep clear of it.
MAX_TEXT = 1990
MAX_QUICK_REPLIES = 13
MAX_TITLE = 20  # quick-reply titles; longer ones are cut by Messenger
MAX_MENU_ITEMS = 20
MAX_MENU_TITLE = 30
MAX_GREETING = 160
GET_STARTED = "GET_STARTED"
WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
WINDOW_MARGIN = timedelta(minutes=5)  # clocks and queues: do not ask at the very edge
MAX_ATTEMPTS = 4
RATE_PAUSE = 2.0  # seconds, doubling, when Meta reports a limit without a time to wait
MAX_PAUSE = 300.0
REQUEST_SECONDS = 15
TYPING_SECONDS = 3

# (code, subcode) pairs, or a code alone: what each refusal means (platforms.md 8.9).
RATE_CODES = frozenset({4, 32, 613, 80006})
WINDOW_ERRORS = frozenset({(10, 2018278), (10, 2534022)})
GONE_ERRORS = frozenset({(10, 2018108), (200, 1545041), (551, 1545041), (100, 2018001)})
GONE_CODES = frozenset({551})
TRANSIENT_CODES = frozenset({1, 2})
TOKEN_CODE = 190
PERMISSION_CODE = 200

OUTSIDE_WINDOW = (
    "window: người dân nhắn lần cuối quá 24 giờ trước; Messenger chỉ cho Trang nhắn trong "
    "24 giờ sau tin cuối của người dân"
)
NEVER_WROTE = "window: người dân chưa từng nhắn cho Trang"


def signature_ok(raw: bytes, header: str | None, app_secret: str) -> bool:
    """The body as received, signed with the App Secret (constant-time comparison)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw, hashlib.sha256).hexdigest()
    return same_secret(header.removeprefix("sha256=").strip().lower(), expected)


def _short(key: str) -> str:
    """Event keys fit the inbox's 128 characters; a longer id is hashed, still unique."""
    return key if len(key) <= 120 else key[:2] + hashlib.sha256(key.encode()).hexdigest()


def event_key(event: dict[str, Any]) -> str | None:
    """A stable identity for an event worth answering; None for the rest (echoes of what the
    Page sent, deliveries, reads, reactions, opt-ins)."""
    sender = (event.get("sender") or {}).get("id")
    if not sender:
        return None
    message, postback = event.get("message"), event.get("postback")
    if isinstance(message, dict):
        mid = message.get("mid")
        return _short(f"m:{mid}") if mid and not message.get("is_echo") else None
    if isinstance(postback, dict):
        mid = postback.get("mid")
        return _short(f"p:{mid}" if mid else f"p:{sender}:{event.get('timestamp')}")
    if isinstance(event.get("referral"), dict):
        return _short(f"r:{sender}:{event.get('timestamp')}")
    return None


def messaging_events(data: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every event worth answering in a webhook batch: all entries, all of their events."""
    if not isinstance(data, dict) or data.get("object") != "page":
        return
    for entry in data.get("entry") or []:
        if not isinstance(entry, dict):
            continue
        for event in entry.get("messaging") or []:
            if isinstance(event, dict) and (key := event_key(event)) is not None:
                yield key, event


def _attachment(items: Any) -> Attachment | None:
    """The first attachment, as the core knows them: a photo, a place on the map, or a kind
    it answers kindly."""
    if not isinstance(items, list) or not items or not isinstance(items[0], dict):
        return None
    kind, payload = items[0].get("type"), items[0].get("payload") or {}
    if kind == "sticker" or (kind == "image" and payload.get("sticker_id")):
        return Attachment("sticker")  # a sticker also came as an image before 30 Aug 2026
    if kind == "image":
        return Attachment("image", url=payload.get("url"))
    if kind == "location":
        place = payload.get("coordinates") or {}
        return Attachment("location", url=map_link(place.get("lat"), place.get("long")))
    if kind in ("audio", "file"):
        return Attachment(kind, url=payload.get("url"))
    return Attachment("unsupported")


class MessengerChannel:
    """The Facebook Page adapter."""

    name: ClassVar[str] = CHANNEL

    def __init__(
        self, settings: Settings, deps: Deps, inbox: Inbox | None, http: aiohttp.ClientSession
    ) -> None:
        """With no inbox the channel only sends (`broadcast send` from the command line)."""
        own = settings.messenger
        assert own.page_access_token is not None and own.app_secret is not None
        self.deps, self.inbox, self.http = deps, inbox, http
        self.human_agent = own.human_agent
        self._token = own.page_access_token.get_secret_value()
        self._app_secret = own.app_secret.get_secret_value()
        self._verify_token = own.verify()
        self.api = str(own.api_url).rstrip("/")
        self.limiter = ChannelLimiter(Limits(own.rate, per_chat=0.0))
        self.capabilities = Capabilities(
            max_text=MAX_TEXT, max_buttons=MAX_QUICK_REPLIES, max_button_title=MAX_TITLE
        )
        self._profile_task: asyncio.Task[None] | None = None
        if inbox is not None:
            inbox.register(CHANNEL, self._process)

    # --- lifecycle ------------------------------------------------------------------------

    async def start(self) -> None:
        """Write the Page's Messenger profile in the background (a Graph API that does not
        answer must not hold up the website)."""
        if self.inbox is not None:
            self._profile_task = asyncio.create_task(self._keep_profile())
        log.info("Messenger: webhook at /webhooks/messenger")

    async def stop(self) -> None:
        if self._profile_task is not None:
            self._profile_task.cancel()
            await asyncio.gather(self._profile_task, return_exceptions=True)

    # --- receiving --------------------------------------------------------------------------

    async def webhook(self, request: web.Request) -> web.Response:
        """GET: the verification handshake. POST: verify the signature, store the events,
        answer at once (Meta retries what is not acknowledged)."""
        if request.method == "GET":
            return self._handshake(request)
        raw = await request.read()
        if not signature_ok(raw, request.headers.get(SIGNATURE_HEADER), self._app_secret):
            return web.json_response({"error": "bad signature"}, status=403)
        try:
            data = read_json(raw)
        except (ValueError, UnicodeDecodeError):
            return web.json_response({"error": "malformed"}, status=400)
        if not isinstance(data, dict) or data.get("object") != "page":
            return web.json_response({"error": "not a Page event"}, status=404)
        events = dict(messaging_events(data))  # the same event twice in one batch: once
        try:
            assert self.inbox is not None
            await asyncio.gather(*(self.inbox.accept(CHANNEL, k, e) for k, e in events.items()))
        except Exception:  # not stored: a 5xx makes Meta deliver it again
            return web.json_response({"error": "try again"}, status=503)
        return web.Response(text="EVENT_RECEIVED")

    def _handshake(self, request: web.Request) -> web.Response:
        query = request.query
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and same_secret(token, self._verify_token):
            return web.Response(text=query.get("hub.challenge", ""))
        return web.Response(status=403, text="Forbidden")

    def translate(self, event: dict[str, Any], key: str) -> IncomingMessage:
        """One stored event as the core's IncomingMessage."""
        user = str(event["sender"]["id"])
        message = event.get("message")
        if isinstance(message, dict):
            quick = (message.get("quick_reply") or {}).get("payload")
            if isinstance(quick, str) and quick:
                return IncomingMessage(CHANNEL, user, payload=quick, event_key=key)
            text = message.get("text")
            return IncomingMessage(
                CHANNEL,
                user,
                text=text if isinstance(text, str) else None,
                attachment=_attachment(message.get("attachments")),
                event_key=key,
            )
        postback = event.get("postback") or {}
        payload = str(postback.get("payload") or "")
        referral = postback.get("referral") or event.get("referral") or {}
        # Get Started, or an m.me link / QR code: a `ref` naming an entry or a menu section
        # opens it; anything else greets.
        opened = self._from_ref(str(referral.get("ref") or ""))
        if payload and payload != GET_STARTED:
            return IncomingMessage(CHANNEL, user, payload=payload, event_key=key)
        if opened is not None:
            return IncomingMessage(CHANNEL, user, payload=opened, event_key=key)
        return IncomingMessage(CHANNEL, user, text="/start", event_key=key)

    def _from_ref(self, ref: str) -> str | None:
        """The payload an m.me link's `ref` asks for (an entry id or a menu section id)."""
        if not ref:
            return None
        catalogue = self.deps.catalogue
        if catalogue.get(ref) is not None:
            return open_entry(ref)
        if any(section.id == ref for section in catalogue.menu.sections):
            return Action("section", ref).pack()
        return None

    async def _process(self, key: str, event: dict[str, Any]) -> bool:
        """Handle a stored event; "typing..." shows while the core works. True: the
        conversation marked the event handled."""
        incoming = self.translate(event, key)
        await respond(
            self,
            incoming.user_ref,
            handle(incoming, self.deps),
            partial(self._typing, incoming.user_ref),
            typing_after=0.0,
        )
        return True

    # --- sending ----------------------------------------------------------------------------

    async def deliver(self, user_ref: str, reply: Reply, answering: bool = False) -> Delivery:
        """Send one reply; what the ward sends later must fit the resident's window."""
        fields: dict[str, Any] = {"messaging_type": "RESPONSE"}
        if not answering:
            allowed = await self._window(user_ref, reply)
            if isinstance(allowed, Delivery):
                log.info("Messenger: a message kept as undeliverable (outside the window)")
                return allowed
            fields = allowed
        delivery = Delivery("sent")
        for part in self._parts(reply):
            body = {"recipient": {"id": user_ref}, "message": _message(part), **fields}
            delivery = await self._send(user_ref, body)
            if delivery.status != "sent":
                break
        return delivery

    async def _window(self, user_ref: str, reply: Reply) -> dict[str, Any] | Delivery:
        """How a message the ward sends later may go out, or why it cannot."""
        heard = await last_heard(self.deps, CHANNEL, user_ref)
        if heard is None:
            return Delivery("undeliverable", NEVER_WROTE)
        age = datetime.now(UTC) - heard
        if age < WINDOW - WINDOW_MARGIN:
            return {"messaging_type": "UPDATE"}
        if reply.by_staff and self.human_agent and age < HUMAN_AGENT_WINDOW - WINDOW_MARGIN:
            return {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        return Delivery("undeliverable", OUTSIDE_WINDOW)

    def _parts(self, reply: Reply) -> list[Part]:
        """Quick replies when every title fits; otherwise the choices numbered in the text
        and quick replies carrying the numbers, so a tap still chooses."""
        buttons = reply.buttons
        if len(buttons) <= MAX_QUICK_REPLIES and any(len(b.title) > MAX_TITLE for b in buttons):
            numbered = render(Reply(reply.text, buttons, reply.image_url), _NO_BUTTONS)
            numbers = tuple(Button(str(i), b.payload) for i, b in enumerate(buttons, 1))
            numbered[-1] = Part(numbered[-1].text, numbers, numbered[-1].image_url)
            return numbered
        return render(reply, self.capabilities)

    async def _typing(self, user_ref: str) -> None:
        body = {"recipient": {"id": user_ref}, "sender_action": "typing_on"}
        try:
            async with self.limiter.slot():
                await self._call("POST", "me/messages", body, seconds=TYPING_SECONDS)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.debug("Messenger: typing indicator failed: %s", type(exc).__name__)

    async def _send(self, user_ref: str, body: dict[str, Any]) -> Delivery:
        """One Send API call; refusals are mapped to the shared delivery statuses, limits
        pause this channel only, never raised."""
        delays = backoff(0.5, cap=8.0)
        outcome = Delivery("failed", "Messenger không nhận sau nhiều lần thử")
        for attempt in range(MAX_ATTEMPTS):
            try:
                async with self.limiter.slot(user_ref):
                    status, answer, headers = await self._call("POST", "me/messages", body)
            except (aiohttp.ClientError, TimeoutError) as exc:
                outcome = Delivery("failed", f"network: {type(exc).__name__}")
                await asyncio.sleep(next(delays))
                continue
            error = answer.get("error") if isinstance(answer, dict) else None
            if status == 200 and not error:
                message_id = answer.get("message_id") if isinstance(answer, dict) else None
                return Delivery("sent", message_id=str(message_id) if message_id else None)
            code, subcode = _codes(error, status)
            reason = f"{code}/{subcode}: {_text(error)}" if subcode else f"{code}: {_text(error)}"
            if (code, subcode) in WINDOW_ERRORS:
                log.info("Messenger: refused outside the window; kept as undeliverable")
                return Delivery("undeliverable", reason)
            if (code, subcode) in GONE_ERRORS or code in GONE_CODES:
                await set_reachable(self.deps, CHANNEL, user_ref, False)
                log.info("Messenger: a resident cannot receive messages; marked inactive")
                return Delivery("blocked", reason)
            if code in RATE_CODES:
                self.limiter.pause(_pause(headers, attempt))
                outcome = Delivery("failed", f"rate limited: {reason}")
                continue
            if code in TRANSIENT_CODES or status >= 500:
                outcome = Delivery("failed", reason)
                await asyncio.sleep(next(delays))
                continue
            if code == TOKEN_CODE:
                # The token is never logged: only that it must be renewed.
                log.error(
                    "Messenger: the Page access token is invalid or expired (error 190); "
                    "set a new MESSENGER_PAGE_ACCESS_TOKEN and restart"
                )
                return Delivery("failed", f"{TOKEN_CODE}: Page access token invalid or expired")
            if code == PERMISSION_CODE:
                log.error("Messenger: the app lacks a permission (error 200): %s", reason)
                return Delivery("undeliverable", reason)
            log.warning("Messenger: send refused: %s", reason)
            return Delivery("undeliverable", reason)
        return outcome

    async def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        seconds: float = 0,
        query: dict[str, str] | None = None,
    ) -> tuple[int, Any, dict[str, str]]:
        """One Graph API request with the Page token; (status, JSON or None, headers)."""
        async with self.http.request(
            method,
            f"{self.api}/{path}",
            params={**(query or {}), "access_token": self._token},
            json=body,
            timeout=aiohttp.ClientTimeout(total=seconds or REQUEST_SECONDS),
        ) as response:
            try:
                answer = await response.json(content_type=None)
            except ValueError:
                answer = None
            return response.status, answer, dict(response.headers)

    # --- the Page's profile -----------------------------------------------------------------

    def profile(self) -> dict[str, Any]:
        """Get Started, the greeting shown before the first message, and the main menu."""
        catalogue = self.deps.catalogue
        ward = catalogue.ward
        greeting = (
            f"Xin chào {{{{user_first_name}}}}! Đây là trợ lý tự động của {ward.name}: thủ "
            "tục, đường dây nóng, VNeID, phản ánh. Bấm Bắt đầu để trò chuyện."
        )
        if len(greeting) > MAX_GREETING:
            greeting = f"Xin chào {{{{user_first_name}}}}! Đây là trợ lý tự động của {ward.name}."
        menu = [
            {
                "type": "postback",
                "title": _cut(section.title, MAX_MENU_TITLE),
                "payload": Action("section", section.id).pack(),
            }
            for section in catalogue.menu.sections[:MAX_MENU_ITEMS]
        ]
        return {
            "get_started": {"payload": GET_STARTED},
            "greeting": [{"locale": "default", "text": greeting[:MAX_GREETING]}],
            "persistent_menu": [
                {"locale": "default", "composer_input_disabled": False, "call_to_actions": menu}
            ],
        }

    async def _keep_profile(self) -> None:
        """Write the profile when the Page's differs (Meta allows 10 profile calls in 10
        minutes: every process and restart reads first, and writes only a change)."""
        wanted = self.profile()
        fields = ",".join(wanted)
        delays = backoff(5.0, cap=600.0)
        while True:
            try:
                status, answer, _ = await self._call(
                    "GET", "me/messenger_profile", query={"fields": fields}
                )
                data = (answer or {}).get("data") if status == 200 else None
                if data and _same(data[0], wanted):
                    return
                status, answer, _ = await self._call("POST", "me/messenger_profile", wanted)
                if status == 200:
                    log.info("Messenger: the Page's Get Started, greeting and menu are set")
                    return
                code, subcode = _codes((answer or {}).get("error"), status)
                log.warning("Messenger: setting the Page's profile refused (%s/%s)", code, subcode)
                if code == TOKEN_CODE:
                    log.error("Messenger: the Page access token is invalid or expired (190)")
                    return
            except (aiohttp.ClientError, TimeoutError) as exc:
                log.warning("Messenger: the Graph API did not answer (%s)", type(exc).__name__)
            await asyncio.sleep(next(delays))


_NO_BUTTONS = Capabilities(max_text=MAX_TEXT)


def _message(part: Part) -> dict[str, Any]:
    """One part as a Send API message: text or a picture (never both), quick replies last."""
    if part.image_url:
        picture = {"url": part.image_url, "is_reusable": True}
        message: dict[str, Any] = {"attachment": {"type": "image", "payload": picture}}
    else:  # composed accents: "ệ" counts once, not three times
        message = {"text": unicodedata.normalize("NFC", part.text)}
    if part.buttons:
        message["quick_replies"] = [
            {"content_type": "text", "title": b.title, "payload": b.payload} for b in part.buttons
        ]
    return message


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _codes(error: Any, status: int) -> tuple[int, int | None]:
    """Meta's (code, error_subcode); the HTTP status when the body says nothing."""
    if not isinstance(error, dict):
        return status, None
    try:
        code = int(error.get("code", status))
        subcode = int(error["error_subcode"]) if error.get("error_subcode") else None
    except (TypeError, ValueError):
        return status, None
    return code, subcode


def _text(error: Any) -> str:
    message = error.get("message") if isinstance(error, dict) else None
    return str(message)[:200] if message else "refused"


def _pause(headers: dict[str, str], attempt: int) -> float:
    """Seconds to hold the channel: Meta's estimate when its usage header gives one."""
    usage = headers.get("X-Business-Use-Case-Usage") or headers.get("x-business-use-case-usage")
    minutes = 0.0
    if usage:
        try:
            for entries in json.loads(usage).values():
                for entry in entries:
                    minutes = max(minutes, float(entry.get("estimated_time_to_regain_access", 0)))
        except (ValueError, AttributeError, TypeError):
            minutes = 0.0
    return min(MAX_PAUSE, minutes * 60) if minutes else RATE_PAUSE * 2**attempt


def _same(current: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """The Page's profile already says what we would write."""
    return all(current.get(name) == value for name, value in wanted.items())
