"""Copies of the database a ward can keep (its commands, backup and restore: bot/cli/backup.py).

On SQLite the backup is taken online, while the server runs, through SQLite's backup API: it
reads one consistent snapshot (committed transactions only) and, in WAL mode, blocks no writer.
The copy is a single self-contained file, checked with `PRAGMA integrity_check`. On PostgreSQL
the commands do not dump or load anything themselves; they print the `pg_dump` and
`pg_restore` commands for the configured database (never its password).
"""

from __future__ import annotations

import os
import shlex
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

try:
    import fcntl
except ImportError:  # Windows: only the write-lock test below applies
    fcntl = None  # type: ignore[assignment]

BACKUP_DIR = Path("backups")
PREFIX = "ward-assistant"
SQLITE_MAGIC = b"SQLite format 3\x00"
LOCK_TIMEOUT = 2.0  # seconds restore waits for a writer before it refuses
SHM_DMS_BYTE = 128  # SQLite's unix VFS: (22 + SQLITE_SHM_NLOCK) * 4 + SQLITE_SHM_NLOCK
STOP_FIRST = "Stop it first (sudo systemctl stop ward-assistant), then run restore again."

# Where a backup or a restore writes what it tells the operator (the command line: click.echo).
Say = Callable[[str], None]


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why and what to do."""


def _stamp() -> str:
    return datetime.now().strftime("%Y%m%d-%H%M%S")


def _free(path: Path) -> Path:
    """`path`, or `path` with -2, -3... before its suffix if that name is taken."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


def url_of(database_url: str, schema: str | None) -> URL:
    """The ward's database URL, narrowed to its schema when wards share one database."""
    url = make_url(database_url)
    if schema is not None:  # one ward of several: only its schema
        url = url.update_query_dict({"schema": schema})
    return url


def _sqlite_file(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise BackupError(f"unsupported SQLite database {url.database!r}")
    return Path(url.database)


def _size(path: Path) -> str:
    size = path.stat().st_size
    return f"{size:,} bytes ({size / 1_048_576:.1f} MiB)"


def _integrity(connection: sqlite3.Connection) -> list[str]:
    """Problems `PRAGMA integrity_check` reports; empty when the database is sound."""
    rows = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    return [] if rows == ["ok"] else rows


def _private_file(path: Path) -> None:
    """Create an empty file only its owner can read: backups hold residents' messages."""
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))


def _copy_database(source: Path, target: Path) -> None:
    """Copy a live SQLite database into `target` (a new file) with the backup API.

    The copy is switched out of WAL mode so that it is one file, complete on its own."""
    _private_file(target)
    try:
        with (
            closing(sqlite3.connect(source, timeout=30)) as src,
            closing(sqlite3.connect(target)) as dst,
        ):
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=DELETE")
    except BaseException:
        target.unlink(missing_ok=True)
        raise


# --- PostgreSQL: what to run ------------------------------------------------------------------


def _pg_options(url: URL) -> list[str]:
    host = url.host or url.query.get("host")
    options = [f"--host={host}" if isinstance(host, str) else "--host=localhost"]
    options.append(f"--port={url.port or 5432}")
    if url.username:
        options.append(f"--username={url.username}")
    if isinstance(url.query.get("schema"), str):
        options.append(f"--schema={url.query['schema']}")
    return [shlex.quote(option) for option in options]


def _pg_password_note(url: URL) -> str:
    where = (
        f"{url.host or 'localhost'}:{url.port or 5432}:{url.database or '*'}:{url.username or '*'}"
    )
    return (
        "The password is not printed. pg_dump and pg_restore ask for it, or read it from "
        f"~/.pgpass (a line {where}:PASSWORD, chmod 600) or from PGPASSWORD."
    )


