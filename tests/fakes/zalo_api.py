"""Fake Zalo servers on 127.0.0.1 with the real paths and JSON shapes:

- the Zalo Bot Platform (`/bot{token}/{method}`, `{ok, result}` answers, HTTP 408 for an empty
  long poll),
- the Official Account API (`/v3.0/oa/message/cs` with an `access_token` header) and its OAuth
  server (`/v4/oa/access_token`, single-use refresh tokens).

One server serves all three, so every base URL setting can point at it.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.limits import PlatformLimits

BOT_TOKEN = "1234567890:zalo-bot-test-token"
APP_ID = "2553928453557884079"
OA_SECRET_KEY = "oa-secret-key-for-tests"
APP_SECRET = "app-secret-for-tests"
FIRST_ACCESS, FIRST_REFRESH = "access-0", "refresh-0"


def oa_settings(api_url: str, **more: object) -> dict[str, object]:
    """The Zalo OA settings group of an app this fake knows (its keys and first token pair)."""
    return {
        "app_id": APP_ID,
        "secret_key": OA_SECRET_KEY,
        "app_secret": APP_SECRET,
        "access_token": FIRST_ACCESS,
        "refresh_token": FIRST_REFRESH,
        "api_url": api_url,
        "oauth_url": api_url,
        **more,
    }


@dataclass
class FakeZalo:
    """Records every call; `bot_fail` / `oa_fail` hold errors to return, one per call."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    updates: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    bot_fail: dict[tuple[str, str | None], list[tuple[int, dict[str, Any]]]] = field(
        default_factory=dict
    )
    oa_fail: dict[str | None, list[dict[str, Any]]] = field(default_factory=dict)
    access_token: str = FIRST_ACCESS
    refresh_token: str = FIRST_REFRESH
    refresh_delay: float = 0.0
    refresh_fails: bool = False
    url: str = ""
    bot_limits: PlatformLimits | None = None  # enforce a rate (429 "quota exceeded" when over)
    oa_limits: PlatformLimits | None = None
    delivered: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # accepted sends
    _runner: web.AppRunner | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _generation: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> FakeZalo:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._bot)
        app.router.add_post("/v3.0/oa/message/cs", self._oa_send)
        app.router.add_post("/v4/oa/access_token", self._oauth)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def called(self, method: str) -> list[dict[str, Any]]:
        return [params for name, params in self.calls if name == method]

    # --- Zalo Bot Platform ---------------------------------------------------------------

    async def _bot(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != BOT_TOKEN:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await request.json() if request.can_read_body else {}
        self.calls.append((method, params))
        chat = str(params["chat_id"]) if "chat_id" in params else None
        for key in ((method, chat), (method, None)):
            if self.bot_fail.get(key):
                status, body = self.bot_fail[key].pop(0)
                return web.json_response(body, status=status)
        if method == "getUpdates":
            wait = min(float(params.get("timeout", 30)), 1.0)
            try:
                update = await asyncio.wait_for(self.updates.get(), timeout=wait)
            except TimeoutError:
                return web.json_response(
                    {"ok": False, "description": "Request timeout"}, status=408
                )
            return web.json_response({"ok": True, "result": update})
        if method in ("sendMessage", "sendPhoto"):
            if self.bot_limits is not None and not self.bot_limits.admit(chat):
                return web.json_response(
                    {"ok": False, "error_code": 429, "description": "Quota exceeded"}, status=429
                )
            text = params.get("text", params.get("caption", "x"))
            if not 1 <= len(text) <= 2000:
                return web.json_response(
                    {
                        "ok": False,
                        "error_code": 400,
                        "description": "text must be 1-2000 characters",
                    },
                    status=400,
                )
            self.delivered.append((method, params))
            return web.json_response(
                {
                    "ok": True,
                    "result": {
                        "message_id": f"m{next(self._ids)}",
                        "date": int(time.time() * 1000),
                    },
                }
            )
        results = {
            "getMe": {
                "id": "1459232241454765289",
                "account_name": "bot.PhuongDakBla",
                "account_type": "BASIC",
                "can_join_groups": False,
            },
            "setWebhook": {"url": params.get("url"), "updated_at": int(time.time() * 1000)},
            "deleteWebhook": {"url": "", "updated_at": int(time.time() * 1000)},
        }
        return web.json_response({"ok": True, "result": results.get(method, {})})

    # --- Official Account ------------------------------------------------------------------

    async def _oa_send(self, request: web.Request) -> web.Response:
        body = await request.json()
        token = request.headers.get("access_token")
        self.calls.append(("oa.message.cs", {**body, "access_token": token}))
        if token != self.access_token:
            return web.json_response({"error": -216, "message": "Access token is invalid"})
        user = body["recipient"]["user_id"]
        for key in (user, None):
            if self.oa_fail.get(key):
                failure = self.oa_fail[key].pop(0)
                return web.json_response(
                    failure.get("body", failure), status=failure.get("status", 200)
                )
        if len(body["message"].get("text", "")) > 2000:
            return web.json_response({"error": -201, "message": "text too long"})
        if self.oa_limits is not None and not self.oa_limits.admit(user):
            return web.json_response({"error": 429, "message": "rate limited"}, status=429)
        self.delivered.append(("oa.message.cs", body))
        return web.json_response(
            {
                "error": 0,
                "message": "Success",
                "data": {"message_id": f"oa{next(self._ids)}", "user_id": user},
            }
        )

    async def _oauth(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.calls.append(("oauth.refresh", form))
        await asyncio.sleep(self.refresh_delay)
        if request.headers.get("secret_key") != APP_SECRET or self.refresh_fails:
            return web.json_response(
                {
                    "error": -14002,
                    "error_name": "Invalid secret",
                    "error_description": "app secret is not valid",
                }
            )
        if form.get("refresh_token") != self.refresh_token:
            return web.json_response(
                {
                    "error": -14014,
                    "error_name": "Invalid refresh token",
                    "error_description": "refresh token is used or expired",
                }
            )
        generation = next(self._generation)
        self.access_token, self.refresh_token = f"access-{generation}", f"refresh-{generation}"
        return web.json_response(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_in": "90000",
            }
        )


# --- events in the platforms' shapes --------------------------------------------------------


def bot_event(
    chat_id: str,
    text: str | None = None,
    event: str = "message.text.received",
    message_id: str | None = None,
    wrapped: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    message = {
        "from": {"id": chat_id, "display_name": "Lan", "is_bot": False},
        "chat": {"id": chat_id, "chat_type": "PRIVATE"},
        "message_id": message_id or f"mid-{chat_id}-{time.time_ns()}",
        "date": int(time.time() * 1000),
        **extra,
    }
    if text is not None:
        message["text"] = text
    body = {"message": message, "event_name": event}
    return {"ok": True, "result": body} if wrapped else body


def oa_event(
    event_name: str,
    user_id: str,
    text: str | None = None,
    timestamp: int | None = None,
    msg_id: str | None = None,
) -> dict[str, Any]:
    ts = str(timestamp if timestamp is not None else int(time.time() * 1000))
    if event_name in ("follow", "unfollow"):
        return {
            "app_id": APP_ID,
            "oa_id": "579745863508352884",
            "event_name": event_name,
            "timestamp": ts,
            "follower": {"id": user_id},
            "source": "oa_profile",
            "user_id_by_app": "979122185046046317",
        }
    message: dict[str, Any] = {"msg_id": msg_id or f"oamsg-{time.time_ns()}"}
    if event_name == "user_send_image":
        message["attachments"] = [
            {
                "type": "image",
                "payload": {
                    "thumbnail": "https://photo.zalo.test/t.jpg",
                    "url": "https://photo.zalo.test/i.jpg",
                },
            }
        ]
    if text is not None:
        message["text"] = text
    return {
        "event_name": event_name,
        "app_id": APP_ID,
        "sender": {"id": user_id},
        "recipient": {"id": "579745863508352884"},
        "message": message,
        "timestamp": ts,
        "user_id_by_app": "979122185046046317",
    }


def sign(
    raw: bytes, app_id: str = APP_ID, timestamp: str | None = None, secret: str = OA_SECRET_KEY
) -> str:
    """The X-ZEvent-Signature header value Zalo would send for these exact bytes."""
    if timestamp is None:
        timestamp = str(json.loads(raw)["timestamp"])
    digest = hashlib.sha256(app_id.encode() + raw + timestamp.encode() + secret.encode())
    return f"mac={digest.hexdigest()}"
