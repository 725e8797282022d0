"""Outbox rows a channel hands over itself: the website widget fetches what waits for it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Outbox, utcnow


async def pickup_web(session: AsyncSession, user_ref: str) -> list[Outbox]:
    """Messages waiting for this website visitor; marked sent as they are handed over."""
    rows = list(
        (
            await session.execute(
                select(Outbox)
                .where(
                    Outbox.channel == "web",
                    Outbox.user_ref == user_ref,
                    Outbox.status == "awaiting_pickup",
                )
                .order_by(Outbox.id)
                .with_for_update(skip_locked=True)
            )
        ).scalars()
    )
    for row in rows:
        row.status, row.sent_at = "sent", utcnow()
    return rows
