"""What staff taught, in every process: the newest change is looked up at most once a second
(the process that saved is told at once, `invalidate`); when it moved, the taught entries and
wordings are read again and laid over the catalogue: the learned entries join it, the wordings
go to a small matcher beside the search index (no rebuild, no restart)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from content.learned import TaughtWordings, ward_answer
from content.loader import Catalogue
from content.models import WardAnswer
from db import teaching_queries as taught
from db.models import LearnedEntry
from handlers.workdays import VIETNAM

if TYPE_CHECKING:
    from handlers.deps import Deps

FRESH_SECONDS = 1.0  # another process's teaching shows within this; a look costs a query


def as_entry(row: LearnedEntry, ward_name: str, aliases: list[str]) -> WardAnswer:
    """A learned entry row as the catalogue entry residents are shown."""
    written = (row.updated_at or row.created_at).astimezone(VIETNAM).date()
    return ward_answer(
        taught.learned_id(row.id), row.title, row.answer, row.source, written, ward_name, aliases
    )


def with_taught(
    catalogue: Catalogue, found: taught.Taught
) -> tuple[Catalogue, list[tuple[str, str]]]:
    """The catalogue with the learned entries, and every taught (entry id, wording): the
    learned entries' titles, and aliases of entries that exist (a withdrawn entry's are not)."""
    ward = catalogue.ward
    by_entry: dict[str, list[str]] = {}
    for alias in found.aliases:
        by_entry.setdefault(alias.entry_id, []).append(alias.text)
    entries = {
        e.id: e
        for e in (
            as_entry(r, ward.name, by_entry.get(taught.learned_id(r.id), []))
            for r in found.entries
        )
    }
    merged = replace(catalogue, entries={**catalogue.entries, **entries})
    wordings = [(e.id, e.title) for e in entries.values()]
    wordings += [(a.entry_id, a.text) for a in found.aliases if merged.get(a.entry_id) is not None]
    return merged, wordings


class LiveLearned:
    """Deps whose catalogue and matcher carry what staff taught, rebuilt only on a change."""

    def __init__(self, fresh_seconds: float = FRESH_SECONDS) -> None:
        self._fresh = fresh_seconds
        self._version = 0
        self._looked_at = float("-inf")
        self._built: tuple[int, int, Deps] | None = None  # (version, id of the base deps, deps)

    def invalidate(self) -> None:
        """Look again at the next message (the console taught something in this process)."""
        self._looked_at = float("-inf")

    async def deps(self, session: AsyncSession, base: Deps) -> Deps:
        """`base` with what was taught (`base` itself while nothing was)."""
        ward_id = base.catalogue.ward.id
        if time.monotonic() - self._looked_at >= self._fresh:
            self._version = await taught.version(session, ward_id)
            self._looked_at = time.monotonic()
        if self._version == 0:
            return base
        built = self._built
        if built is not None and built[0] == self._version and built[1] == id(base):
            return built[2]
        catalogue, wordings = with_taught(base.catalogue, await taught.current(session, ward_id))
        deps = replace(base, catalogue=catalogue, taught=TaughtWordings(base.index, wordings))
        self._built = (self._version, id(base), deps)
        return deps
