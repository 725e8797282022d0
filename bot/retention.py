"""Data retention (Nghị định 13/2023/NĐ-CP: keep personal data no longer than needed).

Once a day the scheduler, or `python -m bot retention [--dry-run]`, deletes residents' messages
and unanswered questions older than RETENTION_DAYS, anonymises resolved feedback as old (the
records and the report's counts stay), empties messages sent that long ago (their status stays
for the report), forgets residents not seen that long who subscribe to nothing, drops the raw
payload of handled channel updates after 7 days (the row and its key stay for
de-duplication), and removes staff sign-in failures older than a day and expired console
sessions. Idempotent: running it twice changes nothing more."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import click
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import privacy_queries as pq
from db import retention_queries as rq
from db.models import utcnow

EVENT_PAYLOAD_DAYS = 7  # handled updates are needed only to recognise a re-delivery
LOGIN_ATTEMPT_AGE = timedelta(days=1)  # the lock-out window is 15 minutes
IDLE_BATCH = 500  # idle residents forgotten per run


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
                done["unanswered"] = await rq.delete_unanswered_before(session, cutoff)
                done["questions"] = await rq.delete_questions_before(session, cutoff)
                done["messages"] = await rq.delete_messages_before(session, cutoff)
                done["feedback_anonymised"] = await pq.anonymise_feedback(
                    session, await rq.resolved_feedback_before(session, cutoff)
                )
                done["outbox_blanked"] = await rq.blank_outbox_before(session, cutoff)
                done["residents_forgotten"] = await _forget_idle_residents(session, cutoff)
            done["channel_events"] = await pq.clear_event_payloads(
                session, before=now - timedelta(days=EVENT_PAYLOAD_DAYS)
            )
            done["login_attempts"] = await rq.delete_login_attempts_before(
                session, now - LOGIN_ATTEMPT_AGE
            )
            done["staff_sessions"] = await rq.delete_expired_staff_sessions(session, now)
        except BaseException:
            await transaction.rollback()
            raise
        if dry_run:
            await transaction.rollback()
        else:
            await transaction.commit()
    return done


async def _forget_idle_residents(session: AsyncSession, cutoff: datetime) -> int:
    """Residents not seen since the cutoff, with no subscription (that is a standing wish to
    hear from the ward) and no feedback still open, are forgotten as if they had asked
    (/xoa_du_lieu): their chat id, name, area and progress go, their closed feedback stays
    anonymised. At most IDLE_BATCH a day, so one run stays short."""
    forgotten = 0
    for user_id in await rq.idle_residents(session, cutoff, IDLE_BATCH):
        await pq.forget_user(session, user_id)
        forgotten += 1
    return forgotten


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
