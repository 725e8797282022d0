"""A layer of what the console saved laid over the dependencies, in every process: the
newest change is looked up at most once a second (the process that saved is told at once,
`invalidate`); when it moved, the layer is read again and built. Answers use it from then on,
with no restart. The ward's own data and what staff taught are two such layers."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

if TYPE_CHECKING:
    from handlers.deps import Deps

FRESH_SECONDS = 1.0  # another process's save shows within this; a look costs a query


class LiveLayer:
    """Deps with a layer from the database, rebuilt only when its version changes."""

    def __init__(self, fresh_seconds: float = FRESH_SECONDS) -> None:
        self._fresh = fresh_seconds
        self._version = 0
        self._looked_at = float("-inf")
        self._built: tuple[int, int, Deps] | None = None  # (version, id of the base deps, deps)

    def invalidate(self) -> None:
        """Look again at the next message (the console saved something in this process)."""
        self._looked_at = float("-inf")

    async def version(self, session: AsyncSession, base: Deps) -> int:
        """The newest change's id (0: nothing saved, `base` stays as it is)."""
        raise NotImplementedError

    async def build(self, session: AsyncSession, base: Deps) -> Deps:
        """`base` with the layer as saved now."""
        raise NotImplementedError

    async def deps(self, session: AsyncSession, base: Deps) -> Deps:
        """`base` with the layer (`base` itself while nothing was saved)."""
        if time.monotonic() - self._looked_at >= self._fresh:
            self._version = await self.version(session, base)
            self._looked_at = time.monotonic()
        if self._version == 0:
            return base
        built = self._built
        if built is not None and built[0] == self._version and built[1] == id(base):
            return built[2]
        deps = await self.build(session, base)
        self._built = (self._version, id(base), deps)
        return deps
