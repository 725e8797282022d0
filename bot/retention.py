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
from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import feedback_queries as fq
from db import privacy_queries as pq
from db.models import (
    Feedback,
    Interaction,
    LoginAttempt,
    Outbox,
    Question,
    StaffSession,
    Subscription,
    UnansweredQuestion,
    User,
    utcnow,
)

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
                done["unanswered"] = await _delete(
                    session, UnansweredQuestion, UnansweredQuestion.created_at < cutoff
                )
                done["questions"] = await _delete(session, Question, Question.created_at < cutoff)
                done["messages"] = await _delete(
                    session, Interaction, Interaction.created_at < cutoff
                )
                done["feedback_anonymised"] = await pq.anonymise_feedback(
                    session, await _old_resolved_feedback(session, cutoff)
                )
                done["outbox_blanked"] = await _blank_old_outbox(session, cutoff)
                done["residents_forgotten"] = await _forget_idle_residents(session, cutoff)
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


async def _blank_old_outbox(session: AsyncSession, cutoff: datetime) -> int:
    """Messages sent (or given up) before the cutoff keep their status, which the report
    counts, but lose their text and address."""
    result = await session.execute(
        update(Outbox)
        .where(
            Outbox.status.not_in(("pending", "sending")),
            func.coalesce(Outbox.sent_at, Outbox.created_at) < cutoff,
            or_(Outbox.user_ref != "", Outbox.text != ""),
        )
        .values(text="", buttons=[], image_url=None, user_ref="", user_id=None)
    )
    return result.rowcount or 0


async def _forget_idle_residents(session: AsyncSession, cutoff: datetime) -> int:
    """Residents not seen since the cutoff, with no subscription (that is a standing wish to
    hear from the ward) and no feedback still open, are forgotten as if they had asked
    (/xoa_du_lieu): their chat id, name, area and progress go, their closed feedback stays
    anonymised. At most IDLE_BATCH a day, so one run stays short."""
    open_feedback = select(Feedback.user_id).where(
        Feedback.user_id.is_not(None), fq.awaiting_answer()
    )
    idle = await session.scalars(
        select(User.id)
        .where(
            User.last_seen_at < cutoff,
            ~exists().where(Subscription.user_id == User.id),
            User.id.not_in(open_feedback),
        )
        .order_by(User.id)
        .limit(IDLE_BATCH)
    )
    forgotten = 0
    for user_id in list(idle):
        await pq.forget_user(session, user_id)
        forgotten += 1
    return forgotten


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
