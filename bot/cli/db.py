"""`python -m bot db ...`: the database."""

from __future__ import annotations

import asyncio

import click

from bot.cli.context import all_wards
from bot.wiring import database


@click.group()
def db() -> None:
    """The database."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply database migrations (Alembic) up to the latest, for every ward."""
    sites = all_wards()

    async def run() -> None:
        for site in sites:
            async with database(site.settings):
                pass

    asyncio.run(run())
    if len(sites) == 1:
        click.echo("Database is up to date.")
    else:
        click.echo(f"Databases of {len(sites)} wards are up to date.")
