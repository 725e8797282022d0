"""Who is asking: the visitor's address, also behind a trusted reverse proxy."""

from __future__ import annotations

from aiohttp import web

from bot.keys import SETTINGS


def client_address(request: web.Request) -> str:
    """The first X-Forwarded-For address when BEHIND_PROXY is set, else the peer address."""
    if request.app[SETTINGS].behind_proxy:
        forwarded = request.headers.get("X-Forwarded-For", "")
        first = forwarded.split(",")[0].strip()
        if first:
            return first
    return request.remote or "?"
