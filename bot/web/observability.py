"""Request ids, HTTP metrics and the `GET /metrics` route of the aiohttp application.

Every request gets an id: the caller's `X-Request-Id` when it is a sane token, else a fresh
one. It is echoed in the response header and put on every log record written while the
request is handled (bot/logs.py).
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
import uuid

from aiohttp import web
from aiohttp.typedefs import Handler
from prometheus_client import CONTENT_TYPE_LATEST

from bot.channels.inbound import same_secret
from bot.keys import DEPS, METRICS, OUTBOX, SETTINGS, WARD_APPS, WARD_ID
from bot.logs import request_id
from bot.metrics import WardSource
from bot.web.client import client_address

REQUEST_ID_HEADER = "X-Request-Id"
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
REQUEST_ID_KEY = web.RequestKey("request_id", str)
UNMATCHED = "unmatched"


def request_id_for(given: str | None) -> str:
    """The caller's id when it is safe to log and echo, else a fresh one."""
    if given and SANE_REQUEST_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Set the request id for the logs while the request is handled."""
    rid = request_id_for(request.headers.get(REQUEST_ID_HEADER))
    request[REQUEST_ID_KEY] = rid
    token = request_id.set(rid)
    try:
        return await handler(request)
    finally:
        request_id.reset(token)


async def _echo_request_id(request: web.Request, response: web.StreamResponse) -> None:
    # A signal, not the middleware: error pages and streamed responses get the header too.
    rid = request.get(REQUEST_ID_KEY)
    if rid is not None:
        response.headers[REQUEST_ID_HEADER] = rid


def route_name(request: web.Request) -> str:
    """The matched route's template (`/chung-nhan/{token}.png`), never the raw path."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


@web.middleware
async def http_metrics(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count every request by route and status, and time it."""
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except asyncio.CancelledError:
        status = 499  # the client went away
        raise
    finally:
        request.app[METRICS].http_request(
            route_name(request), status, time.perf_counter() - started
        )


def _loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or (mapped is not None and mapped.is_loopback)


def from_this_machine(request: web.Request) -> bool:
    """The visitor (client_address, BEHIND_PROXY semantics) is on loopback. Behind a proxy,
    every hop must be: a forged first X-Forwarded-For entry does not make a visitor local."""
    addresses = [client_address(request)]
    if request.app[SETTINGS].behind_proxy:
        forwarded = request.headers.get("X-Forwarded-For", "")
        addresses += [a for a in forwarded.split(",") if a.strip()]
        addresses.append(request.remote or "?")
    return all(_loopback(a) for a in addresses)


def _bearer_ok(request: web.Request, expected: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and same_secret(given.strip(), expected)


async def metrics_view(request: web.Request) -> web.Response:
    """GET /metrics: Prometheus text format. With METRICS_TOKEN, a matching Bearer token is
    required (401 otherwise); without it, only clients on this machine are served (403)."""
    token = request.app[SETTINGS].metrics_token
    if token is not None:
        if not _bearer_ok(request, token.get_secret_value()):
            return web.Response(
                status=401, text="unauthorized\n", headers={"WWW-Authenticate": "Bearer"}
            )
    elif not from_this_machine(request):
        return web.Response(status=403, text="forbidden\n")
    body = await request.app[METRICS].scrape(
        WardSource(
            ward[WARD_ID],
            ward[DEPS].sessions,
            tuple(ward[OUTBOX].channels) if OUTBOX in ward else (),
        )
        for ward in request.config_dict[WARD_APPS]
    )
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


def install(app: web.Application) -> None:
    """Request ids and HTTP metrics on every request, and the /metrics route."""
    app.middlewares.extend([request_ids, http_metrics])
    app.on_response_prepare.append(_echo_request_id)
    app.router.add_get("/metrics", metrics_view)
