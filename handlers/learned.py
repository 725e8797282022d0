"""What staff taught, in every process (`handlers/live.py`): when the newest change moved, the
taught entries and wordings are read again and laid over the catalogue: the learned entries
join it and the search index, the wordings go to a small matcher beside it (no restart)."""

from __future__ import annotations

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
from handlers.domain.calendar import VIETNAM
from handlers.live import FRESH_SECONDS, LiveLayer

if TYPE_CHECKING:
    from handlers.deps import Deps

__all__ = ["FRESH_SECONDS", "LiveLearned", "as_entry", "learned_index", "with_taught"]


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


class LiveLearned(LiveLayer):
    """Deps whose catalogue, search index and matcher carry what staff taught."""

    async def version(self, session: AsyncSession, base: Deps) -> int:
        return await taught.version(session, base.catalogue.ward.id)

    async def build(self, session: AsyncSession, base: Deps) -> Deps:
        found = await taught.current(session, base.catalogue.ward.id)
        catalogue, wordings = with_taught(base.catalogue, found)
        index, matcher = learned_index(base.index, catalogue, wordings)
        return replace(base, catalogue=catalogue, index=index, taught=matcher)
