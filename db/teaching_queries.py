"""What ward staff taught the assistant: entries written from their answers and residents'
wordings added to entries, per ward, with an append-only list of changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Interaction, LearnedAlias, LearnedChange, LearnedEntry, utcnow

LEARNED_PREFIX = "hoi-dap-"  # the catalogue id of a learned entry: hoi-dap-<id>
LEARNED_INTENT = "learned"  # the intent logged for an answer given from what was taught


def learned_id(entry_id: int) -> str:
    return f"{LEARNED_PREFIX}{entry_id}"


@dataclass(frozen=True)
class Taught:
    """Everything taught and not withdrawn, as the assistant reads it."""

    entries: tuple[LearnedEntry, ...]
    aliases: tuple[LearnedAlias, ...]


async def version(session: AsyncSession, ward_id: str) -> int:
    """The newest change's id (0: nothing taught): one indexed look per message."""
    found = await session.scalar(
        select(func.max(LearnedChange.id)).where(LearnedChange.ward_id == ward_id)
    )
    return int(found or 0)


async def _changed(session: AsyncSession, ward_id: str, subject: str, action: str, actor: str):
    session.add(LearnedChange(ward_id=ward_id, subject=subject, action=action, actor=actor))
    await session.flush()


async def current(session: AsyncSession, ward_id: str) -> Taught:
    """The entries and aliases in force."""
    entries = await session.execute(
        select(LearnedEntry)
        .where(LearnedEntry.ward_id == ward_id, LearnedEntry.withdrawn_at.is_(None))
        .order_by(LearnedEntry.id)
    )
    aliases = await session.execute(
        select(LearnedAlias)
        .where(LearnedAlias.ward_id == ward_id, LearnedAlias.withdrawn_at.is_(None))
        .order_by(LearnedAlias.id)
    )
    return Taught(tuple(entries.scalars()), tuple(aliases.scalars()))


async def everything(
    session: AsyncSession, ward_id: str
) -> tuple[list[LearnedEntry], list[LearnedAlias]]:
    """Every entry and alias ever taught, withdrawn ones included, newest first."""
    entries = await session.execute(
        select(LearnedEntry)
        .where(LearnedEntry.ward_id == ward_id)
        .order_by(LearnedEntry.id.desc())
    )
    aliases = await session.execute(
        select(LearnedAlias)
        .where(LearnedAlias.ward_id == ward_id)
        .order_by(LearnedAlias.id.desc())
    )
    return list(entries.scalars()), list(aliases.scalars())


async def from_question(
    session: AsyncSession, question_ids: list[int]
) -> tuple[list[LearnedEntry], list[LearnedAlias]]:
    """What was taught from these questions."""
    if not question_ids:
        return [], []
    entries = await session.execute(
        select(LearnedEntry).where(LearnedEntry.question_id.in_(question_ids))
    )
    aliases = await session.execute(
        select(LearnedAlias).where(LearnedAlias.question_id.in_(question_ids))
    )
    return list(entries.scalars()), list(aliases.scalars())


async def add_entry(
    session: AsyncSession,
    ward_id: str,
    title: str,
    answer: str,
    source: str | None,
    actor: str,
    question_id: int | None = None,
) -> LearnedEntry:
    entry = LearnedEntry(
        ward_id=ward_id,
        title=title,
        answer=answer,
        source=source,
        question_id=question_id,
        created_by=actor,
        created_at=utcnow(),
    )
    session.add(entry)
    await session.flush()
    await _changed(session, ward_id, f"entry:{entry.id}", "taught", actor)
    return entry


async def add_aliases(
    session: AsyncSession,
    ward_id: str,
    entry_id: str,
    wordings: list[tuple[str, int | None]],
    actor: str,
) -> list[LearnedAlias]:
    """Teach wordings (text, the question it came from) as ways to ask for `entry_id`; a
    wording already taught for it is not added twice."""
    known = await session.execute(
        select(LearnedAlias.text).where(
            LearnedAlias.ward_id == ward_id,
            LearnedAlias.entry_id == entry_id,
            LearnedAlias.withdrawn_at.is_(None),
        )
    )
    seen = {t.casefold() for t in known.scalars()}
    added = []
    for text, question_id in wordings:
        if text.casefold() in seen:
            continue
        seen.add(text.casefold())
        alias = LearnedAlias(
            ward_id=ward_id,
            entry_id=entry_id,
            text=text,
            question_id=question_id,
            created_by=actor,
            created_at=utcnow(),
        )
        session.add(alias)
        added.append(alias)
    await session.flush()
    for alias in added:
        await _changed(session, ward_id, f"alias:{alias.id}", "taught", actor)
    return added


async def edit_entry(
    session: AsyncSession,
    entry: LearnedEntry,
    title: str,
    answer: str,
    source: str | None,
    actor: str,
) -> None:
    entry.title, entry.answer, entry.source = title, answer, source
    entry.updated_by, entry.updated_at = actor, utcnow()
    await _changed(session, entry.ward_id, f"entry:{entry.id}", "edited", actor)


async def withdraw(session: AsyncSession, row: LearnedEntry | LearnedAlias, actor: str) -> None:
    """Take an entry or alias out of the answers (kept for the history)."""
    row.withdrawn_by, row.withdrawn_at = actor, utcnow()
    kind = "entry" if isinstance(row, LearnedEntry) else "alias"
    await _changed(session, row.ward_id, f"{kind}:{row.id}", "withdrawn", actor)


async def figures(session: AsyncSession, ward_id: str, start: datetime, after: datetime) -> dict:
    """Entries and aliases taught in [start, after), and the questions answered from them."""

    async def _count(model: type[LearnedEntry] | type[LearnedAlias]) -> int:
        found = await session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.ward_id == ward_id, model.created_at >= start, model.created_at < after)
        )
        return int(found or 0)

    answered = await session.scalar(
        select(func.count())
        .select_from(Interaction)
        .where(
            Interaction.direction == "in",
            Interaction.intent == LEARNED_INTENT,
            Interaction.created_at >= start,
            Interaction.created_at < after,
        )
    )
    return {
        "entries": await _count(LearnedEntry),
        "aliases": await _count(LearnedAlias),
        "answered": int(answered or 0),
    }
