"""`python -m bot backup` and `python -m bot restore`: the commands of db/backup.py."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import click

from bot.cli.context import all_wards, load_settings
from db.backup import BACKUP_DIR, PREFIX, BackupError, backup_one, restore_backup, url_of


@contextmanager
def backup_errors() -> Iterator[None]:
    """A backup or restore that cannot go on stops the command with why."""
    try:
        yield
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help=f"File to write (default: {BACKUP_DIR}/{PREFIX}-YYYYmmdd-HHMMSS.sqlite3).",
)
def backup(out: Path | None) -> None:
    """Back up the database; safe while the server runs (on PostgreSQL: prints pg_dump).
    With several wards, each ward's (or the one chosen with --ward)."""
    sites = all_wards()
    if len(sites) > 1 and out is not None:
        raise click.ClickException("--out names one file: choose the ward with --ward")
    with backup_errors():
        for site in sites:
            backup_one(
                url_of(site.settings.database_url, site.settings.database_schema),
                out,
                site.id if len(sites) > 1 else None,
                click.echo,
            )


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Really replace the current database.")
def restore(file: Path, yes: bool) -> None:
    """Put a backup FILE back in place of the database (stop the server first).

    The current database is kept beside it as <database>.before-restore-<time>."""
    settings = load_settings()
    url = url_of(settings.database_url, settings.database_schema)
    with backup_errors():
        restore_backup(url, file, yes, say=click.echo, warn=partial(click.echo, err=True))
