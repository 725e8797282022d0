"""`python -m bot serve`: the assistant's server process."""

from __future__ import annotations

import logging

import click

from bot.cli.context import chosen_ward, deployment_settings, load_settings


@click.command()
@click.option("--host", default=None, help="Listen address (default: HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: PORT or 8080).")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(["web", "sender", "scheduler"]),
    help="Run only this part (repeatable; default: ROLES or all three).",
)
def serve(host: str | None, port: int | None, roles: tuple[str, ...]) -> None:
    """Run the assistant: website chat, channel webhooks or polling, health checks."""
    from aiohttp import web

    from bot.app import create_app, describe
    from bot.logs import setup_logging

    # With --ward, that ward alone on every host name; otherwise the whole deployment.
    settings = load_settings() if chosen_ward() else deployment_settings()
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    if roles:
        overrides["roles"] = list(dict.fromkeys(roles))
    settings = settings.model_copy(update=overrides)
    setup_logging(settings.log_level, settings.secrets(), settings.log_format)
    log = logging.getLogger("bot")
    for line in describe(settings):
        log.info(line)
    web.run_app(
        create_app(settings), host=settings.host, port=settings.port, print=None, access_log=None
    )
