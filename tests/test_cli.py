"""The command line, run as a newcomer would: `python -m bot ...` in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import get_args

import pytest

from content.models import Intent

ROOT = Path(__file__).resolve().parents[1]
INTENTS = set(get_args(Intent))


def run(args: list[str], tmp_path: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite3"}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        text=True,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=False,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = run(["--help"], tmp_path)
    assert result.returncode == 0
    for command in ("chat", "ask", "content", "db"):
        assert command in result.stdout


def test_ask_json_prints_one_object(tmp_path: Path) -> None:
    result = run(["ask", "lam cccd o dau", "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert {"intent", "content_id", "title", "text", "options", "score"} <= answer.keys()
    assert answer["intent"] in INTENTS
    assert "căn cước" in answer["text"].lower()


def test_ask_reads_stdin_one_json_per_line_in_order(tmp_path: Path) -> None:
    questions = ["xin chào", "2", "khai tử ở đâu", "cách nấu phở bò"]
    result = run(["ask", "--json"], tmp_path, "\n".join(questions) + "\n")
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["q"] for a in answers] == questions
    assert answers[0]["intent"] == "greeting"
    # each line is a new resident: "2" has no menu to pick from
    assert answers[1]["intent"] in ("menu", "fallback")
    assert answers[2]["content_id"] == "dang-ky-khai-tu"
    assert answers[3]["intent"] == "fallback"


def test_chat_in_the_terminal(tmp_path: Path) -> None:
    result = run(["chat", "--user", "tester"], tmp_path, "khai sinh\n1\n/exit\n")
    assert result.returncode == 0, result.stderr
    assert "Gõ số để chọn" in result.stdout
    assert "ĐĂNG KÝ KHAI SINH" in result.stdout
    assert "Hồ sơ cần chuẩn bị" in result.stdout


def test_content_check_command(tmp_path: Path) -> None:
    result = run(["content", "check"], tmp_path)
    assert result.returncode == 0, result.stdout
    assert "Catalogue OK" in result.stdout


def test_bad_setting_is_named(tmp_path: Path) -> None:
    env_run = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "x"],
        text=True,
        capture_output=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": "mysql://nope"},
        timeout=60,
        check=False,
    )
    assert env_run.returncode != 0
    assert "DATABASE_URL" in env_run.stderr


@pytest.mark.parametrize("args", [["db", "upgrade"]])
def test_db_upgrade(tmp_path: Path, args: list[str]) -> None:
    result = run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_staff_add_creates_an_account(tmp_path: Path) -> None:
    created = run(
        ["staff", "add", "Hoa", "--name", "Trần Thị Hoa", "--role", "admin", "--password-stdin"],
        tmp_path,
        "mat-khau-rat-dai\n",
    )
    assert created.returncode == 0, created.stderr
    assert "'hoa' (admin) created" in created.stdout
    again = run(
        ["staff", "add", "hoa", "--name", "X", "--password-stdin"], tmp_path, "mat-khau-rat-dai\n"
    )
    assert again.returncode != 0 and "exists" in again.stderr
    short = run(["staff", "add", "lan", "--name", "Lan", "--password-stdin"], tmp_path, "ngan\n")
    assert short.returncode != 0 and "at least 10" in short.stderr


def test_broadcast_create_status_and_send_refusals(tmp_path: Path) -> None:
    refused = run(["broadcast", "create", "--text", "Bão số 9", "--emergency"], tmp_path)
    assert refused.returncode != 0 and "--yes" in refused.stderr
    unknown_topic = run(["broadcast", "create", "--text", "Tin", "--topic", "bóng đá"], tmp_path)
    assert unknown_topic.returncode != 0 and "chủ đề không có" in unknown_topic.stderr
    no_topic = run(["broadcast", "create", "--text", "Tin"], tmp_path)
    assert no_topic.returncode != 0 and "Chọn ít nhất một chủ đề" in no_topic.stderr

    later = run(
        [
            "broadcast", "create", "--text", "Phát thanh chuyển đổi số tối thứ Sáu.",
            "--topic", "Lịch phát thanh", "--at", "2099-12-04 17:00", "--approve",
        ],
        tmp_path,
    )  # fmt: skip
    assert later.returncode == 0, later.stderr
    assert "Gửi lúc: 04/12/2099 17:00" in later.stdout
    announcement_id = later.stdout.strip().splitlines()[-1]
    assert announcement_id.isdigit()
    early = run(["broadcast", "send", announcement_id], tmp_path)
    assert early.returncode != 0 and "--now" in early.stderr

    series = run(
        [
            "broadcast", "create", "--text", "Mời nghe đài.", "--topic", "lich-phat-thanh",
            "--at", "2099-12-04 17:00", "--repeat", "biweekly", "--approve",
        ],
        tmp_path,
    )  # fmt: skip
    assert series.returncode == 0 and "Hai tuần một lần" in series.stdout
    series_id = series.stdout.strip().splitlines()[-1]
    status = run(["broadcast", "status", series_id], tmp_path)
    assert "lần tới 04/12/2099 17:00" in status.stdout
    assert run(["broadcast", "send", series_id], tmp_path).returncode != 0
    missing = run(["broadcast", "status", "999"], tmp_path)
    assert missing.returncode != 0 and "không có thông báo số 999" in missing.stderr
