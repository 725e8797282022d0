"""Data retention (Nghị định 13/2023/NĐ-CP: keep personal data no longer than needed).

Once a day the scheduler, or `python -m bot retention [--dry-run]`, deletes residents' messages
and unanswered questions older than RETENTION_DAYS, anonymises resolved feedback as old (the
records and the report's counts stay), empties messages sent that long ago (their status stays
for the report), forgets residents not seen that long who subscribe to nothing, drops the raw
payload of handled channel updates after 7 days (the row and its key stay for
de-duplication), and removes staff sign-in failures older than a day, expired console
sessions, and photos attached to a draft never sent within a week. Idempotent: running it
twice changes nothing more."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import photo_queries
from db import privacy_queries as pq
from db import retention_queries as rq
from db.models import utcnow

EVENT_PAYLOAD_DAYS = 7  # handled updates are needed only to recognise a re-delivery
LOGIN_ATTEMPT_AGE = timedelta(days=1)  # the lock-out window is 15 minutes
IDLE_BATCH = 500  # idle residents forgotten per run
UNUSED_PHOTO_AGE = timedelta(days=7)  # a photo whose draft was never sent (a week to send it)


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
            done["photos_unused"] = await photo_queries.delete_unused_photos_before(
                session, now - UNUSED_PHOTO_AGE
            )
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
