"""`python -m bot ask`: one answer per question, for scripts."""

from __future__ import annotations

import asyncio
import sys

import click

from bot.channels import console
from bot.cli.context import load_settings
from bot.wiring import core


@click.command()
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