def _pg_restore_lines(url: URL, file: str) -> list[str]:
    database = shlex.quote(url.database or "DATABASE")
    return [
        "To restore a dump (stop the assistant first: sudo systemctl stop ward-assistant):",
        "",
        f"  pg_restore --clean --if-exists --no-owner {' '.join(_pg_options(url))} "
        f"--dbname={database} {shlex.quote(file)}",
        "",
        "--clean --if-exists drops the assistant's tables before loading them again; to try a",
        "dump first, create an empty database and restore into it instead. Then start the",
        "assistant; it applies newer migrations itself (or run: python -m bot db upgrade).",
    ]


def _pg_backup(url: URL, out: Path | None, say: Say, ward: str | None = None) -> None:
    name = f"{PREFIX}-{ward}" if ward else PREFIX
    target = out or BACKUP_DIR / f"{name}-{_stamp()}.dump"
    database = shlex.quote(url.database or "DATABASE")
    command = (
        f"pg_dump --format=custom --no-owner {' '.join(_pg_options(url))} "
        f"--dbname={database} -f {shlex.quote(str(target))}"
    )
    lines = [
        "The database is PostgreSQL: this command does not dump it itself. Run pg_dump "
        "(its major version at least the server's):",
        "",
    ]
    if not target.parent.exists():
        lines.append(f"  mkdir -p {shlex.quote(str(target.parent))}")
    lines += [f"  {command}", "", _pg_password_note(url), ""]
    lines += _pg_restore_lines(url, str(target))
    say("\n".join(lines))


# --- backup and restore -----------------------------------------------------------------------


def backup_one(url: URL, out: Path | None, ward: str | None, say: Say) -> None:
    """Back up one ward's database (`ward` names it when there are several): a checked copy on
    SQLite, the pg_dump command on PostgreSQL."""
    if ward is not None:
        say(f"== {ward}")
    if url.get_backend_name() != "sqlite":
        _pg_backup(url, out, say, ward)
        return
    source = _sqlite_file(url)
    if not source.is_file():
        raise BackupError(f"no database at {source} (run: python -m bot db upgrade)")
    if out is None:
        name = f"{PREFIX}-{ward}" if ward else PREFIX
        target = _free(BACKUP_DIR / f"{name}-{_stamp()}.sqlite3")
    elif out.exists():
        raise BackupError(f"{out} exists already; choose another --out")
    else:
        target = out
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _copy_database(source, partial)
    except sqlite3.Error as exc:
        raise BackupError(f"backup of {source} failed: {exc}") from exc
    with closing(sqlite3.connect(partial)) as copy:
        problems = _integrity(copy)
    if problems:
        partial.unlink()
        raise BackupError(
            "the copy failed PRAGMA integrity_check, so the source database may be damaged:\n  "
            + "\n  ".join(problems[:10])
        )
    partial.replace(target)
    say(f"Backup written: {target.resolve()}")
    say(f"Size: {_size(target)}; integrity_check: ok")


def _check_backup(path: Path) -> str:
    """Check that `path` is a sound SQLite database of this assistant; return its revision."""
    with path.open("rb") as file:
        if file.read(len(SQLITE_MAGIC)) != SQLITE_MAGIC:
            raise BackupError(f"{path} is not a SQLite database")
    try:
        with closing(sqlite3.connect(path)) as connection:
            problems = _integrity(connection)
            if problems:
                raise BackupError(
                    f"{path} failed PRAGMA integrity_check:\n  " + "\n  ".join(problems[:10])
                )
            try:
                row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            except sqlite3.OperationalError:
                row = None
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}") from exc
    if row is None:
        raise BackupError(
            f"{path} has no alembic_version table: it is not a database of this assistant"
        )
    revision = str(row[0])
    from alembic.script import ScriptDirectory

    from db.session import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config())
    if revision not in {script.revision for script in scripts.walk_revisions()}:
        raise BackupError(
            f"{path} is at database revision {revision!r}, which this version of the assistant "
            "does not know (a backup from a newer version?): upgrade the assistant first"
        )
    return revision


