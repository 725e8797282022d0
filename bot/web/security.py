"""Security headers on every response (a signal, so error pages get them too).

- Everywhere: `X-Content-Type-Options: nosniff`, a referrer policy.
- The console (`/staff/...`): a strict Content-Security-Policy (scripts and styles from the
  console itself only; no inline script), no framing at all, no referrer beyond the site,
  and `Cache-Control: no-store` on its pages, which show residents' personal data.
- Other pages (the demo page with the widget, the list of wards): framed only by the ward
  sites allowed to embed the chat (`WEBCHAT_ALLOWED_ORIGINS`).
"""

from __future__ import annotations

from aiohttp import web

from bot.keys import SETTINGS

CONSOLE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
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


def install(app: web.Application) -> None:
    """Add the headers to every response of `app` and the ward applications inside it."""
    app.on_response_prepare.append(add_headers)
