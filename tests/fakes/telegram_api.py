"""A fake Telegram Bot API server on 127.0.0.1 that speaks the real HTTP API and JSON shapes.

The real client code (python-telegram-bot over httpx) talks to it unchanged; tests read what
it was asked (`calls`) and can make chosen calls fail the way Telegram does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.limits import PlatformLimits

MESSAGE_METHODS = ("sendMessage", "sendPhoto")
BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "Trợ lý phường", "username": "ward_bot"}


@dataclass
class Failure:
    """An error Telegram would return for a call."""

    status: int
    description: str
    parameters: dict[str, Any] | None = None
    delay: float = 0.0  # seconds to wait first (to provoke client timeouts)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def too_many_requests(retry_after: int = 1) -> Failure:
    return Failure(
        429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after}
    )


def blocked() -> Failure:
    return Failure(403, "Forbidden: bot was blocked by the user")


def chat_not_found() -> Failure:
    return Failure(400, "Bad Request: chat not found")


@dataclass
class FakeTelegram:
    """The fake server. `fail[(method, chat_id)]` holds failures to return, one per call."""

    token: str = "123456:TEST-token_for-tests"
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail: dict[tuple[str, str | None], list[Failure]] = field(default_factory=dict)
    updates: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    url: str = ""
    limits: PlatformLimits | None = None  # enforce Telegram's flood limits (429 when over)
    delivered: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # accepted sends
    files: dict[str, bytes] = field(default_factory=dict)  # file_id -> bytes (getFile, download)
    _runner: web.AppRunner | None = None
    _message_ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> FakeTelegram:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def called(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every call to `method`, in order."""
        return [params for name, params in self.calls if name == method]

    async def wait_for(self, method: str, count: int = 1, within: float = 5.0) -> None:
        """Wait until `method` has been called `count` times."""
        deadline = time.monotonic() + within
        while len(self.called(method)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} called {len(self.called(method))} times")
            await asyncio.sleep(0.01)

    async def _params(self, request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            form = await request.post()
            for key, value in form.items():
                params[key] = _decode(value) if isinstance(value, str) else value
        return params

    async def _file(self, request: web.Request) -> web.Response:
        """GET /file/bot<token>/<file_path>: a file getFile pointed to."""
        self.calls.append(("file", {"path": request.match_info["path"]}))
        file_id = request.match_info["path"].removeprefix("photos/").removesuffix(".jpg")
        if request.match_info["token"] != self.token or file_id not in self.files:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=self.files[file_id], content_type="application/octet-stream")

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await self._params(request)
        self.calls.append((method, params))
        chat = str(params.get("chat_id")) if "chat_id" in params else None
        for key in ((method, chat), (method, None)):
            queue = self.fail.get(key)
            if queue:
                failure = queue.pop(0)
                await asyncio.sleep(failure.delay)
                return web.json_response(failure.body(), status=failure.status)
        if method in MESSAGE_METHODS:
            if self.limits is not None and not self.limits.admit(chat):
                failure = too_many_requests(1)
                return web.json_response(failure.body(), status=failure.status)
            self.delivered.append((method, params))
        if method == "getFile" and str(params.get("file_id", "")) not in self.files:
            failure = Failure(
                400, "Bad Request: wrong file_id or the file is temporarily unavailable"
            )
            return web.json_response(failure.body(), status=failure.status)
        result = await self._result(method, params)
        return web.json_response({"ok": True, "result": result})

    async def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in MESSAGE_METHODS:
            message = {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {"id": int(params["chat_id"]), "type": "private"},
                "from": BOT_USER,
            }
            if method == "sendPhoto":
                photo = {
                    "file_id": "AgAD-sent",
                    "file_unique_id": "p1",
                    "width": 800,
                    "height": 600,
                }
                return {**message, "photo": [photo], "caption": params.get("caption")}
            return {**message, "text": params.get("text", "")}
        if method == "getUpdates":
            # Telegram may answer a long poll early with no updates; doing so after at most a
            # second keeps client shutdown quick in tests.
            timeout = min(float(params.get("timeout", 0) or 0), 1.0)
            try:
                first = await asyncio.wait_for(self.updates.get(), timeout=max(timeout, 0.05))
            except TimeoutError:
                return []
            batch = [first]
            while not self.updates.empty():
                batch.append(self.updates.get_nowait())
            return batch
        if method == "getFile":
            file_id = str(params.get("file_id", ""))
            return {
                "file_id": file_id,
                "file_unique_id": f"u-{file_id}",
                "file_size": len(self.files[file_id]),
                "file_path": f"photos/{file_id}.jpg",
            }
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True  # setWebhook, deleteWebhook, setMyCommands, sendChatAction, answer...


def _decode(value: str) -> Any:
    """Form fields carry nested objects as JSON text, as the Bot API accepts them."""
    if value[:1] in "{[":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# --- updates in Telegram's JSON shapes ---------------------------------------------------


def _user(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Lan", "language_code": "vi"}


def _chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private", "first_name": "Lan"}


def text_update(update_id: int, chat_id: int, text: str) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "from": _user(chat_id),
        "chat": _chat(chat_id),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [
            {"type": "bot_command", "offset": 0, "length": len(text.split()[0])}
        ]
    return {"update_id": update_id, "message": message}


def photo_update(update_id: int, chat_id: int, caption: str | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": int(time.time()),
        "from": _user(chat_id),
        "chat": _chat(chat_id),
        "photo": [
            {"file_id": "AgAD-small", "file_unique_id": "s1", "width": 90, "height": 90},
            {"file_id": "AgAD-large", "file_unique_id": "l1", "width": 800, "height": 600},
        ],
    }
    if caption:
        message["caption"] = caption
    return {"update_id": update_id, "message": message}


def callback_update(update_id: int, chat_id: int, data: str) -> dict[str, Any]:
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": _user(chat_id),
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": _chat(chat_id),
                "from": BOT_USER,
                "text": "menu",
            },
        },
    }


def member_update(update_id: int, chat_id: int, status: str) -> dict[str, Any]:
    old = "member" if status == "kicked" else "kicked"
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": _chat(chat_id),
            "from": _user(chat_id),
            "date": int(time.time()),
            "old_chat_member": {"user": BOT_USER, "status": old, **_until(old)},
            "new_chat_member": {"user": BOT_USER, "status": status, **_until(status)},
        },
    }


def _until(status: str) -> dict[str, Any]:
    return {"until_date": 0} if status == "kicked" else {}


async def _serve_forever(port: int, token: str) -> None:
    fake = FakeTelegram(token=token)
    app = web.Application()
    app.router.add_route("*", "/bot{token}/{method}", fake._handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(f"fake Telegram on 127.0.0.1:{port}", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":  # used by bench/webhook_ack.py
    import sys

    asyncio.run(_serve_forever(int(sys.argv[1]), sys.argv[2]))
