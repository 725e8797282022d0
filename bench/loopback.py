"""What the benchmarks that start servers share: a free port on loopback, and waiting until a
server says it is ready."""

from __future__ import annotations

import asyncio
import socket
import time

import aiohttp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def wait_ready(url: str, within: float = 300) -> None:
    """Until GET `url` (a /readyz) reports Telegram connected."""
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(url) as response:
                    body = await response.json()
                    if body["checks"].get("telegram") == "ok":
                        return
            except (aiohttp.ClientError, ValueError, KeyError):
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not become ready")
