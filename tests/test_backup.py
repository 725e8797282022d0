"""`python -m bot backup` and `restore`, run as a ward's IT officer would: in a subprocess,
against a SQLite database made by `db upgrade` and filled by `ask`."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TABLES = ("users", "interactions")


def run(
    args: list[str], cwd: Path, database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url or f"sqlite:///{cwd}/ward.sqlite3",
        "PYTHONPATH": str(ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        text=True,
        capture_output=True,
        cwd=cwd,  # the default backups/ folder is relative to the working directory
        env=env,
        timeout=120,
        check=False,
    )


def counts(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as db:
        return {
            table: db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES
        }


def integrity(path: Path) -> str:
    with closing(sqlite3.connect(path)) as db:
        return db.execute("PRAGMA integrity_check").fetchone()[0]


def backup_path(result: subprocess.CompletedProcess[str]) -> Path:
    assert result.returncode == 0, result.stderr
    match = re.search(r"^Backup written: (.+)$", result.stdout, re.MULTILINE)
    assert match, result.stdout
    return Path(match.group(1))


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database migrated by `db upgrade` holding a resident's conversation (made once)."""
    folder = tmp_path_factory.mktemp("filled")
    assert run(["db", "upgrade"], folder).returncode == 0
    asked = run(["ask", "xin chào"], folder)
    assert asked.returncode == 0, asked.stderr
    database = folder / "ward.sqlite3"
    assert counts(database)["interactions"] >= 2
    assert not database.with_name("ward.sqlite3-wal").exists()  # closed cleanly: one file
    return database


@pytest.fixture
def ward(filled: Path, tmp_path: Path) -> Path:
    """This test's copy of the filled database (in WAL mode, as the assistant leaves it)."""
    database = tmp_path / "ward.sqlite3"
    shutil.copyfile(filled, database)
    return database


def test_backup_while_a_writer_holds_a_transaction(ward: Path, tmp_path: Path) -> None:
    committed = counts(ward)
    with closing(sqlite3.connect(ward, isolation_level=None)) as writer:
        assert writer.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # as in service
        writer.execute("BEGIN IMMEDIATE")
        columns = ", ".join(
            row[1] for row in writer.execute("PRAGMA table_info(interactions)") if row[1] != "id"
        )
        writer.execute(
            f"INSERT INTO interactions ({columns}) SELECT {columns} FROM interactions LIMIT 1"
        )
        result = run(["backup"], tmp_path)  # while the write transaction is open
        copy = backup_path(result)
        writer.execute("COMMIT")

    assert copy.parent == tmp_path / "backups"
    assert re.fullmatch(r"ward-assistant-\d{8}-\d{6}\.sqlite3", copy.name)
    assert f"{copy.stat().st_size:,} bytes" in result.stdout
    assert "integrity_check: ok" in result.stdout
    assert integrity(copy) == "ok"
    assert counts(copy) == committed  # the committed rows only
    assert counts(ward)["interactions"] == committed["interactions"] + 1
    with closing(sqlite3.connect(copy)) as db:  # one self-contained file, not WAL
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert db.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert copy.stat().st_mode & 0o077 == 0  # residents' messages: readable by the owner only
    assert not list((tmp_path / "backups").glob("*.partial"))

    again = run(["backup", "--out", str(copy)], tmp_path)
    assert again.returncode != 0 and "exists already" in again.stderr


def test_restore_refuses_without_yes_and_files_that_are_no_backup(
    ward: Path, tmp_path: Path
) -> None:
    copy = backup_path(run(["backup", "--out", str(tmp_path / "copy.sqlite3")], tmp_path))
    before = ward.read_bytes()

    unconfirmed = run(["restore", str(copy)], tmp_path)
    assert unconfirmed.returncode != 0
    assert "--yes" in unconfirmed.stderr and "Stop the assistant first" in unconfirmed.stderr

    text_file = tmp_path / "notes.txt"
    text_file.write_text("không phải cơ sở dữ liệu\n", encoding="utf-8")
    not_sqlite = run(["restore", str(text_file), "--yes"], tmp_path)
    assert not_sqlite.returncode != 0
    assert "is not a SQLite database" in not_sqlite.stderr

    other = tmp_path / "other.sqlite3"
    with closing(sqlite3.connect(other)) as db:
        db.execute("CREATE TABLE t (x)")
        db.commit()
    foreign = run(["restore", str(other), "--yes"], tmp_path)
    assert foreign.returncode != 0
    assert "no alembic_version table" in foreign.stderr

    missing = run(["restore", str(tmp_path / "nothing.sqlite3"), "--yes"], tmp_path)
    assert missing.returncode != 0 and "does not exist" in missing.stderr

    assert ward.read_bytes() == before
    assert not list(tmp_path.glob("ward.sqlite3.before-restore-*"))


