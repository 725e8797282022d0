"""The finished contest attempt a certificate token stands for (the public picture route,
bot/contests/certificate.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ContestAttempt


async def finished_attempt(session: AsyncSession, token: str) -> ContestAttempt | None:
    """The finished attempt whose certificate carries this token; None for any other."""
    return await session.scalar(
        select(ContestAttempt).where(
            ContestAttempt.certificate == token, ContestAttempt.finished_at.is_not(None)
        )
    )
