"""Resident memory of one ward process: `python -m bot serve` (SQLite; channels only where
their tokens are in the environment) after 20 chat messages through /api/chat.

Run: python bench/process_memory.py   (TELEGRAM_BOT_TOKEN=... to include the Telegram adapter)

Prints VmRSS from /proc, and the same for a bare `python -c "import aiohttp"` process as the
floor of any aiohttp service on this machine; issue 18's target is under 130 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loopback import free_port  # noqa: E402

QUESTIONS = [
    "xin chào",
    "làm căn cước ở đâu",
    "lệ phí bao nhiêu",
    "khai sinh cần gì",
    "đèn đường hỏng",
    "số điện thoại phường",
    "vneid là gì",
    "học kỹ năng số",
    "thi",
    "cảm ơn",
] * 2


def resident_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def wait_healthy(port: int) -> None:
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def ask(port: int, text: str) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/chat",
        data=json.dumps({"user": "visitor-memory-00000001", "text": text}).encode(),
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=30).read()


def main() -> None:
    port = free_port()
    database = Path(tempfile.mkdtemp(prefix="wa-memory-")) / "memory.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    floor = subprocess.Popen([sys.executable, "-c", "import aiohttp, time; time.sleep(30)"])
    try:
        wait_healthy(port)
        for question in QUESTIONS:
            ask(port, question)
        time.sleep(1)
        ours, bare = resident_mb(server.pid), resident_mb(floor.pid)
    finally:
        for proc in (server, floor):
            proc.terminate()
            proc.wait(10)
    print(f"ward process after {len(QUESTIONS)} messages: {ours:.0f} MB (target under 130 MB)")
    print(f"a bare process importing aiohttp: {bare:.0f} MB; ratio {ours / bare:.1f}")


if __name__ == "__main__":
    main()
