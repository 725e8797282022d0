"""`python -m bot serve`: the assistant's server (bot/server.py, which deploy/ runs directly)."""

from __future__ import annotations

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
    from bot.server import run

    # With --ward, that ward alone on every host name; otherwise the whole deployment.
    settings = load_settings() if chosen_ward() else deployment_settings()
    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    if roles:
        overrides["roles"] = list(dict.fromkeys(roles))
    run(settings.model_copy(update=overrides))
