"""Typed keys for what the aiohttp application holds (the channels' own: registry.py)."""

from __future__ import annotations

import aiohttp
from aiohttp import web

# The channels' keys live with the channel table; here too, for the rest of the app.
from bot.channels.registry import MESSENGER as MESSENGER
from bot.channels.registry import TELEGRAM as TELEGRAM
from bot.channels.registry import ZALO_BOT as ZALO_BOT
from bot.channels.registry import ZALO_OA as ZALO_OA
from bot.inbox import Inbox
from bot.metrics import Metrics
from bot.outbox import OutboxSender
from bot.scheduler import Scheduler
from bot.settings import Settings
from db.session import Engines
from handlers.deps import Deps

SETTINGS = web.AppKey("settings", Settings)
DEPS = web.AppKey("deps", Deps)
INBOX = web.AppKey("inbox", Inbox)
HTTP = web.AppKey("http", aiohttp.ClientSession)
OUTBOX = web.AppKey("outbox", OutboxSender)
SCHEDULER = web.AppKey("scheduler", Scheduler)
METRICS = web.AppKey("metrics", Metrics)
WARD_ID = web.AppKey("ward_id", str)
WARD_HOST = web.AppKey("ward_host", str)  # "" for the single ward
# The applications of the wards served (the app itself when there is one ward).
WARD_APPS = web.AppKey("ward_apps", list)
ENGINES = web.AppKey("engines", Engines)
