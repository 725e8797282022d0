"""Security headers on every response (a signal, so error pages get them too).

- Everywhere: `X-Content-Type-Options: nosniff`, a referrer policy.
- The console (`/staff/...`): a strict Content-Security-Policy (scripts and styles from the
  console itself only; no inline script; pictures also from https addresses, as residents'
  Zalo and Messenger photos are), no framing at all, no referrer beyond the site,
  and `Cache-Control: no-store` on its pages, which show residents' personal data.
- Other pages (the demo page with the widget, the list of wards): framed only by the ward
  sites allowed to embed the chat (`WEBCHAT_ALLOWED_ORIGINS`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.keys import SETTINGS

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CONSOLE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: https:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
CACHED_CONSOLE_FILES = "/staff/static/"  # the console's stylesheet and script: no data


def _embedders(request: web.Request) -> str:
    settings = request.app.get(SETTINGS)
    origins = getattr(settings, "webchat_allowed_origins", []) or []
    return " ".join(["'self'", *(o.rstrip("/") for o in origins)])


async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Set the headers for this response (before it is sent)."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.path.startswith("/staff"):
        headers["Content-Security-Policy"] = CONSOLE_POLICY
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        if not request.path.startswith(CACHED_CONSOLE_FILES):
            headers["Cache-Control"] = "no-store"
        return
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if (response.content_type or "").startswith("text/html"):
        headers.setdefault("Content-Security-Policy", f"frame-ancestors {_embedders(request)}")


BODY_SECONDS = 30.0  # a request body arriving slower than this is dropped (slow clients)
UPLOAD_SECONDS = 120.0  # an upload (a contest workbook, a photo), read and handled


@web.middleware
async def body_deadline(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Read a request's body within `BODY_SECONDS` (an upload, with its handling, within
    `UPLOAD_SECONDS`): a client trickling bytes cannot hold a connection and a handler."""
    if not request.body_exists:
        return await handler(request)
    if request.content_type.startswith(("multipart/", "image/")):  # read by the view
        try:
            async with asyncio.timeout(UPLOAD_SECONDS):
                return await handler(request)
        except TimeoutError:
            raise web.HTTPRequestTimeout(text="Tải tệp lên quá chậm. Bạn thử lại nhé.") from None
    try:
        async with asyncio.timeout(BODY_SECONDS):
            await request.read()  # kept: the handler's json() or post() reads it from memory
    except TimeoutError:
        raise web.HTTPRequestTimeout(text="Gửi dữ liệu quá chậm. Bạn thử lại nhé.") from None
    return await handler(request)


def install(app: web.Application) -> None:
    """Add the headers to every response of `app` and the ward applications inside it, and
    the deadline on request bodies."""
    app.on_response_prepare.append(add_headers)
    app.middlewares.append(body_deadline)
