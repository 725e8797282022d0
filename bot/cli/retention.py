"""`python -m bot retention`: the retention rules (handlers/domain/retention.py) applied now."""

from __future__ import annotations

import asyncio

import click

from bot.cli.context import load_settings
from bot.wiring import database
from handlers.domain.retention import apply_retention

LABELS = {
    "unanswered": "unanswered questions deleted",
    "questions": "questions handed over to staff deleted",
    "messages": "messages deleted",
    "outbox_blanked": "sent messages emptied of text and address (status kept)",
    "residents_forgotten": "residents not seen since, without subscriptions, forgotten",
    "feedback_anonymised": "resolved feedback records anonymised",
    "channel_events": "handled channel updates emptied (key kept)",
    "login_attempts": "failed staff sign-ins deleted",
    "staff_sessions": "expired staff sessions deleted",
}


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Count what would change; change nothing.")
def retention(dry_run: bool) -> None:
    """Apply the data retention rules now (a running server does it once a day)."""
    settings = load_settings()

    async def run() -> dict[str, int]:
        async with database(settings) as sessions:
            return await apply_retention(sessions, settings.retention_days, dry_run=dry_run)

    done = asyncio.run(run())
    if settings.retention_days == 0:
        click.echo("RETENTION_DAYS=0: messages and feedback are kept until residents erase them.")
    for key, count in done.items():
        click.echo(f"{count:8d}  {LABELS.get(key, key)}")
    if dry_run:
        click.echo("Dry run: nothing was changed.")
