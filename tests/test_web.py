"""The web server without channels: health, readiness, the website chat API, the widget files,
and `python -m bot serve` as a newcomer starts it."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import create_app
from bot.channels.webchat import RateLimiter
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
USER = "a1b2c3d4e5f6a7b8c9d0"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/web.sqlite3",
        webchat_allowed_origins="https://dakbla.quangngai.gov.vn/",
    )
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


async def test_health_and_readiness(client: TestClient) -> None:
    assert (await client.get("/healthz")).status == 200
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["checks"] == {"database": "ok"}


async def test_readiness_fails_when_the_database_fails(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.app as app_module

    # Any database error must turn readiness red; a query on a missing table stands in for
    # a database that stopped answering.
    async def gone(session: AsyncSession) -> None:
        await session.execute(text("SELECT * FROM gone"))

    monkeypatch.setattr(app_module, "ping", gone)
    response = await client.get("/readyz")
    assert response.status == 503
    assert (await response.json())["checks"]["database"] == "unavailable"


async def test_chat_answers_and_keeps_state_by_anonymous_id(client: TestClient) -> None:
    first = await (await client.post("/api/chat", json={"user": USER, "text": "menu"})).json()
    assert first["intent"] == "menu"
    buttons = first["replies"][-1]["buttons"]
    assert [b["title"] for b in buttons][:2] == ["Thủ tục hành chính", "Đường dây nóng"]
    second = await (await client.post("/api/chat", json={"user": USER, "text": "2"})).json()
    assert second["intent"] == "hotline"
    pressed = await client.post("/api/chat", json={"user": USER, "payload": buttons[0]["payload"]})
    assert (await pressed.json())["intent"] == "menu"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"not json", 400),
        (b"[]", 400),
        (b'{"text": "khai sinh"}', 400),
        (b'{"user": "short", "text": "x"}', 400),
        (b'{"user": "' + USER.encode() + b'"}', 400),
        (b'{"user": "' + USER.encode() + b'", "text": 5}', 400),
        (b'{"user": "' + USER.encode() + b'", "text": "' + b"a" * 2001 + b'"}', 400),
        (b'{"user": "' + USER.encode() + b'", "text": "' + b"a" * 20000 + b'"}', 413),
    ],
)
async def test_bad_chat_requests_get_a_clear_error(
    client: TestClient, body: bytes, status: int
) -> None:
    response = await client.post(
        "/api/chat", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status == status
    assert (await response.json())["error"]


async def test_cors_only_for_the_ward_site(client: TestClient) -> None:
    allowed = await client.options(
        "/api/chat", headers={"Origin": "https://dakbla.quangngai.gov.vn"}
    )
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://dakbla.quangngai.gov.vn"
    other = await client.options("/api/chat", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_rate_limiter_refuses_a_flood_then_recovers() -> None:
    limiter = RateLimiter(rate=1000.0, burst=3)
    assert [limiter.allow("1.2.3.4") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("5.6.7.8")


async def test_widget_files_and_demo_page(client: TestClient) -> None:
    page = await client.get("/")
    assert page.status == 200 and '<script src="/widget.js"' in await page.text()
    script = await client.get("/widget.js")
    assert script.content_type == "application/javascript"
    assert "attachShadow" in await script.text()
    assert (await client.get("/widget.css")).status == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("command", [("bot", "serve"), ("bot.server",)])
async def test_serve_without_tokens_serves_the_website_chat(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    """`python -m bot serve` and the entry point deploy/ runs, `python -m bot.server`."""
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "DATABASE_URL": f"sqlite:///{tmp_path}/s.sqlite3"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", *command, cwd=ROOT, env=env, stderr=subprocess.PIPE
    )
    try:
        async with aiohttp.ClientSession() as session:
            for _ in range(1200):  # start-up fits the text models: slow on a loaded machine
                try:
                    async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    await asyncio.sleep(0.1)
            async with session.post(
                f"http://127.0.0.1:{port}/api/chat", json={"user": USER, "text": "khai tu"}
            ) as response:
                assert (await response.json())["intent"] == "procedure"
    finally:
        proc.terminate()
        _, raw = await asyncio.wait_for(proc.communicate(), 30)
    head = "\n".join(raw.decode().splitlines()[:8])
    assert f"http://127.0.0.1:{port}" in head
    assert "Ward 'dak-bla'" in head
    assert "Website chat" in head
    assert "Telegram: off" in head
    assert "Database: sqlite" in head


def test_bad_port_is_named(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "serve"],
        cwd=ROOT,
        text=True,
        capture_output=True,
        timeout=60,
        check=False,
        env={**os.environ, "PORT": "eighty"},
    )
    assert result.returncode != 0
    assert "PORT" in result.stderr


async def test_behind_a_proxy_each_visitor_has_their_own_rate_limit(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/proxy.sqlite3", behind_proxy=True)
    async with TestClient(TestServer(create_app(settings))) as test_client:
        statuses = []
        for n in range(25):  # more than one visitor's burst, spread over many visitors
            response = await test_client.post(
                "/api/chat",
                json={"user": USER, "text": "menu"},
                headers={"X-Forwarded-For": f"203.0.113.{n}, 10.0.0.1"},
            )
            statuses.append(response.status)
        assert set(statuses) == {200}
        flood = [
            (
                await test_client.post(
                    "/api/chat",
                    json={"user": USER, "text": "menu"},
                    headers={"X-Forwarded-For": "198.51.100.7"},
                )
            ).status
            for _ in range(25)
        ]
        assert 429 in flood
