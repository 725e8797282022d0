"""Keyed locks held until the transaction ends: a count and the write that depends on it
become one step for concurrent requests."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def hold(session: AsyncSession, keys: list[str]) -> None:
    """Take each key's lock until the transaction ends (PostgreSQL's advisory locks; SQLite's
    transactions already take the write lock at BEGIN)."""
    if session.bind.dialect.name != "postgresql":
        return
    for key in sorted(keys):  # one order everywhere: no deadlock between two holders
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))
