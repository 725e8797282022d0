"""Three `python -m bot serve` processes on one PostgreSQL database behind no balancer at all:
every Telegram update is posted to all three, in random order and at once. Each update is
answered exactly once; then an announcement approved on the command line is sent by the three
processes' senders together, and every subscriber gets it exactly once."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.telegram_api import FakeTelegram, text_update
from tests.postgres import PG_URL, require_postgres, scratch_database

ROOT = Path(__file__).resolve().parents[1]
SECRET = "multi-process-secret"
CHATS = 40
PROCESSES = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A fresh PostgreSQL database (not a schema: the processes only get a URL)."""
    require_postgres()
    url, drop = await scratch_database(PG_URL)
    try:
        yield url
    finally:
        await drop()


async def _run(env: dict[str, str], *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()[-2000:]
    return out.decode()


async def _ready(http: aiohttp.ClientSession, port: int) -> None:
    for _ in range(600):
        try:
            async with http.get(f"http://127.0.0.1:{port}/readyz") as response:
                body = await response.json()
                if response.status == 200 and body["checks"].get("telegram") == "ok":
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError(f"serve on port {port} never became ready")


async def test_three_processes_answer_each_update_once_and_share_a_broadcast(
    database: str,
) -> None:
    fake = await FakeTelegram().start()
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.url,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "PUBLIC_URL": "https://chat.dakbla.example.vn",
        "TELEGRAM_RATE": "30",  # the account's limit: the three senders split it
        "LOG_LEVEL": "WARNING",
    }
    await _run(env, "db", "upgrade")  # once, before the processes race to migrate
    ports = [_free_port() for _ in range(PROCESSES)]
    servers = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            "--port",
            str(port),
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        async with aiohttp.ClientSession() as http:
            await asyncio.gather(*(_ready(http, port) for port in ports))
            updates = [text_update(1000 + i, 9000 + i, "nhận thông báo") for i in range(CHATS)]
            posts = []
            for update in updates:
                targets = list(ports)
                random.shuffle(targets)
                posts += [
                    http.post(
                        f"http://127.0.0.1:{port}/webhooks/telegram",
                        json=update,
                        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                    )
                    for port in targets
                ]
            random.shuffle(posts)
            responses = await asyncio.gather(*posts)
            assert {r.status for r in responses} == {200}
            for response in responses:
                response.release()
            await fake.wait_for("sendMessage", CHATS, within=60)
            await asyncio.sleep(2)  # anything answered twice would show up by now
            replies = Counter(str(p["chat_id"]) for m, p in fake.delivered if m == "sendMessage")
            assert replies == Counter({str(9000 + i): 1 for i in range(CHATS)})

            # Each resident subscribes with the button they were shown.
            button_presses = [
                {
                    "update_id": 5000 + i,
                    "callback_query": {
                        "id": f"cb{i}",
                        "from": {"id": 9000 + i, "is_bot": False, "first_name": "Lan"},
                        "chat_instance": "x",
                        "data": "sub:all",
                        "message": {
                            "message_id": 1,
                            "date": 0,
                            "chat": {"id": 9000 + i, "type": "private"},
                        },
                    },
                }
                for i in range(CHATS)
            ]
            presses = await asyncio.gather(
                *(
                    http.post(
                        f"http://127.0.0.1:{random.choice(ports)}/webhooks/telegram",
                        json=press,
                        headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                    )
                    for press in button_presses
                )
            )
            for response in presses:
                response.release()
            await fake.wait_for("sendMessage", 2 * CHATS, within=60)

        before = len(fake.delivered)
        out = await _run(
            env, "broadcast", "create", "--text", "Họp tổ dân phố tối thứ Sáu.",
            "--topic", "chuyen-doi-so", "--approve",
        )  # fmt: skip
        assert "Người nhận: 40" in out
        # The three processes' senders pick it up (woken by their schedulers).
        await fake.wait_for("sendMessage", before + CHATS, within=60)
        await asyncio.sleep(2)
        announced = Counter(
            str(p["chat_id"])
            for m, p in fake.delivered[before:]
            if m == "sendMessage" and "Họp tổ dân phố" in p.get("text", "")
        )
        assert announced == Counter({str(9000 + i): 1 for i in range(CHATS)})
    finally:
        for server in servers:
            server.terminate()
        await asyncio.gather(*(server.wait() for server in servers))
        await fake.stop()
