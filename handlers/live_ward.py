"""The ward's own data as the console last saved it, in every process (`handlers/live.py`):
the saved values are laid over the ward file when the newest change moved."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from content.ward_fields import apply
from db import ward_value_queries as values
from handlers.live import FRESH_SECONDS, LiveLayer

if TYPE_CHECKING:
    from handlers.deps import Deps

__all__ = ["FRESH_SECONDS", "LiveWard"]


class LiveWard(LiveLayer):
    """Deps whose catalogue carries the console's values."""

    async def version(self, session: AsyncSession, base: Deps) -> int:
        return await values.version(session, base.catalogue.ward.id)

    async def build(self, session: AsyncSession, base: Deps) -> Deps:
        saved = await values.current(session, base.catalogue.ward.id)
        ward = apply(base.catalogue.ward, saved)
        return replace(base, catalogue=replace(base.catalogue, ward=ward))
