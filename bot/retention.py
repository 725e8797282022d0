"""Data retention (Nghị định 13/2023/NĐ-CP: keep personal data no longer than needed).

Once a day the scheduler, or `python -m bot retention [--dry-run]`, deletes residents' messages
and unanswered questions older than RETENTION_DAYS, anonymises resolved feedback as old (the
records and the report's counts stay), drops the raw payload of handled channel updates after
7 days (the row and its key stay for de-duplication), and removes staff sign-in failures older
than a day and expired console sessions. Idempotent: running it twice changes nothing more."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import click
from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import privacy_queries as pq
from db.models import (
    Feedback,
    Interaction,
    LoginAttempt,
    StaffSession,
    UnansweredQuestion,
    utcnow,
)

EVENT_PAYLOAD_DAYS = 7  # handled updates are needed only to recognise a re-delivery
LOGIN_ATTEMPT_AGE = timedelta(days=1)  # the lock-out window is 15 minutes


async def apply_retention(
    sessions: async_sessionmaker[AsyncSession],
    days: int,
    now: datetime | None = None,
    dry_run: bool = False,
) -> dict[str, int]:
    """Apply the retention rules in one transaction; returns how many rows each rule touched.
    `days` 0 keeps messages and feedback forever (the other rules still run). `dry_run`
    counts the same way, then rolls back."""
    now = now or utcnow()
    done: dict[str, int] = {}
    async with sessions() as session:
        transaction = await session.begin()
        try:
            if days > 0:
                cutoff = now - timedelta(days=days)
                done["unanswered"] = await _delete(
                    session, UnansweredQuestion, UnansweredQuestion.created_at < cutoff
                )
                done["messages"] = await _delete(
                    session, Interaction, Interaction.created_at < cutoff
                )
                done["feedback_anonymised"] = await pq.anonymise_feedback(
                    session, await _old_resolved_feedback(session, cutoff)
                )
            done["channel_events"] = await pq.clear_event_payloads(
                session, before=now - timedelta(days=EVENT_PAYLOAD_DAYS)
            )
            done["login_attempts"] = await _delete(
                session, LoginAttempt, LoginAttempt.created_at < now - LOGIN_ATTEMPT_AGE
            )
            done["staff_sessions"] = await _delete(
                session, StaffSession, StaffSession.expires_at < now
            )
        except BaseException:
            await transaction.rollback()
            raise
        if dry_run:
            await transaction.rollback()
        else:
            await transaction.commit()
    return done


async def _delete(session: AsyncSession, table: type, where: object) -> int:
    result = await session.execute(delete(table).where(where))  # type: ignore[arg-type]
    return result.rowcount or 0


async def _old_resolved_feedback(session: AsyncSession, cutoff: datetime) -> list[int]:
    """Resolved before the cutoff and still pointing to a person (a chat or a phone)."""
    resolved_at = func.coalesce(Feedback.resolved_at, Feedback.updated_datetime)
    rows = await session.scalars(
        select(Feedback.id).where(
            Feedback.status == "resolved",
            resolved_at < cutoff,
            or_(
                Feedback.user_id.is_not(None),
                Feedback.phone.is_not(None),
                Feedback.phone_consent.is_(True),
            ),
        )
    )
    return list(rows)


LABELS = {
    "unanswered": "unanswered questions deleted",
    "messages": "messages deleted",
    "feedback_anonymised": "resolved feedback records anonymised",
    "channel_events": "handled channel updates emptied (key kept)",
    "login_attempts": "failed staff sign-ins deleted",
    "staff_sessions": "expired staff sessions deleted",
}


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Count what would change; change nothing.")
def retention(dry_run: bool) -> None:
    """Apply the data retention rules now (a running server does it once a day)."""
    from bot.cli import load_settings
    from bot.wiring import database

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
