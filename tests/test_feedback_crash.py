"""Crash test: residents file feedback through the website API while the server is killed with
SIGKILL at random moments and restarted. Afterwards every tracking code a resident received is
in the database, and no submission is stored twice."""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import socket
import sqlite3
import sys
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
CODE = re.compile(r"PA-\d{4}-[2-9A-HJ-NP-Z]{4}")
RESIDENTS = 8
ATTEMPTS_EACH = 3


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`python -m bot serve` in a subprocess that can be killed and started again."""

    def __init__(self, db: Path, port: int) -> None:
        self.port = port
        self.env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{db}",
            "PORT": str(port),
            "LOG_LEVEL": "WARNING",
        }
        self.env.pop("TELEGRAM_BOT_TOKEN", None)
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "serve",
            cwd=ROOT,
            env=self.env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )

    async def kill(self) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)
            await self.proc.wait()

    async def stop(self) -> None:
        if self.proc and self.proc.returncode is None:
            self.proc.terminate()
            await self.proc.wait()


async def _post(session: aiohttp.ClientSession, url: str, body: dict) -> dict:
    """POST until the server answers (it may be down or restarting)."""
    for _ in range(1200):  # a minute of retries: start-ups are slow on a busy machine
        try:
            async with session.post(url, json=body, timeout=aiohttp.ClientTimeout(total=5)) as r:
                if r.status == 200:
                    return await r.json()
        except (aiohttp.ClientError, TimeoutError):
            pass
        await asyncio.sleep(0.05)
    raise AssertionError("the server never came back")


def _button(reply: dict, title: str) -> str | None:
    for button in reply["replies"][-1]["buttons"]:
        if button["title"].startswith(title):
            return button["payload"]
    return None


async def _file_once(
    session: aiohttp.ClientSession, url: str, user: str, description: str
) -> str | None:
    """One run of the intake; returns the code if it was received, None if the flow was lost
    (a crash between steps resets nothing: state is in the database; but a retried step may
    land on a different question, so the resident starts over, as a person would)."""
    reply = await _post(session, url, {"user": user, "text": "/phan_anh"})
    payload = _button(reply, "Hạ tầng")
    if payload is None:
        return None
    await _post(session, url, {"user": user, "payload": payload})
    reply = await _post(session, url, {"user": user, "text": description})
    for _ in range(6):  # answer what is asked: no photo, no place, no phone, then send
        payload = next(
            (p for t in ("Gửi phản ánh", "Bỏ qua", "Không") if (p := _button(reply, t))), None
        )
        if payload is None:
            return None
        reply = await _post(session, url, {"user": user, "payload": payload})
        if payload.endswith("send"):
            break
    text = "\n".join(r["text"] for r in reply["replies"])
    code = CODE.search(text)
    return code.group(0) if code else None


async def _resident(
    session: aiohttp.ClientSession, url: str, n: int, received: dict[str, str]
) -> None:
    user = f"crash-resident-{n:04d}-abcdef"
    for attempt in range(ATTEMPTS_EACH):
        description = f"Phản ánh số {attempt} của người dân {n}: đèn đường hỏng"
        for _ in range(10):  # start over if a crash left the flow on another question
            code = await _file_once(session, url, user, description)
            if code:
                received[code] = description
                break


async def _wait_up(session: aiohttp.ClientSession, port: int) -> None:
    """Until the server answers (start-up takes a while on a busy machine)."""
    for _ in range(600):
        try:
            async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)


async def _killer(server: Server, stop: asyncio.Event, rng: random.Random) -> int:
    """Kill the server at a random moment once it serves, restart it, and again."""
    kills = 0
    async with aiohttp.ClientSession() as session:
        while not stop.is_set():
            await _wait_up(session, server.port)
            await asyncio.sleep(rng.uniform(0.2, 1.5))  # somewhere inside the residents' work
            if stop.is_set():
                break
            await server.kill()
            kills += 1
            await asyncio.sleep(rng.uniform(0.0, 0.3))
            await server.start()
    return kills


async def test_no_acknowledged_feedback_is_lost_or_doubled(tmp_path: Path, capsys) -> None:
    db = tmp_path / "crash.sqlite3"
    server = Server(db, _free_port())
    await server.start()
    url = f"http://127.0.0.1:{server.port}/api/chat"
    received: dict[str, str] = {}
    stop = asyncio.Event()
    rng = random.Random(20261126)
    killer = asyncio.create_task(_killer(server, stop, rng))
    try:
        async with aiohttp.ClientSession() as session:
            await asyncio.wait_for(
                asyncio.gather(*(_resident(session, url, n, received) for n in range(RESIDENTS))),
                240,
            )
    finally:
        stop.set()
        kills = await killer
        await server.stop()
    assert kills >= 2, "the server was not killed during the run"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT service_request_id, description FROM feedback").fetchall()
    stored = dict(rows)
    assert len(stored) == len(rows)
    missing = [code for code in received if code not in stored]
    assert not missing, f"codes told to residents but not stored: {missing}"
    descriptions = [description for _, description in rows]
    doubled = {d for d in descriptions if descriptions.count(d) > 1}
    assert not doubled, f"stored twice: {doubled}"
    assert len(received) >= RESIDENTS  # the run made real progress despite the kills
    with capsys.disabled():
        print(
            f"\ncrash test: {kills} SIGKILLs; {len(received)} codes received, all stored; "
            f"{len(rows)} records, none doubled"
        )
