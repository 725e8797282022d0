"""Typed keys for what the aiohttp application holds."""

from __future__ import annotations

from aiohttp import web

from bot.channels.telegram import TelegramChannel
from bot.inbox import Inbox
from bot.settings import Settings
from handlers.deps import Deps

SETTINGS = web.AppKey("settings", Settings)
DEPS = web.AppKey("deps", Deps)
TELEGRAM = web.AppKey("telegram", TelegramChannel)
INBOX = web.AppKey("inbox", Inbox)
