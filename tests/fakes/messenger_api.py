"""A fake Graph API on 127.0.0.1 for the Messenger Platform, with the real paths and JSON
shapes (../shared/reference/platforms.md, section 8) and the documented limits enforced:

- `POST /{version}/me/messages?access_token=...`: a message (text under 2,000 characters or
  one attachment, never both; at most 13 quick replies, titles of 20 characters) or a sender
  action; `messaging_type` RESPONSE/UPDATE only within 24 hours of the person's last message,
  MESSAGE_TAG with HUMAN_AGENT within 7 days once approved, retired tags refused (code 100).
- `GET` / `POST /{version}/me/messenger_profile`: the Page's Get Started, greeting and menu.
- Errors in Graph's shape: `{"error": {"message", "type", "code", "error_subcode"}}`.

Events in the webhook's shapes, and their signature, are built by the helpers at the end.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.limits import PlatformLimits

VERSION = "v25.0"
PAGE_ID = "104857600000001"
PAGE_TOKEN = "EAAG-page-token-for-tests"
APP_SECRET = "messenger-app-secret-for-tests"
VERIFY_TOKEN = "verify-token-for-tests"
RETIRED_TAGS = {"CONFIRMED_EVENT_UPDATE", "POST_PURCHASE_UPDATE", "ACCOUNT_UPDATE"}
DAY_MS = 24 * 3600 * 1000


def messenger_settings(url: str, **more: object) -> dict[str, object]:
    """The Messenger settings group of a Page this fake knows."""
    return {
        "page_access_token": PAGE_TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "api_url": f"{url}/{VERSION}",
        **more,
    }


def graph_error(code: int, subcode: int | None, message: str, status: int = 400) -> web.Response:
    error: dict[str, Any] = {"message": message, "type": "OAuthException", "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "AbCdEf"
    return web.json_response({"error": error}, status=status)


@dataclass
class FakeGraph:
    """Records every call; `fail[psid]` holds (code, subcode) errors to answer, one per call."""

    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)  # accepted messages
    fail: dict[str | None, list[tuple[int, int | None]]] = field(default_factory=dict)
    heard: dict[str, int] = field(default_factory=dict)  # psid -> last message (ms)
    blocked: set[str] = field(default_factory=set)
    human_agent: bool = False  # the app passed review for the Human Agent permission
    limits: PlatformLimits | None = None
    rate_usage: str | None = None  # X-Business-Use-Case-Usage sent with a rate-limit error
    profile: dict[str, Any] = field(default_factory=dict)
    url: str = ""
    _runner: web.AppRunner | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    async def start(self) -> FakeGraph:
        app = web.Application()
        app.router.add_post(f"/{VERSION}/me/messages", self._messages)
        app.router.add_get(f"/{VERSION}/me/messenger_profile", self._get_profile)
        app.router.add_post(f"/{VERSION}/me/messenger_profile", self._set_profile)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def called(self, name: str) -> list[dict[str, Any]]:
        return [body for called, body in self.calls if called == name]

    def texts(self, psid: str | None = None) -> list[str]:
        """The texts of accepted messages (to one person, or to all), in order."""
        return [
            m["message"]["text"]
            for m in self.delivered
            if "text" in m.get("message", {}) and (psid is None or m["recipient"]["id"] == psid)
        ]

    def _authorised(self, request: web.Request) -> bool:
        return request.query.get("access_token") == PAGE_TOKEN

    async def _messages(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return graph_error(190, 463, "Error validating access token: Session has expired")
        body = await request.json()
        psid = str((body.get("recipient") or {}).get("id", ""))
        name = "sender_action" if "sender_action" in body else "message"
        self.calls.append((name, body))
        for key in (psid, None):
            if self.fail.get(key):
                code, subcode = self.fail[key].pop(0)
                headers = {}
                if code in (4, 32, 613, 80006) and self.rate_usage:
                    headers["X-Business-Use-Case-Usage"] = self.rate_usage
                response = graph_error(code, subcode, "refused by the test")
                response.headers.update(headers)
                return response
        if psid in self.blocked:
            return graph_error(551, 1545041, "This person isn't available right now.")
        if name == "sender_action":
            if body["sender_action"] not in ("typing_on", "typing_off", "mark_seen"):
                return graph_error(100, None, "Invalid sender_action")
            return web.json_response({"recipient_id": psid})
        problem = self._check(body, psid)
        if problem is not None:
            return problem
        if self.limits is not None and not self.limits.admit(psid):
            return graph_error(613, 2534040, "Calls to this api have exceeded the rate limit.")
        self.delivered.append(body)
        return web.json_response({"recipient_id": psid, "message_id": f"m_{next(self._ids)}"})

    def _check(self, body: dict[str, Any], psid: str) -> web.Response | None:
        """The Send API's documented rules; None when the message may go."""
        message = body.get("message") or {}
        if ("text" in message) == ("attachment" in message):
            return graph_error(100, None, "Param message must contain text or attachment")
        text = message.get("text")
        if text is not None and not 0 < len(text) < 2000:
            return graph_error(100, None, "Param message[text] must be UTF-8 2000 characters")
        quick = message.get("quick_replies") or []
        if len(quick) > 13:
            return graph_error(100, None, "param message[quick_replies] has too many elements")
        if any(len(q.get("title", "")) > 20 or not q.get("payload") for q in quick):
            return graph_error(100, None, "Quick reply title too long or payload missing")
        kind, tag = body.get("messaging_type"), body.get("tag")
        age = time.time() * 1000 - self.heard.get(psid, 0)
        if kind not in ("RESPONSE", "UPDATE", "MESSAGE_TAG"):
            return graph_error(100, None, "Invalid messaging_type")
        if kind == "MESSAGE_TAG":
            if tag in RETIRED_TAGS or tag != "HUMAN_AGENT":
                return graph_error(100, None, f"Tag {tag} is no longer supported")
            if not self.human_agent:
                return graph_error(200, None, "Requires human_agent permission")
            if age > 7 * DAY_MS:
                return graph_error(10, 2018278, "Message sent outside of allowed window.")
        elif age > DAY_MS:
            return graph_error(10, 2018278, "Message sent outside of allowed window.")
        return None

    async def _get_profile(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return graph_error(190, 463, "Error validating access token")
        self.calls.append(("profile.get", dict(request.query)))
        fields = request.query.get("fields", "").split(",")
        found = {f: self.profile[f] for f in fields if f in self.profile}
        return web.json_response({"data": [found] if found else []})

    async def _set_profile(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return graph_error(190, 463, "Error validating access token")
        body = await request.json()
        self.calls.append(("profile.set", body))
        if "persistent_menu" in body and "get_started" not in {**self.profile, **body}:
            return graph_error(100, None, "get_started must be set before persistent_menu")
        greeting = body.get("greeting") or []
        if any(len(g.get("text", "")) > 160 for g in greeting):
            return graph_error(100, None, "greeting text too long")
        self.profile.update(body)
        return web.json_response({"result": "success"})


# --- webhook events in Meta's shapes --------------------------------------------------------


def _now_ms() -> int:
    return int(time.time() * 1000)


def messaging(psid: str, **event: Any) -> dict[str, Any]:
    """One `messaging` item from `psid` to the Page."""
    return {
        "sender": {"id": psid},
        "recipient": {"id": PAGE_ID},
        "timestamp": event.pop("timestamp", _now_ms()),
        **event,
    }


def text_event(psid: str, text: str, mid: str) -> dict[str, Any]:
    return messaging(psid, message={"mid": mid, "text": text})


def quick_reply_event(psid: str, title: str, payload: str, mid: str) -> dict[str, Any]:
    return messaging(
        psid, message={"mid": mid, "text": title, "quick_reply": {"payload": payload}}
    )


def postback_event(
    psid: str, payload: str, mid: str, title: str = "Bắt đầu", ref: str | None = None
) -> dict[str, Any]:
    postback: dict[str, Any] = {"mid": mid, "title": title, "payload": payload}
    if ref is not None:
        postback["referral"] = {"ref": ref, "source": "SHORTLINK", "type": "OPEN_THREAD"}
    return messaging(psid, postback=postback)


def referral_event(psid: str, ref: str) -> dict[str, Any]:
    return messaging(psid, referral={"ref": ref, "source": "SHORTLINK", "type": "OPEN_THREAD"})


def image_event(psid: str, url: str, mid: str) -> dict[str, Any]:
    return messaging(
        psid, message={"mid": mid, "attachments": [{"type": "image", "payload": {"url": url}}]}
    )


def echo_event(psid: str, text: str, mid: str) -> dict[str, Any]:
    """What the Page itself sent, echoed: sender and recipient swapped."""
    return {
        "sender": {"id": PAGE_ID},
        "recipient": {"id": psid},
        "timestamp": _now_ms(),
        "message": {"mid": mid, "is_echo": True, "app_id": 1234, "text": text},
    }


def delivery_event(psid: str) -> dict[str, Any]:
    return messaging(psid, delivery={"watermark": _now_ms()})


def read_event(psid: str) -> dict[str, Any]:
    return messaging(psid, read={"watermark": _now_ms()})


def batch(*events: dict[str, Any], entries: int = 1) -> dict[str, Any]:
    """A webhook body: the events spread over `entries` entries of the Page."""
    groups = [list(events[i::entries]) for i in range(entries)]
    return {
        "object": "page",
        "entry": [
            {"id": PAGE_ID, "time": _now_ms(), "messaging": group} for group in groups if group
        ],
    }


def signed(body: dict[str, Any], secret: str = APP_SECRET) -> tuple[bytes, dict[str, str]]:
    """The body as Meta sends it (unicode escaped) and its signature header."""
    raw = json.dumps(body).encode()  # ensure_ascii: "\\u1ea1", as Meta signs it
    mac = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return raw, {"X-Hub-Signature-256": f"sha256={mac}", "Content-Type": "application/json"}


def location_event(psid: str, lat: float, long: float, mid: str) -> dict[str, Any]:
    """A shared place (older clients; platforms.md 8.3 marks it unconfirmed today)."""
    place = {"type": "location", "payload": {"coordinates": {"lat": lat, "long": long}}}
    return messaging(psid, message={"mid": mid, "attachments": [place]})
