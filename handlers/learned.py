"""What staff taught, in every process: the newest change is looked up at most once a second
(the process that saved is told at once, `invalidate`); when it moved, the taught entries and
wordings are read again and laid over the catalogue: the learned entries join it, the wordings
go to a small matcher beside the search index (no rebuild, no restart)."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from content.indexing import catalogue_docs
from content.learned import TaughtWordings, ward_answer
from content.loader import Catalogue
from content.models import WardAnswer
from content.search import IndexDoc, SearchIndex
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


def taught_docs(catalogue: Catalogue, wordings: list[tuple[str, str]]) -> list[IndexDoc]:
    """Search documents for the learned entries and for the entries that got new aliases:
    each with every wording taught for it among its phrases, a learned answer's text as its
    summary."""
    taught_for: dict[str, list[str]] = {}
    for entry_id, text in wordings:
        taught_for.setdefault(entry_id, []).append(text)
    docs = []
    for doc in catalogue_docs(catalogue):
        extra = taught_for.get(doc.id)
        if extra or isinstance(catalogue.get(doc.id), WardAnswer):
            phrases = tuple(dict.fromkeys((*doc.phrases, *(extra or ()))))
            entry = catalogue.get(doc.id)
            summary = " ".join(entry.body) if isinstance(entry, WardAnswer) else doc.summary
            docs.append(replace(doc, phrases=phrases, summary=summary))
    return docs


def learned_index(index: SearchIndex, catalogue: Catalogue, wordings: list[tuple[str, str]]):
    """The search index with what was taught, and the matcher of taught wordings on it."""
    extended = index.extended(taught_docs(catalogue, wordings))
    return extended, TaughtWordings(extended, wordings)


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
        index, matcher = learned_index(base.index, catalogue, wordings)
        deps = replace(base, catalogue=catalogue, index=index, taught=matcher)
        self._built = (self._version, id(base), deps)
        return deps
