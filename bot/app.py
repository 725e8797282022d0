"""The aiohttp application: health, readiness, channel webhooks and the website chat.

`create_app(settings)` builds it; every resource (database, catalogue, Telegram) is opened
and closed in a cleanup context, so nothing runs at import time.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial
from typing import Any

import aiohttp
from aiohttp import web
from sqlalchemy.engine import make_url

from bot.channels import registry, webchat
from bot.contests import certificate
from bot.inbox import Inbox
from bot.keys import (
    DEPS,
    ENGINES,
    HTTP,
    INBOX,
    METRICS,
    OUTBOX,
    SCHEDULER,
    SETTINGS,
    TELEGRAM,
    WARD_APPS,
    WARD_HOST,
    WARD_ID,
    ZALO_BOT,
)
from bot.metrics import Metrics
from bot.outbox import OutboxSender, sender_options
from bot.scheduler import Scheduler
from bot.settings import Settings
from bot.staff import routes as staff_routes
from bot.wards import WardSite, ward_sites
from bot.web import observability, security, status_page
from bot.wiring import core
from db.session import Engines, ping
from handlers.domain.announcements import Queuer
from handlers.domain.calendar import warm_calendar
from handlers.domain.reminders import send_course_reminders
from handlers.domain.retention import apply_retention

log = logging.getLogger("bot")


def describe(settings: Settings) -> list[str]:
    """What this process will serve, for the first log lines (no secrets)."""
    sites = ward_sites(settings)
    lines = [f"Ward assistant on http://{settings.host}:{settings.port}"]
    for site in sites:
        where = f" at host {site.host}" if site.host else ""
        lines.append(f"Ward {site.settings.ward!r}{where}:")
        lines += [f"  {line}" for line in _describe_ward(site.settings)]
    lines.append("Website chat: demo page at /, widget at /widget.js, API at /api/chat")
    lines.append(f"Roles: {', '.join(settings.roles)}")
    return lines


def _describe_ward(settings: Settings) -> list[str]:
    url = make_url(settings.database_url)
    database = (
        f"{url.get_backend_name()} ({url.database})"
        if url.get_backend_name() == "sqlite"
        else f"{url.get_backend_name()} on {url.host}"
    )
    if settings.database_schema:
        database += f", schema {settings.database_schema}"
    return [f"Database: {database}", *(spec.describe(settings) for spec in registry.CHANNELS)]


async def _core_ctx(app: web.Application) -> AsyncIterator[None]:
    settings, metrics = app[SETTINGS], app[METRICS]
    ward = app[WARD_ID]
    engine = app[ENGINES].get(settings.database_url) if ENGINES in app else None
    warming = asyncio.create_task(warm_calendar())
    async with core(settings, observe=partial(metrics.observe, ward), engine=engine) as deps:
        app[DEPS] = deps
        app[INBOX] = Inbox(deps.sessions, workers=settings.inbox_workers)
        app[OUTBOX] = outbox = OutboxSender(
            deps.sessions, sender_options(settings), on_result=partial(metrics.on_result, ward)
        )
        outbox.register("web", webchat.deliver)
        app[SCHEDULER] = Scheduler(
            deps.sessions,
            # Only where the ward can send: the console's estimates count the same residents.
            Queuer(deps.catalogue.ward.name, registry.configured_names(settings)),
            on_queued=outbox.wake,
            reminders=partial(send_course_reminders, deps.sessions, deps.catalogue),
            housekeeping=partial(apply_retention, deps.sessions, settings.retention_days),
        )
        yield
    await warming


async def _inbox_ctx(app: web.Application) -> AsyncIterator[None]:
    # Last to start, first to stop: every channel has registered its processor by now.
    # Each part runs only in the processes whose role it is (all of them by default).
    roles = app[SETTINGS].roles
    parts = [
        part
        for role, part in (
            ("web", app[INBOX]),
            ("sender", app[OUTBOX]),
            ("scheduler", app[SCHEDULER]),
        )
        if role in roles
    ]
    for part in parts:
        await part.start()
    yield
    for part in reversed(parts):
        await part.stop()


def _inbox_of(app: web.Application) -> Inbox | None:
    """Channels receive only in web processes; elsewhere they only send."""
    return app[INBOX] if "web" in app[SETTINGS].roles else None


async def _http_ctx(app: web.Application) -> AsyncIterator[None]:
    # One HTTP client for every outgoing call (Zalo APIs); closed at shutdown.
    async with aiohttp.ClientSession() as http:
        app[HTTP] = http
        yield


async def _channels_ctx(app: web.Application) -> AsyncIterator[None]:
    # Every channel the ward configured (bot/channels/registry.py), sending through the outbox.
    settings, inbox = app[SETTINGS], _inbox_of(app)
    register = app[OUTBOX].register
    async with registry.started(settings, app[DEPS], inbox, app[HTTP], register) as adapters:
        for spec in registry.CHANNELS:
            if spec.name in adapters:
                app[spec.key] = adapters[spec.name]
        yield


async def ward_index(request: web.Request) -> web.Response:
    """GET / on a host name no ward answers on: the wards of this deployment."""
    items = "".join(
        f'<li><a href="//{html.escape(str(ward[WARD_HOST]))}/">'
        f"{html.escape(ward[DEPS].catalogue.ward.name)}</a></li>"
        for ward in request.app[WARD_APPS]
    )
    page = (
        '<!doctype html><html lang="vi"><meta charset="utf-8">'
        "<title>Trợ lý phường, xã</title><h1>Trợ lý phường, xã</h1>"
        f"<p>Mời bạn chọn phường, xã của mình:</p><ul>{items}</ul></html>"
    )
    return web.Response(text=page, content_type="text/html")


async def healthz(_request: web.Request) -> web.Response:
    """GET /healthz: the process is up."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """GET /readyz: the database answers (and Telegram is connected, when configured)."""
    checks = await _readiness(request.app)
    ready = checks["database"] == "ok"
    return web.json_response(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


async def readyz_all(request: web.Request) -> web.Response:
    """GET /readyz on the deployment's own address: every ward's database answers."""
    wards = {ward[WARD_ID]: await _readiness(ward) for ward in request.app[WARD_APPS]}
    ready = all(checks["database"] == "ok" for checks in wards.values())
    return web.json_response(
        {"status": "ready" if ready else "not ready", "wards": wards},
        status=200 if ready else 503,
    )


async def _readiness(app: web.Application) -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        async with app[DEPS].sessions() as session:
            await ping(session)
        checks["database"] = "ok"
    except Exception as exc:  # any failure means "not ready"; the reason is reported
        log.warning("readiness: database check failed: %s", exc)
        checks["database"] = "unavailable"
    channel = app.get(TELEGRAM)
    if channel is not None:
        checks["telegram"] = "ok" if channel.ready.is_set() else "connecting"
    zalo_bot = app.get(ZALO_BOT)
    if zalo_bot is not None:
        checks["zalo_bot"] = "ok" if zalo_bot.ready.is_set() else "connecting"
    return checks


def _webhook(key: web.AppKey[Any], name: str) -> Callable[[web.Request], Awaitable[Any]]:
    """POST /webhooks/<channel>: handed to the channel's adapter, in web processes, when the
    channel is configured."""

    async def handler(request: web.Request) -> web.StreamResponse:
        channel = request.app.get(key)
        if channel is None:
            return web.json_response(
                {"ok": False, "error": f"{name} is not configured"}, status=404
            )
        if channel.inbox is None:
            return web.json_response(
                {"error": "this process does not receive webhooks"}, status=404
            )
        return await channel.webhook(request)

    return handler


def create_app(settings: Settings) -> web.Application:
    """Build the application; resources open when it starts and close when it stops.

    One ward: its application answers on every host name. Several (WARDS_FILE): each
    ward's application answers on its own host name, and the wards share the process's
    metrics and one engine per database."""
    sites = ward_sites(settings)
    metrics = Metrics()
    if len(sites) == 1 and sites[0].host is None:
        app = create_ward_app(sites[0], metrics)
        app[WARD_APPS] = [app]
        observability.install(app)  # request ids, HTTP metrics, GET /metrics
        security.install(app)  # security headers on every response
        return app
    root = web.Application(client_max_size=1_000_000)
    root[SETTINGS], root[METRICS] = settings, metrics
    root[ENGINES] = Engines()
    observability.install(root)
    security.install(root)  # the ward applications' responses included
    wards = []
    for site in sites:
        assert site.host is not None
        ward_app = create_ward_app(site, metrics)
        ward_app[ENGINES] = root[ENGINES]
        ward_app.router.add_get("/metrics", observability.metrics_view)
        root.add_domain(site.host, ward_app)
        wards.append(ward_app)
    root[WARD_APPS] = wards
    # Last in on_cleanup: after every ward has stopped its sender and scheduler.
    root.on_cleanup.append(lambda app: app[ENGINES].dispose())
    root.router.add_get("/healthz", healthz)
    root.router.add_get("/readyz", readyz_all)
    root.router.add_get("/", ward_index)
    return root


def create_ward_app(site: WardSite, metrics: Metrics) -> web.Application:
    """One ward's application: chat, webhooks, console, sender and scheduler."""
    settings = site.settings
    app = web.Application(client_max_size=1_000_000)
    app[SETTINGS], app[METRICS], app[WARD_ID] = settings, metrics, site.id
    app[WARD_HOST] = site.host or ""
    app.cleanup_ctx.append(_core_ctx)
    app.cleanup_ctx.append(_http_ctx)
    app.cleanup_ctx.append(_channels_ctx)
    app.cleanup_ctx.append(_inbox_ctx)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    for spec in registry.CHANNELS:
        app.router.add_post(f"/webhooks/{spec.webhook}", _webhook(spec.key, spec.label))
        if spec.handshake:
            app.router.add_get(f"/webhooks/{spec.webhook}", _webhook(spec.key, spec.label))
    webchat.add_routes(app, webchat.WebChat(settings.webchat_allowed_origins))
    status_page.add_routes(app)  # public: residents check a tracking code from any device
    staff_routes.add_routes(app)
    certificate.add_routes(app)  # public: the residents' chat apps fetch the pictures
    return app
