"""The channels a ward can be reached on, in one table: how to tell from the settings that a
channel is configured, how to build its adapter, where its webhook lives. The app and
`broadcast send` start channels from this table alone, so neither names a channel. (The web
chat is always on and has its own routes: bot/channels/webchat.py.)

An adapter module is imported only when its channel is configured."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from bot.inbox import Inbox
from bot.settings import Settings
from handlers.deps import Deps
from handlers.domain.vocabulary import RESIDENT_CHANNELS

Build = Callable[[Settings, Deps, Inbox | None, aiohttp.ClientSession], Any]


@dataclass(frozen=True)
class ChannelSpec:
    name: str  # as stored with residents and outbox rows: "telegram"
    label: str  # for logs and the start-up description
    webhook: str  # POST /webhooks/<webhook>
    configured: Callable[[Settings], bool]
    build: Build
    off: str  # what to set to turn it on, for the start-up description
    polls: bool = True  # long polling when the ward has no public URL (else webhook only)
    handshake: bool = False  # the platform verifies the webhook with a GET (Meta)

    @property
    def key(self) -> web.AppKey[Any]:
        return KEYS[self.name]

    def describe(self, settings: Settings) -> str:
        if not self.configured(settings):
            return f"{self.label}: off (no {self.off})"
        if settings.webhook_mode or not self.polls:
            return f"{self.label}: webhook /webhooks/{self.webhook}"
        return f"{self.label}: long polling"


def _telegram(settings: Settings, deps: Deps, inbox: Inbox | None, _http: Any) -> Any:
    from bot.channels.telegram import TelegramChannel

    return TelegramChannel(settings, deps, inbox)


def _zalo_bot(settings: Settings, deps: Deps, inbox: Inbox | None, http: Any) -> Any:
    from bot.channels.zalo_bot import ZaloBotChannel

    return ZaloBotChannel(settings, deps, inbox, http)


def _zalo_oa(settings: Settings, deps: Deps, inbox: Inbox | None, http: Any) -> Any:
    from bot.channels.zalo_oa import ZaloOAChannel
    from db.oa_token_store import OATokenStore  # wiring: the adapter itself imports no db

    assert settings.zalo_oa.app_id
    return ZaloOAChannel(
        settings, deps, inbox, http, OATokenStore(deps.sessions, settings.zalo_oa.app_id)
    )


def _messenger(settings: Settings, deps: Deps, inbox: Inbox | None, http: Any) -> Any:
    from bot.channels.messenger import MessengerChannel

    return MessengerChannel(settings, deps, inbox, http)


# Where the app keeps each adapter (tests and the webhook routes read them).
TELEGRAM: web.AppKey[Any] = web.AppKey("telegram", object)
ZALO_BOT: web.AppKey[Any] = web.AppKey("zalo_bot", object)
ZALO_OA: web.AppKey[Any] = web.AppKey("zalo_oa", object)
MESSENGER: web.AppKey[Any] = web.AppKey("messenger", object)
KEYS = {"telegram": TELEGRAM, "zalo_bot": ZALO_BOT, "zalo_oa": ZALO_OA, "messenger": MESSENGER}

CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(
        "telegram",
        "Telegram",
        "telegram",
        lambda s: s.telegram.enabled,
        _telegram,
        off="TELEGRAM_BOT_TOKEN",
    ),
    ChannelSpec(
        "zalo_bot",
        "Zalo Bot",
        "zalo-bot",
        lambda s: s.zalo_bot.enabled,
        _zalo_bot,
        off="ZALO_BOT_TOKEN",
    ),
    ChannelSpec(
        "zalo_oa",
        "Zalo OA",
        "zalo-oa",
        lambda s: s.zalo_oa.enabled,
        _zalo_oa,
        off="ZALO_OA_*",
        polls=False,
    ),
    ChannelSpec(
        "messenger",
        "Facebook Messenger",
        "messenger",
        lambda s: s.messenger.enabled,
        _messenger,
        off="MESSENGER_PAGE_ACCESS_TOKEN",
        polls=False,
        handshake=True,
    ),
)


@asynccontextmanager
async def started(
    settings: Settings,
    deps: Deps,
    inbox: Inbox | None,
    http: aiohttp.ClientSession,
    register: Callable[[str, Any, int, Any], None],
) -> AsyncIterator[dict[str, Any]]:
    """Every configured channel built, registered with the sender (`register(name, deliver,
    concurrency, limiter)`) and started; stopped on leaving. Yields name -> adapter."""
    adapters: dict[str, Any] = {}
    async with AsyncExitStack() as stack:
        for spec in CHANNELS:
            if not spec.configured(settings):
                continue
            adapter = spec.build(settings, deps, inbox, http)
            register(spec.name, adapter.deliver, settings.outbox_concurrency, adapter.limiter)
            await adapter.start()
            stack.push_async_callback(adapter.stop)
            adapters[spec.name] = adapter
        yield adapters


def configured_names(settings: Settings) -> tuple[str, ...]:
    """The channels residents can be reached on with these settings: the web chat (always
    on) and every configured platform, in the order of the announcement cards."""
    on = {"web"} | {spec.name for spec in CHANNELS if spec.configured(settings)}
    return tuple(name for name in RESIDENT_CHANNELS if name in on)
