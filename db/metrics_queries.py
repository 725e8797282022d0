"""The figures /metrics reads from a ward's database at each scrape (bot/metrics.py turns
them into gauges)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db import feedback_queries as fq
from db.models import Feedback, Outbox, Question
from db.outbox_queries import WAITING


async def outbox_depth(session: AsyncSession) -> dict[tuple[str, str], int]:
    """Outbox rows still to send, by (channel, status); pairs without rows are absent."""
    rows = await session.execute(
        select(Outbox.channel, Outbox.status, func.count())
        .where(Outbox.status.in_(WAITING))
        .group_by(Outbox.channel, Outbox.status)
    )
    return {(channel, status): count for channel, status, count in rows.all()}


async def count_overdue_feedback(session: AsyncSession, now: datetime) -> int:
    """Feedback past its expected answer date and still waiting for the ward's answer."""
    found = await session.scalar(
        select(func.count())
        .select_from(Feedback)
        .where(Feedback.expected_datetime < now)
        .where(fq.awaiting_answer())
    )
    return found or 0


async def count_open_questions(session: AsyncSession) -> int:
    """Questions residents handed over to staff, not answered yet."""
    found = await session.scalar(
        select(func.count()).select_from(Question).where(Question.status == "open")
    )
    return found or 0
