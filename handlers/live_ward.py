"""The ward's own data as the console last saved it, in every process: before each message
one indexed look at the newest change id; when it moved, the saved values are read again and
laid over the ward file. The very next answer uses them, with no restart."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from content.ward_fields import apply
from db import ward_value_queries as values

if TYPE_CHECKING:
    from handlers.deps import Deps


class LiveWard:
    """Deps whose catalogue carries the console's values, rebuilt only when they change."""

    def __init__(self) -> None:
        self._built: tuple[int, int, Deps] | None = None  # (version, id of the base deps, deps)

    async def deps(self, session: AsyncSession, base: Deps) -> Deps:
        """`base` with the ward's saved values (`base` itself while the console saved none)."""
        version = await values.version(session, base.catalogue.ward.id)
        if version == 0:
            return base
        built = self._built
        if built is not None and built[0] == version and built[1] == id(base):
            return built[2]
        saved = await values.current(session, base.catalogue.ward.id)
        ward = apply(base.catalogue.ward, saved)
        deps = replace(base, catalogue=replace(base.catalogue, ward=ward))
        self._built = (version, id(base), deps)
        return deps
