"""The ward-website chat: a JSON endpoint for the widget, the photo a resident attaches to
feedback, the widget's files and a demo page.

The widget keeps an anonymous id in the browser; the conversation state lives in the
database under that id like any other channel's.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections import OrderedDict
from importlib import resources

from aiohttp import web

from bot.channels.inbound import read_json
from bot.delivery import Delivery
from bot.keys import DEPS
from bot.web import images
from bot.web.client import client_address
from handlers.domain.types import Attachment, IncomingMessage, Origin, Reply, Response
from handlers.engine import handle
from handlers.residents import pick_up_for_widget

USER_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")  # used with fullmatch: no trailing newline
MAX_TEXT = 2000
MAX_BODY = 16 * 1024
PHOTO_RATE, PHOTO_BURST = 1 / 60, 5  # photos per address: a few at once, then one a minute
TOO_FAST = "Bạn gửi nhanh quá, vui lòng đợi một chút."
STATIC = resources.files("bot.web") / "static"


class RateLimiter:
    """A token bucket per client address, so one visitor cannot flood the assistant."""

    def __init__(self, rate: float = 1.0, burst: int = 20, max_clients: int = 10_000) -> None:
        self.rate, self.burst, self.max_clients = rate, burst, max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def allow(self, client: str) -> bool:
        """Take one token for this client; False when it has none left."""
        now = time.monotonic()
        tokens, last = self._buckets.pop(client, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1
        self._buckets[client] = (tokens - 1 if allowed else tokens, now)
        while len(self._buckets) > self.max_clients:
            self._buckets.popitem(last=False)
        return allowed


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)  # Vietnamese stays readable in the payload


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, dumps=_dumps)


def as_json(answer: Response | list[Reply]) -> dict:
    """The core's response, or what the ward sent since (/api/chat/updates), as the widget
    reads it."""
    replies = answer if isinstance(answer, list) else answer.replies
    body: dict = {} if isinstance(answer, list) else {"intent": answer.intent}
    body["replies"] = [
        {
            "text": r.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in r.buttons],
            "image_url": r.image_url,
        }
        for r in replies
    ]
    return body


class WebChat:
    """Routes of the website chat."""

    def __init__(self, allowed_origins: list[str], limiter: RateLimiter | None = None) -> None:
        self.allowed_origins = {origin.rstrip("/") for origin in allowed_origins}
        self.limiter = limiter or RateLimiter()
        self.photo_limiter = RateLimiter(rate=PHOTO_RATE, burst=PHOTO_BURST)

    def _cors(self, request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        origin = request.headers.get("Origin")
        if origin and origin.rstrip("/") in self.allowed_origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
            response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        return response

    async def preflight(self, request: web.Request) -> web.StreamResponse:
        """OPTIONS /api/chat for ward sites on another origin."""
        return self._cors(request, web.Response(status=204))

    async def chat(self, request: web.Request) -> web.StreamResponse:
        """POST /api/chat {"user": id, "text": ...} or {"user": id, "payload": ...}."""
        if not self.limiter.allow(client_address(request)):
            return self._cors(request, _error(429, TOO_FAST))
        if request.content_length is not None and request.content_length > MAX_BODY:
            return self._cors(request, _error(413, "Tin nhắn quá dài."))
        if request.content_type != "application/json":
            # A form or text/plain body is a "simple" cross-site request that skips the
            # browser's preflight (and so the CORS allow-list): only JSON is accepted.
            return self._cors(request, _error(415, "Nội dung gửi lên phải là JSON."))
        try:
            body = read_json(await request.read())
        except ValueError:
            return self._cors(request, _error(400, "Nội dung gửi lên không phải JSON hợp lệ."))
        problem = _validate(body)
        if problem:
            return self._cors(request, _error(400, problem))
        origin = Origin(client_address(request), request.headers.get("User-Agent", "")[:300])
        message = IncomingMessage(
            "web", body["user"], text=body.get("text"), payload=body.get("payload"), origin=origin
        )
        response = await handle(message, request.app[DEPS])
        return self._cors(request, web.json_response(as_json(response), dumps=_dumps))

    async def photo(self, request: web.Request) -> web.StreamResponse:
        """POST /api/chat/photo?user=ID, the picture itself as the body (Content-Type
        image/jpeg, image/png or image/webp: not a "simple" request, so a cross-site page
        goes through the CORS allow-list). Its type is read from its bytes."""
        user = request.query.get("user", "")
        if not USER_ID.fullmatch(user):
            return self._cors(request, _error(400, "Thiếu mã người dùng hợp lệ."))
        address = client_address(request)
        if not (self.limiter.allow(address) and self.photo_limiter.allow(address)):
            return self._cors(request, _error(429, TOO_FAST))
        if request.content_type not in images.TYPES:
            return self._cors(request, _error(415, NOT_A_PHOTO))
        data = await _read_photo(request)
        if data is None:
            return self._cors(request, _error(413, TOO_BIG))
        kind = images.sniff(data)
        if kind is None:  # a renamed file, a document sent as image/jpeg...
            return self._cors(request, _error(415, NOT_A_PHOTO))
        origin = Origin(address, request.headers.get("User-Agent", "")[:300])
        attachment = Attachment("image", data=data, content_type=kind)
        message = IncomingMessage("web", user, attachment=attachment, origin=origin)
        response = await handle(message, request.app[DEPS])
        return self._cors(request, web.json_response(as_json(response), dumps=_dumps))

    async def updates(self, request: web.Request) -> web.StreamResponse:
        """GET /api/chat/updates?user=ID: messages the ward sent since (answers to feedback)."""
        user = request.query.get("user", "")
        if not USER_ID.fullmatch(user):
            return self._cors(request, _error(400, "Thiếu mã người dùng hợp lệ."))
        if not self.limiter.allow(client_address(request)):
            return self._cors(request, _error(429, TOO_FAST))
        replies = await pick_up_for_widget(request.app[DEPS], user)
        return self._cors(request, web.json_response(as_json(replies), dumps=_dumps))


async def deliver(_user_ref: str, _reply: Reply) -> Delivery:
    """The website cannot be pushed to: messages wait until the widget fetches them."""
    return Delivery("awaiting_pickup")


NOT_A_PHOTO = "Bạn chỉ gửi được ảnh JPEG, PNG hoặc WebP."
TOO_BIG = f"Ảnh lớn quá: tối đa {images.MAX_PHOTO // (1024 * 1024)} MB."


async def _read_photo(request: web.Request) -> bytes | None:
    """The body, or None past the photo limit (announced or not, it is not read further)."""
    if request.content_length is not None and request.content_length > images.MAX_PHOTO:
        return None
    parts, size = [], 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > images.MAX_PHOTO:
            return None
        parts.append(chunk)
    return b"".join(parts)


def _validate(body: object) -> str | None:
    if not isinstance(body, dict):
        return "Cần một đối tượng JSON."
    if not isinstance(body.get("user"), str) or not USER_ID.fullmatch(body["user"]):
        return "Thiếu mã người dùng hợp lệ (16-64 ký tự chữ, số, - hoặc _)."
    text, payload = body.get("text"), body.get("payload")
    if text is None and payload is None:
        return "Cần 'text' hoặc 'payload'."
    if text is not None and (not isinstance(text, str) or len(text) > MAX_TEXT):
        return f"'text' phải là chuỗi tối đa {MAX_TEXT} ký tự."
    if payload is not None and (not isinstance(payload, str) or len(payload) > 128):
        return "'payload' không hợp lệ."
    return None


def _static(name: str, content_type: str) -> web.Response:
    return web.Response(
        body=(STATIC / name).read_bytes(),
        content_type=content_type,
        charset="utf-8",
        headers={"Cache-Control": "public, max-age=300"},
    )


DEFAULT_TITLE_LINE = 'var DEFAULT_TITLE = "Trợ lý phường";'


async def widget_js(request: web.Request) -> web.Response:
    """GET /widget.js: the script a ward site embeds with one tag, titled with the ward's
    assistant name (a site can still set data-title)."""
    response = _static("widget.js", "application/javascript")
    name = json.dumps(request.app[DEPS].catalogue.ward.bot_name, ensure_ascii=False)  # JS string
    assert isinstance(response.body, bytes)
    script = response.body.decode().replace(DEFAULT_TITLE_LINE, f"var DEFAULT_TITLE = {name};")
    response.body = script.encode()
    return response


async def widget_css(_request: web.Request) -> web.Response:
    """GET /widget.css: the widget's stylesheet (loaded inside its shadow root)."""
    return _static("widget.css", "text/css")


async def demo_page(request: web.Request) -> web.Response:
    """GET /: a demo page of the ward with the widget embedded."""
    response = _static("demo.html", "text/html")
    name = html.escape(request.app[DEPS].catalogue.ward.name)
    assert isinstance(response.body, bytes)
    response.body = response.body.decode().replace("{{ward_name}}", name).encode()
    return response


def add_routes(app: web.Application, webchat: WebChat) -> None:
    """Mount the website chat."""
    app.router.add_get("/", demo_page)
    app.router.add_get("/widget.js", widget_js)
    app.router.add_get("/widget.css", widget_css)
    app.router.add_post("/api/chat", webchat.chat)
    app.router.add_get("/api/chat/updates", webchat.updates)
    app.router.add_route("OPTIONS", "/api/chat", webchat.preflight)
    app.router.add_post("/api/chat/photo", webchat.photo)
    app.router.add_route("OPTIONS", "/api/chat/photo", webchat.preflight)
