"""`python -m bot staff ...`: staff console accounts."""

from __future__ import annotations

import asyncio
import sys

import click

from bot.cli.context import load_settings
from bot.wiring import database


@click.group()
def staff() -> None:
    """Staff console accounts."""


@staff.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Name shown in the console.")
@click.option(
    "--role",
    type=click.Choice(["admin", "staff", "tech_team"]),
    default="staff",
    show_default=True,
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def staff_add(username: str, display_name: str, role: str, password_stdin: bool) -> None:
    """Create a console account (asks for the password unless --password-stdin)."""
    from bot.staff.auth import add_staff

    password = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else click.prompt("Mật khẩu", hide_input=True, confirmation_prompt=True)
    )
    settings = load_settings()

    async def run() -> None:
        async with database(settings) as sessions, sessions() as session, session.begin():
            await add_staff(session, username, display_name, password, role)

    try:
        asyncio.run(run())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:
        if "UNIQUE" in str(exc).upper() or "unique" in str(exc):
            raise click.ClickException(f"account {username!r} exists already") from exc
        raise
    click.echo(f"Account {username.lower()!r} ({role}) created.")
