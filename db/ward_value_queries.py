"""The ward's own data edited in the console: an append-only list of changes per ward."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import WardValueChange, utcnow


async def version(session: AsyncSession, ward_id: str) -> int:
    """The id of the ward's newest change (0: none): one indexed look per message tells every
    process whether its copy of the ward's data is still current."""
    found = await session.scalar(
        select(func.max(WardValueChange.id)).where(WardValueChange.ward_id == ward_id)
    )
    return int(found or 0)


async def current(session: AsyncSession, ward_id: str) -> dict[str, str | None]:
    """Key -> its newest value, for every key ever changed in the console."""
    newest = (
        select(func.max(WardValueChange.id))
        .where(WardValueChange.ward_id == ward_id)
        .group_by(WardValueChange.key)
    )
    rows = await session.execute(
        select(WardValueChange.key, WardValueChange.value).where(WardValueChange.id.in_(newest))
    )
    return {key: value for key, value in rows.all()}


async def record(
    session: AsyncSession, ward_id: str, changes: Mapping[str, str | None], by: str
) -> None:
    """Store the changed keys (one time stamp for one save)."""
    now = utcnow()
    session.add_all(
        WardValueChange(ward_id=ward_id, key=key, value=value, changed_by=by, changed_at=now)
        for key, value in changes.items()
    )
    await session.flush()


async def history(session: AsyncSession, ward_id: str, limit: int = 50) -> list[WardValueChange]:
    """The newest changes first."""
    rows = await session.execute(
        select(WardValueChange)
        .where(WardValueChange.ward_id == ward_id)
        .order_by(WardValueChange.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())
