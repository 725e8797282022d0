"""Helpers for HTTP tests of what website visitors and staff do: an app on the test's
database (SQLite or PostgreSQL), a staff sign-in, and a phản ánh filed through /api/chat."""

from __future__ import annotations

import io
import re
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import create_app
from bot.keys import DEPS, ENGINES
from bot.settings import Settings
from bot.staff import auth
from db.session import Engines

PASSWORD = "mat-khau-dai-1"
CODE = re.compile(r"PA-\d{4}-[2-9A-HJ-NP-Z]{4}")
# Told in the chat: the words, the place and the phone must never reach the public page.
WORDS = "Đèn đường trước nhà số 25 tổ 7 tắt cả tuần nay, tối đi lại rất nguy hiểm"
PHONE = "0905123456"


class OneEngine(Engines):
    """The test's migrated engine for the app's database (it is not disposed by the app)."""

    def __init__(self, engine: AsyncEngine) -> None:
        super().__init__()
        self.engine = engine

    def get(self, url: str) -> AsyncEngine:
        return self.engine


def app_on(engine: AsyncEngine, **settings: Any):
    """The server's application on the test's database."""
    url = engine.url.render_as_string(hide_password=False)
    app = create_app(Settings(database_url=url, **settings))
    app[ENGINES] = OneEngine(engine)
    return app


async def add_staff(client: TestClient, username: str = "binh", role: str = "staff") -> None:
    async with client.app[DEPS].sessions() as session, session.begin():
        await auth.add_staff(session, username, username.title(), PASSWORD, role)


async def login(client: TestClient, username: str = "binh") -> str:
    """Sign in like a browser; the CSRF token of the session."""
    client.session.cookie_jar.clear()
    page = await client.get("/staff/login")
    token = re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)
    response = await client.post(
        "/staff/login",
        allow_redirects=False,
        data={"csrf": token, "username": username, "password": PASSWORD, "next": "/staff/"},
    )
    assert response.status == 303
    page = await client.get("/staff/account")
    return re.search(r'name="csrf" value="([^"]+)"', await page.text()).group(1)


async def say(client: TestClient, user: str, **body: str) -> dict:
    response = await client.post("/api/chat", json={"user": user, **body})
    assert response.status == 200, await response.text()
    return await response.json()


async def press(client: TestClient, user: str, reply: dict, title: str) -> dict:
    """Press the button of the last reply whose title starts with `title`."""
    buttons = reply["replies"][-1]["buttons"]
    payload = next(b["payload"] for b in buttons if b["title"].startswith(title))
    return await say(client, user, payload=payload)


async def send_photo(
    client: TestClient, user: str, data: bytes, content_type: str = "image/png"
) -> Any:
    return await client.post(
        f"/api/chat/photo?user={user}",
        data=io.BytesIO(data),  # as a browser streams a file (aiohttp warns about large bytes)
        headers={"Content-Type": content_type},
    )


async def to_the_photo_step(client: TestClient, user: str) -> dict:
    """A problem told in the chat, accepted as a phản ánh: the flow asks for a photo."""
    offer = await say(client, user, text=WORDS)
    asked = await press(client, user, offer, "Gửi phản ánh này")
    assert "ảnh" in asked["replies"][-1]["text"], asked
    return asked


async def finish(client: TestClient, user: str, reply: dict, phone: bool = False) -> str:
    """Answer what is still asked (the phone number if `phone`), send; the tracking code."""
    for _ in range(8):
        titles = [b["title"] for b in reply["replies"][-1]["buttons"]]
        if "Gửi phản ánh" in titles:
            reply = await press(client, user, reply, "Gửi phản ánh")
            break
        if phone and "Có, để lại số" in titles:
            reply = await say(client, user, text=PHONE)
        elif "Không" in titles:
            reply = await press(client, user, reply, "Không")
        else:
            reply = await press(client, user, reply, "Bỏ qua")
    text = reply["replies"][-1]["text"]
    found = CODE.search(text)
    assert found, text
    return found.group(0)
