"""The `python -m bot` command line: the root group, with each command from its own module.

The command modules import bot.cli.context (the settings and the chosen ward) and the modules
they drive, never one another. The root names them and imports only the one a command line
asks for (click's lazy group): `bot ask` does not pay for the report's or the broadcast's
imports, and every command starts sooner."""

from __future__ import annotations

import importlib
import logging
import os

import click

# Command name -> "module:attribute" in bot.cli.
COMMANDS = {
    "ask": "ask:ask",
    "backup": "backup:backup",
    "broadcast": "broadcast:broadcast",
    "chat": "chat:chat",
    "content": "content:content",
    "db": "db:db",
    "eval": "eval:eval_command",
    "report": "report:report",
    "restore": "backup:restore",
    "retention": "retention:retention",
    "serve": "serve:serve",
    "staff": "staff:staff",
    "ward": "ward:ward",
}


class LazyGroup(click.Group):
    """A group whose commands are imported when named (or when the help lists them)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        module, attribute = where.split(":")
        command = getattr(importlib.import_module(f"bot.cli.{module}"), attribute)
        assert isinstance(command, click.Command), where
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