def _open_elsewhere(database: Path) -> bool:
    """Whether another process has the WAL-mode `database` open, even idle.

    Every SQLite connection to a WAL database holds a shared lock on one byte of the -shm file
    (the "DMS" byte, offset 128) for as long as it is open; an exclusive lock on it is granted
    only when no other process has the database open. Call it before this process opens the
    database: POSIX locks belong to the process, and closing this descriptor drops them all."""
    shm = database.with_name(database.name + "-shm")
    if fcntl is None or not shm.exists():
        return False
    fd = os.open(shm, os.O_RDWR)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, SHM_DMS_BYTE, os.SEEK_SET)
    except OSError:
        return True
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, SHM_DMS_BYTE, os.SEEK_SET)
        return False
    finally:
        os.close(fd)


def _refuse_if_in_use(database: Path) -> None:
    try:
        in_use = database.exists() and _open_elsewhere(database)
    except OSError as exc:
        raise BackupError(f"cannot check whether {database} is in use: {exc}") from exc
    if in_use:
        raise BackupError(
            f"{database} is in use by another process: the assistant (or another command) is "
            "still running. " + STOP_FIRST
        )


@contextmanager
def _no_writer(database: Path) -> Iterator[sqlite3.Connection]:
    """A connection to `database`, refusing at once if another process is writing to it."""
    with closing(sqlite3.connect(database, timeout=LOCK_TIMEOUT, isolation_level=None)) as conn:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise BackupError(
                f"{database} is locked by a writer ({exc}): the assistant is still running. "
                + STOP_FIRST
            ) from exc
        conn.execute("ROLLBACK")
        # fold the write-ahead log into the file, so the copy below reads all of it
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        yield conn


def _same_owner(new: Path, old: Path, warn: Say) -> None:
    """Give the restored file the owner and mode of the one it replaces (restore as root)."""
    status = old.stat()
    os.chmod(new, status.st_mode & 0o777)
    if hasattr(os, "chown") and new.stat().st_uid != status.st_uid:
        try:
            os.chown(new, status.st_uid, status.st_gid)
        except PermissionError:
            warn(f"warning: could not give {new} the owner of {old}")


def restore_backup(url: URL, file: Path, yes: bool, say: Say, warn: Say) -> None:
    """Put the backup `file` in place of the database at `url` (only with `yes`), keeping the
    current one beside it; on PostgreSQL, print the pg_restore command instead."""
    if url.get_backend_name() != "sqlite":
        say("The database is PostgreSQL: this command restores SQLite backups only.\n")
        say("\n".join(_pg_restore_lines(url, str(file))))
        say("\n" + _pg_password_note(url) + "\nNothing was restored.")
        return
    database = _sqlite_file(url)
    revision = _check_backup(file)
    if not yes:
        raise BackupError(
            f"restore replaces the database {database} with {file} (revision {revision}); "
            "everything written since that backup is lost. Stop the assistant first "
            "(sudo systemctl stop ward-assistant), then run again with --yes."
        )
    _refuse_if_in_use(database)
    database.parent.mkdir(parents=True, exist_ok=True)
    stamp = _stamp()
    incoming = database.with_name(f"{database.name}.restore-{stamp}.tmp")
    incoming.unlink(missing_ok=True)
    _copy_database(file, incoming)  # the bytes checked below are the bytes put in place
    try:
        _check_backup(incoming)
        kept: Path | None = None
        if database.exists():
            with _no_writer(database):
                kept = _free(database.with_name(f"{database.name}.before-restore-{stamp}"))
                _copy_database(database, kept)
            _same_owner(incoming, database, warn)
        incoming.replace(database)
    except BaseException:
        incoming.unlink(missing_ok=True)
        raise
    # the old file's write-ahead log and its index must not be applied to the restored file
    for suffix in ("-wal", "-shm", "-journal"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    say(f"Restored {file} into {database.resolve()} (database revision {revision}).")
    if kept is not None:
        say(f"The previous database is kept as {kept.resolve()}")
    say(
        "Start the assistant again (sudo systemctl start ward-assistant); it applies newer "
        "migrations at start (or run: python -m bot db upgrade)."
    )
