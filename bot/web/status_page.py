"""The public status page of a phản ánh: GET /tra-cuu (a form) and /tra-cuu?ma=CODE.

A resident checks their code from any device; the page shows only what
handlers/public_status.py lets anyone with the code read. Lookups are rate-limited per
address with the web chat's limiter, tighter: codes are short enough to be guessed."""

from __future__ import annotations

import jinja2
from aiohttp import web

from bot.channels.webchat import RateLimiter
from bot.keys import DEPS
from bot.web.client import client_address
from handlers import public_status

LOOKUP_RATE = 0.2  # one lookup every 5 seconds per address, after a burst
LOOKUP_BURST = 10  # a family checking a few codes, a mistyped code retyped
HEADERS = {
    "Cache-Control": "no-store",  # the status changes; the address holds the code
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}
TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("bot.web", "templates"),
    autoescape=True,  # the typed code is shown back
)


class StatusPage:
    """GET /tra-cuu for one ward."""

    def __init__(self, limiter: RateLimiter | None = None) -> None:
        self.limiter = limiter or RateLimiter(rate=LOOKUP_RATE, burst=LOOKUP_BURST)

    async def view(self, request: web.Request) -> web.Response:
        deps = request.app[DEPS]
        typed = request.query.get("ma", "").strip()[:64]
        context: dict[str, object] = {
            "ward": deps.catalogue.ward.name,
            "path": public_status.PATH,
            "typed": typed,
        }
        status = 200
        if typed and not self.limiter.allow(client_address(request)):
            context["too_fast"], status = True, 429
        elif typed:
            code = public_status.normalise(typed)
            found = None
            if code is not None and code.startswith("CH-"):  # a question: its chat only
                context["question"] = code
            elif code is not None:
                found = await public_status.lookup(deps, code)
            if found is not None:
                context["status"], context["typed"] = found, found.code
            elif "question" not in context:
                context["not_found"], status = code or typed, 404
        page = TEMPLATES.get_template("status.html").render(context)
        return web.Response(text=page, content_type="text/html", status=status, headers=HEADERS)


def add_routes(app: web.Application) -> None:
    """Mount the status page."""
    app.router.add_get(public_status.PATH, StatusPage().view)
