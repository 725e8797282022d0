"""Resident memory of one ward process: `python -m bot serve` (SQLite; channels only where
their tokens are in the environment) after 20 chat messages through /api/chat, in two
conversations: questions only, and one where the resident also hands questions to staff
and starts a feedback (due dates: the working-days calendar and the hand-over code load).

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
WITH_DUE_DATES = [
    *QUESTIONS[:10],
    "phường có hỗ trợ tiền điện cho hộ nuôi con nhỏ không",
    "hỏi cán bộ",
    "đèn đường ở tổ 3 hỏng một tuần rồi, tối đi lại rất nguy hiểm",
    "cống trước nhà bị tắc, nước tràn ra đường",
    "phản ánh của tôi sao rồi",
    "con tôi 10 tuổi làm căn cước được không",
    "gặp cán bộ",
    "khai tử cần giấy tờ gì",
    "mất mấy ngày",
    "cảm ơn",
]


def resident_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def wait_healthy(port: int) -> None:
    for _ in range(1200):  # start-up fits the text models in a child: seconds on a busy machine
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


def measure(conversation: list[str]) -> tuple[float, float]:
    """VmRSS of a fresh ward process after `conversation`, and of a bare aiohttp process."""
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
    floor = subprocess.Popen([sys.executable, "-c", "import aiohttp, time; time.sleep(3600)"])
    try:
        wait_healthy(port)
        for text in conversation:
            ask(port, text)
        time.sleep(1)
        ours, bare = resident_mb(server.pid), resident_mb(floor.pid)
    finally:
        for proc in (server, floor):
            proc.terminate()
            proc.wait(10)
    return ours, bare


def main() -> None:
    for name, conversation in (("questions", QUESTIONS), ("with due dates", WITH_DUE_DATES)):
        ours, bare = measure(conversation)
        print(
            f"ward process after {len(conversation)} messages ({name}): {ours:.0f} MB "
            f"(target under 130 MB); a bare process importing aiohttp: {bare:.0f} MB, "
            f"ratio {ours / bare:.1f}"
        )


if __name__ == "__main__":
    main()
