"""`python -m bot chat`: a conversation with the assistant in the terminal."""

from __future__ import annotations

import asyncio
import getpass
import sys

import click

from bot.channels import console
from bot.cli.context import load_settings
from bot.wiring import core


@click.command()
@click.option("--user", default=None, help="Resident id for this session (default: your login).")
def chat(user: str | None) -> None:
    """Chat with the assistant in the terminal (type /exit to leave)."""
    settings = load_settings()
    user_ref = user or f"terminal-{getpass.getuser()}"

    async def run() -> None:
        async with core(settings) as deps:
            await console.chat(deps, lambda: input(console.PROMPT), sys.stdout, user_ref)

    asyncio.run(run())
