"""The ward's own data as the console last saved it, in every process: the newest change id is
looked up at most once a second (the process that saved is told at once, `invalidate`); when it
moved, the saved values are read again and laid over the ward file. Answers use them from then
on, with no restart."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from content.ward_fields import apply
from db import ward_value_queries as values

if TYPE_CHECKING:
    from handlers.deps import Deps

FRESH_SECONDS = 1.0  # another process's save shows within this; a look costs a query


class LiveWard:
    """Deps whose catalogue carries the console's values, rebuilt only when they change."""

    def __init__(self, fresh_seconds: float = FRESH_SECONDS) -> None:
        self._fresh = fresh_seconds
        self._version = 0
        self._looked_at = float("-inf")
        self._built: tuple[int, int, Deps] | None = None  # (version, id of the base deps, deps)

    def invalidate(self) -> None:
        """Look again at the next message (the console saved a value in this process)."""
        self._looked_at = float("-inf")

    async def deps(self, session: AsyncSession, base: Deps) -> Deps:
        """`base` with the ward's saved values (`base` itself while the console saved none)."""
        if time.monotonic() - self._looked_at >= self._fresh:
            self._version = await values.version(session, base.catalogue.ward.id)
            self._looked_at = time.monotonic()
        if self._version == 0:
            return base
        built = self._built
        if built is not None and built[0] == self._version and built[1] == id(base):
            return built[2]
        saved = await values.current(session, base.catalogue.ward.id)
        ward = apply(base.catalogue.ward, saved)
        deps = replace(base, catalogue=replace(base.catalogue, ward=ward))
        self._built = (self._version, id(base), deps)
        return deps