def test_restore_puts_the_backup_back(ward: Path, tmp_path: Path) -> None:
    copy = backup_path(run(["backup"], tmp_path))
    at_backup = counts(copy)
    later = run(["ask", "làm căn cước ở đâu"], tmp_path)  # a new resident after the backup
    assert later.returncode == 0, later.stderr
    grown = counts(ward)
    assert grown["interactions"] > at_backup["interactions"]
    assert grown["users"] > at_backup["users"]

    restored = run(["restore", str(copy), "--yes"], tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert "Restored" in restored.stdout
    assert counts(ward) == at_backup  # rows written after the backup are gone
    assert integrity(ward) == "ok"
    kept = list(tmp_path.glob("ward.sqlite3.before-restore-*"))
    assert len(kept) == 1 and str(kept[0].name) in restored.stdout
    assert counts(kept[0]) == grown
    assert not list(tmp_path.glob("*.tmp"))

    # the assistant works on the restored database
    assert run(["ask", "xin chào"], tmp_path).returncode == 0
    assert counts(ward)["interactions"] > at_backup["interactions"]


@pytest.mark.parametrize("writing", [False, True], ids=["idle", "writing"])
def test_restore_refuses_while_the_database_is_open(
    ward: Path, tmp_path: Path, writing: bool
) -> None:
    """A running assistant keeps a connection open even when idle: restore must not swap the
    file under it. Here this test process plays the assistant."""
    copy = backup_path(run(["backup"], tmp_path))
    before = counts(ward)
    with closing(sqlite3.connect(ward, isolation_level=None)) as assistant:
        assistant.execute("SELECT count(*) FROM users").fetchone()
        if writing:
            assistant.execute("BEGIN IMMEDIATE")
        refused = run(["restore", str(copy), "--yes"], tmp_path)
        if writing:
            assistant.execute("ROLLBACK")
    assert refused.returncode != 0
    assert "in use by another process" in refused.stderr
    assert "Stop it first" in refused.stderr
    assert not list(tmp_path.glob("ward.sqlite3.before-restore-*"))
    assert not list(tmp_path.glob("*.tmp"))
    assert integrity(ward) == "ok" and counts(ward) == before


def test_postgres_prints_pg_dump_and_pg_restore_without_the_password(tmp_path: Path) -> None:
    url = "postgresql://phuong:mat-khau-bi-mat@db.dakbla.example:6543/tro_ly"
    result = run(["backup"], tmp_path, url)
    assert result.returncode == 0, result.stderr
    lines = [line.strip() for line in result.stdout.splitlines()]
    command = next(line for line in lines if line.startswith("pg_dump "))
    assert command.startswith("pg_dump --format=custom --no-owner ")
    for option in ("--host=db.dakbla.example", "--port=6543", "--username=phuong"):
        assert option in command
    assert "--dbname=tro_ly" in command
    assert re.search(r"-f backups/ward-assistant-\d{8}-\d{6}\.dump$", command)
    assert "pg_restore " in result.stdout
    assert "mat-khau-bi-mat" not in result.stdout + result.stderr
    assert not (tmp_path / "backups").exists()  # it dumps nothing itself

    out = run(["backup", "--out", "/srv/sao-luu/ngay 1.dump"], tmp_path, url)
    assert "-f '/srv/sao-luu/ngay 1.dump'" in out.stdout

    dump = tmp_path / "tro_ly.dump"
    dump.write_bytes(b"PGDMP")
    guidance = run(["restore", str(dump), "--yes"], tmp_path, url)
    assert guidance.returncode == 0, guidance.stderr
    assert "pg_restore --clean --if-exists --no-owner" in guidance.stdout
    assert "Nothing was restored." in guidance.stdout
    assert "mat-khau-bi-mat" not in guidance.stdout + guidance.stderr
