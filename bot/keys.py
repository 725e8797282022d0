"""Typed keys for what the aiohttp application holds."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from bot.channels.telegram import TelegramChannel
from bot.channels.zalo_bot import ZaloBotChannel
from bot.channels.zalo_oa import ZaloOAChannel
from bot.inbox import Inbox
from bot.metrics import Metrics
from bot.outbox import OutboxSender
from bot.scheduler import Scheduler
from bot.settings import Settings
from db.session import Engines
from handlers.deps import Deps

SETTINGS = web.AppKey("settings", Settings)
DEPS = web.AppKey("deps", Deps)
TELEGRAM = web.AppKey("telegram", TelegramChannel)
INBOX = web.AppKey("inbox", Inbox)
HTTP = web.AppKey("http", aiohttp.ClientSession)
ZALO_BOT = web.AppKey("zalo_bot", ZaloBotChannel)
ZALO_OA = web.AppKey("zalo_oa", ZaloOAChannel)
OUTBOX = web.AppKey("outbox", OutboxSender)
SCHEDULER = web.AppKey("scheduler", Scheduler)
METRICS = web.AppKey("metrics", Metrics)
WARD_ID = web.AppKey("ward_id", str)
WARD_HOST = web.AppKey("ward_host", str)  # "" for the single ward
# The applications of the wards served (the app itself when there is one ward).
WARD_APPS = web.AppKey("ward_apps", list)
ENGINES = web.AppKey("engines", Engines)
