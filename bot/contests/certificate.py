"""The certificate a participant receives on passing a contest, served publicly at
/chung-nhan/{token}.png and drawn once per process (bot/contests/drawing.py). The token is
random and stored on the finished attempt, so the resident's chat app can fetch the picture
without signing in."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections import OrderedDict
from datetime import datetime

from aiohttp import web

from bot.keys import DEPS
from db import certificate_queries
from db.models import Contest

ROUTE = "/chung-nhan/{token}.png"
TOKEN = re.compile(r"[A-Za-z0-9_-]{8,64}")  # secrets.token_urlsafe, as handlers/contest.py makes
CACHE = "public, max-age=86400"  # a finished attempt never changes


def render(
    name: str,
    contest_title: str,
    score: int,
    total: int,
    finished_at: datetime,
    ward_name: str,
) -> bytes:
    """The certificate as PNG bytes (bot/contests/drawing.py, loaded on the first drawing)."""
    from bot.contests import drawing

    return drawing.render(name, contest_title, score, total, finished_at, ward_name)


# --- the public route ------------------------------------------------------------------------

KEPT = 128  # pictures kept in memory (about 60 KB each); a finished attempt never changes
RENDERING_AT_ONCE = 2  # drawings at the same time: the chat's replies keep the CPU they need


class RenderedCertificates:
    """Each certificate drawn once per process: kept by what is printed on it (a renamed
    contest draws anew), a request arriving while it is drawn waits for that drawing, and at
    most `RENDERING_AT_ONCE` drawings run at a time."""

    def __init__(self) -> None:
        self._done: OrderedDict[tuple, bytes] = OrderedDict()
        self._drawing: dict[tuple, asyncio.Future[bytes]] = {}
        self._limit = asyncio.Semaphore(RENDERING_AT_ONCE)
        self.drawn = 0  # how many drawings ran (tests and benchmarks read it)

    async def png(self, key: tuple) -> bytes:
        """The picture for `key` = render's arguments."""
        if key in self._done:
            self._done.move_to_end(key)
            return self._done[key]
        waiting = self._drawing.get(key)
        if waiting is not None:
            return await asyncio.shield(waiting)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._drawing[key] = future
        try:
            async with self._limit:  # drawing takes a moment: off the event loop, few at once
                body = await asyncio.to_thread(render, *key)
            self.drawn += 1
            future.set_result(body)
            self._done[key] = body
            while len(self._done) > KEPT:
                self._done.popitem(last=False)
            return body
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: no "never retrieved" warning when nobody waited
            raise
        finally:
            del self._drawing[key]


CERTIFICATES = web.AppKey("certificates", RenderedCertificates)


async def certificate_png(request: web.Request) -> web.Response:
    """GET /chung-nhan/{token}.png: the picture of a finished attempt's certificate."""
    token = request.match_info["token"]
    if not TOKEN.fullmatch(token):
        raise web.HTTPNotFound(text="Không có giấy chứng nhận này.")
    deps = request.app[DEPS]
    async with deps.sessions() as session:
        attempt = await certificate_queries.finished_attempt(session, token)
        contest = await session.get(Contest, attempt.contest_id) if attempt else None
    if attempt is None or contest is None or attempt.finished_at is None:
        raise web.HTTPNotFound(text="Không có giấy chứng nhận này.")
    key = (
        attempt.name or "Người dự thi",
        contest.title,
        attempt.score,
        attempt.total,
        attempt.finished_at,
        deps.catalogue.ward.name,
    )
    etag = '"' + hashlib.sha256(repr(key).encode()).hexdigest()[:32] + '"'
    headers = {"Cache-Control": CACHE, "ETag": etag}
    if request.headers.get("If-None-Match") == etag:  # the chat app has it already
        return web.Response(status=304, headers=headers)
    body = await request.app[CERTIFICATES].png(key)
    return web.Response(body=body, content_type="image/png", headers=headers)


def add_routes(app: web.Application) -> None:
    """Mount GET /chung-nhan/{token}.png (public; HEAD too)."""
    app[CERTIFICATES] = RenderedCertificates()
    app.router.add_get(ROUTE, certificate_png)
