"""The `python -m bot` command line."""

from __future__ import annotations

import asyncio
import getpass
import logging
import sys

import click
from pydantic import ValidationError

from bot.channels import console
from bot.settings import Settings
from bot.wiring import core
from content import check as content_check
from db.session import create_engine, upgrade


def load_settings() -> Settings:
    """Settings from the environment; a bad variable stops the program with its name."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = [f"  {'.'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors()]
        raise click.ClickException("invalid settings:\n" + "\n".join(lines)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Ward outreach assistant: procedures, hotlines, VNeID help and feedback for residents."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


@main.command()
@click.option("--user", default=None, help="Resident id for this session (default: your login).")
def chat(user: str | None) -> None:
    """Chat with the assistant in the terminal (type /exit to leave)."""
    settings = load_settings()
    user_ref = user or f"terminal-{getpass.getuser()}"

    async def run() -> None:
        async with core(settings) as deps:
            await console.chat(deps, lambda: input(console.PROMPT), sys.stdout, user_ref)

    asyncio.run(run())


@main.command()
@click.argument("text", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object instead of the text.")
def ask(text: str | None, as_json: bool) -> None:
    """Answer TEXT, or every line of standard input, each as a new resident's first message."""
    settings = load_settings()

    async def run() -> None:
        async with core(settings) as deps:
            if text is None:
                if as_json:
                    await console.ask_lines(deps, sys.stdin, sys.stdout)
                    return
                for line in sys.stdin:
                    response = await console.ask(deps, line.rstrip("\n"))
                    click.echo(console.render(response) + "\n")
                return
            response = await console.ask(deps, text)
            click.echo(console.as_json(text, response) if as_json else console.render(response))

    asyncio.run(run())


@main.group()
def content() -> None:
    """The knowledge catalogue."""


@content.command("check")
@click.option("--ward", default=None, help="Ward file to check with (default: WARD setting).")
def content_check_command(ward: str | None) -> None:
    """Validate the catalogue: schema, duplicate ids, dangling references, links."""
    ward_id = ward or load_settings().ward
    sys.exit(content_check.run(ward_id=ward_id))


@main.group()
def db() -> None:
    """The database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (Alembic) up to the latest."""
    settings = load_settings()

    async def run() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    click.echo("Database is up to date.")
