"""`python -m bot ward ...`: the ward's own data (contacts and facts)."""

from __future__ import annotations

import asyncio

import click

from bot.cli.context import load_settings, wards_errors
from bot.wiring import database


@click.group()
def ward() -> None:
    """The ward's own data (contacts and facts)."""


@ward.command("export")
def ward_export() -> None:
    """Print the ward file with the values saved in the console (/staff/ward), as YAML to
    commit in content/wards/ (the file's comments are not kept)."""
    import yaml

    from content.loader import ward_path
    from content.ward_fields import overlay
    from content.yaml_text import read_yaml
    from db import ward_value_queries

    settings = load_settings()
    with wards_errors():
        path = ward_path(settings.ward)
    data = read_yaml(path)

    async def saved() -> dict[str, str | None]:
        async with database(settings) as sessions, sessions() as session:
            return await ward_value_queries.current(session, data["id"])

    overlay(data, asyncio.run(saved()))
    click.echo(f"# {path.name}: giá trị hiện hành, gồm các thay đổi trên trang /staff/ward")
    click.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100), nl=False)
