"""The Zalo OA access token: stored in the database, refreshed once however many tasks or
processes notice at the same time.

Zalo's refresh token is single-use: each refresh returns a new pair, and the old refresh
token stops working. So the refresh runs inside a transaction that first takes the write
lock on the token row (an UPDATE, which locks the row on PostgreSQL and the database on
SQLite), re-reads it, and only calls Zalo if nobody refreshed in the meantime; the new pair is
written in that same transaction. A failed refresh is logged loudly and not retried for a
few minutes.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import Protocol

import aiohttp

from bot.channel_settings import ZaloOASettings
from bot.channels.http import Unreachable, post_json

log = logging.getLogger(__name__)

REFRESH_MARGIN = timedelta(hours=1)  # access tokens live 25 h; renew in the last hour
RETRY_AFTER_FAILURE = timedelta(minutes=5)


class ZaloOAError(Exception):
    """An error from the Zalo OA or OAuth API (code 0: network; 429: rate limit)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"Zalo OA error {code}: {message}")
        self.code, self.message = code, message


class StoredPair(Protocol):
    """The stored token pair and the last refresh's outcome."""

    access_token: str
    refresh_token: str
    access_expires_at: datetime | None
    refresh_failed_at: datetime | None
    last_error: str | None
    updated_at: datetime


class TokenStore(Protocol):
    """Where the pair lives (db/oa_token_store.py), handed in by the channel registry."""

    async def seed(self, access: str, refresh: str) -> None: ...

    async def current(self) -> StoredPair | None: ...

    def locked(self) -> AbstractAsyncContextManager[StoredPair]: ...


class ZaloOATokens:
    """Current access token for the configured app; refresh under a row lock."""

    def __init__(
        self,
        settings: ZaloOASettings,
        store: TokenStore,
        http: aiohttp.ClientSession,
    ) -> None:
        assert settings.app_id and settings.access_token
        assert settings.refresh_token and settings.secret_key
        self.settings, self._store, self._http = settings, store, http
        self.app_id = settings.app_id
        secret = settings.app_secret or settings.secret_key
        self._app_secret = secret.get_secret_value()
        self._lock = asyncio.Lock()

    async def seed(self) -> None:
        """Store the first pair from the settings, unless a pair is stored already."""
        await self._store.seed(
            self.settings.access_token.get_secret_value(),
            self.settings.refresh_token.get_secret_value(),
        )

    async def current(self) -> str:
        """The access token to use now (refreshed first if it is about to expire)."""
        row = await self._store.current()
        if row is None:
            raise ZaloOAError(-1, "no token stored; the OA adapter was not started")
        if (
            row.access_expires_at is not None
            and row.access_expires_at - datetime.now(UTC) < REFRESH_MARGIN
        ):
            return await self.refresh()
        return row.access_token

    async def refresh(self, stale: str | None = None) -> str:
        """Get a new pair, unless someone already did: `stale` is the token that was refused
        (refresh only if it is still the stored one); without it, refresh if near expiry."""
        async with self._lock:
            failure: ZaloOAError | None = None
            async with self._store.locked() as row:
                now = datetime.now(UTC)
                if stale is not None and row.access_token != stale:
                    return row.access_token  # refreshed by another task or process
                if stale is None and (
                    row.access_expires_at is None or row.access_expires_at - now >= REFRESH_MARGIN
                ):
                    return row.access_token
                if row.refresh_failed_at and now - row.refresh_failed_at < RETRY_AFTER_FAILURE:
                    raise ZaloOAError(-1, f"last refresh failed ({row.last_error}); waiting")
                try:
                    access, refresh, expires_in = await self._request(row.refresh_token)
                except ZaloOAError as exc:
                    failure = exc
                    row.refresh_failed_at, row.last_error = now, exc.message[:300]
                else:
                    row.access_token, row.refresh_token = access, refresh
                    row.access_expires_at = now + timedelta(seconds=expires_in)
                    row.refresh_failed_at, row.last_error, row.updated_at = None, None, now
            if failure is not None:
                log.error(
                    "ZALO OA TOKEN REFRESH FAILED: %s. Replies cannot be sent until it "
                    "succeeds; if the refresh token expired, an OA admin must authorise "
                    "the app again and set ZALO_OA_ACCESS_TOKEN/ZALO_OA_REFRESH_TOKEN.",
                    failure.message,
                )
                raise failure
            log.info("Zalo OA: access token refreshed")
            return row.access_token

    async def _request(self, refresh_token: str) -> tuple[str, str, int]:
        url = f"{str(self.settings.oauth_url).rstrip('/')}/v4/oa/access_token"
        form = {
            "app_id": self.app_id,
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
        }
        try:
            _, body = await post_json(
                self._http, url, seconds=20, data=form, headers={"secret_key": self._app_secret}
            )
        except Unreachable as exc:
            raise ZaloOAError(0, f"network: {exc}") from None
        if not isinstance(body, dict) or not body.get("access_token"):
            body = body if isinstance(body, dict) else {}
            detail = body.get("error_description") or body.get("error_name") or body.get("error")
            try:
                code = int(body.get("error", -1))
            except (TypeError, ValueError):
                code = -1
            raise ZaloOAError(code, str(detail or "no token in the answer"))
        return body["access_token"], body["refresh_token"], int(body.get("expires_in", 90000))
