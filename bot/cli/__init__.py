"""The `python -m bot` command line: the root group, with each command from its own module.

The command modules import bot.cli.context (the settings and the chosen ward) and the modules
they drive, never one another; this root imports them all to register their commands."""

from __future__ import annotations

import logging
import os

import click

from bot.cli import (
    ask,
    backup,
    broadcast,
    chat,
    content,
    db,
    report,
    retention,
    serve,
    staff,
    ward,
)
from bot.cli import eval as evaluation


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--ward",
    default=None,
    metavar="ID",
    help="The ward to work on, when WARDS_FILE lists several (its id in that file).",
)
@click.pass_context
def main(context: click.Context, ward: str | None) -> None:
    """Ward outreach assistant: procedures, hotlines, VNeID help and feedback for residents."""
    # The process's choice of library behaviour, made once where it starts: PTB's retry_after
    # as a timedelta (its int form is deprecated; the Telegram adapter reads both).
    os.environ.setdefault("PTB_TIMEDELTA", "true")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    context.obj = {"ward": ward}


main.add_command(serve.serve)
main.add_command(chat.chat)
main.add_command(ask.ask)
main.add_command(evaluation.eval_command)
main.add_command(content.content)
main.add_command(staff.staff)
main.add_command(broadcast.broadcast)
main.add_command(report.report)
main.add_command(retention.retention)
main.add_command(backup.backup)
main.add_command(backup.restore)
main.add_command(ward.ward)
main.add_command(db.db)
