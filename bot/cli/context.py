"""What every command works on: the deployment's settings and the ward chosen with --ward.

The leaf of the command line: the command modules import it, and it imports none of them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from pydantic import ValidationError

from bot.settings import Settings, settings_problems
from bot.wards import WardsError, WardSite, choose_site, ward_sites
from content.loader import ContentError


def deployment_settings() -> Settings:
    """Settings from the environment; a bad variable stops the program with its name."""
    try:
        return Settings()
    except ValidationError as exc:
        raise click.ClickException("invalid settings:\n" + settings_problems(exc)) from exc


def chosen_ward() -> str | None:
    """The ward named with `python -m bot --ward ID ...`, if any."""
    context = click.get_current_context(silent=True)
    return (context.find_root().obj or {}).get("ward") if context is not None else None


def load_settings() -> Settings:
    """The settings of the ward a command works on: the deployment's only ward, or the one
    chosen with --ward when WARDS_FILE lists several."""
    return chosen_site().settings


def chosen_site() -> WardSite:
    """The ward a command works on (see load_settings)."""
    base = deployment_settings()
    with wards_errors():
        return choose_site(base, chosen_ward())


def all_wards() -> list[WardSite]:
    """Every ward of the deployment (the one chosen with --ward only)."""
    if chosen_ward() is not None:
        return [chosen_site()]
    with wards_errors():
        return ward_sites(deployment_settings())


@contextmanager
def wards_errors() -> Iterator[None]:
    """A bad wards file or ward file stops the command with what is wrong."""
    try:
        yield
    except (WardsError, ContentError) as exc:
        raise click.ClickException("\n".join(exc.problems)) from exc
