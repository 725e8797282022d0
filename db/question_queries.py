"""Question tickets: a resident's question handed over to staff, the console's queue, the
answer recorded once for every question of a group."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.feedback_queries import CODE_ALPHABET
from db.models import VIETNAM, Interaction, LearnedAlias, LearnedEntry, Question, User

OPEN, ANSWERED = "open", "answered"
CONTEXT_MESSAGES = 6  # the messages before the question that staff see with it


def new_code(now: datetime) -> str:
    """A short code the resident can ask about: CH-<day><month>-<4 characters>."""
    tail = "".join(secrets.choice(CODE_ALPHABET) for _ in range(4))
    return f"CH-{now.astimezone(VIETNAM):%d%m}-{tail}"


async def create(session: AsyncSession, **fields: Any) -> Question:
    """Insert a question under a fresh unique code."""
    now = fields["created_at"]
    for _ in range(20):
        question = Question(code=new_code(now), status=OPEN, **fields)
        try:
            async with session.begin_nested():
                session.add(question)
                await session.flush()
        except IntegrityError:
            continue  # the code was taken: draw another
        return question
    raise RuntimeError("could not draw a free question code")


async def recent_messages(
    session: AsyncSession, user_id: int, limit: int = CONTEXT_MESSAGES
) -> list[dict[str, str]]:
    """The resident's last messages in and out, oldest first, for the ticket's context."""
    rows = await session.execute(
        select(Interaction.direction, Interaction.text)
        .where(Interaction.user_id == user_id, Interaction.text != "")
        .order_by(Interaction.id.desc())
        .limit(limit)
    )
    return [{"direction": d, "text": t[:600]} for d, t in reversed(rows.all())]


async def last_said(
    session: AsyncSession, user_id: int, conversation_id: str, min_words: int = 3
) -> str | None:
    """The resident's last message of this conversation that says something (a few words,
    not a button): the question to hand over when none was kept."""
    rows = await session.execute(
        select(Interaction.text)
        .where(
            Interaction.user_id == user_id,
            Interaction.conversation_id == conversation_id,
            Interaction.direction == "in",
            Interaction.payload.is_(None),
        )
        .order_by(Interaction.id.desc())
        .limit(10)
    )
    return next((t for t in rows.scalars() if len(t.split()) >= min_words), None)


async def open_of_user(session: AsyncSession, user_id: int) -> list[Question]:
    """The resident's questions still waiting for staff, newest first."""
    rows = await session.execute(
        select(Question)
        .where(Question.user_id == user_id, Question.status == OPEN)
        .order_by(Question.id.desc())
    )
    return list(rows.scalars())


async def of_user(session: AsyncSession, user_id: int, limit: int = 5) -> list[Question]:
    """The resident's most recent questions."""
    rows = await session.execute(
        select(Question)
        .where(Question.user_id == user_id)
        .order_by(Question.id.desc())
        .limit(limit)
    )
    return list(rows.scalars())


async def kept_answers(session: AsyncSession, user_id: int) -> list[Question]:
    """Answers staff gave that the platform would not let us push to this resident then."""
    rows = await session.execute(
        select(Question)
        .where(
            Question.user_id == user_id,
            Question.status == ANSWERED,
            Question.unreachable.is_not(None),
        )
        .order_by(Question.id)
    )
    return list(rows.scalars())


async def by_code(session: AsyncSession, code: str) -> Question | None:
    return await session.scalar(select(Question).where(Question.code == code))


async def page(
    session: AsyncSession, offset: int, limit: int
) -> tuple[list[tuple[Question, User | None]], int, int]:
    """The queue: open questions by due time, then answered ones, newest answer first; with
    the number of open questions and of all."""
    rows = await session.execute(
        select(Question, User)
        .outerjoin(User, Question.user_id == User.id)
        .order_by(
            (Question.status != OPEN),
            Question.due_at,
            Question.answered_at.desc(),
            Question.id,
        )
        .offset(offset)
        .limit(limit)
    )
    counts = await session.execute(
        select(func.count().filter(Question.status == OPEN), func.count()).select_from(Question)
    )
    open_count, total = counts.one()
    return [(q, u) for q, u in rows.all()], int(open_count), int(total)


async def open_count(session: AsyncSession) -> int:
    """Questions waiting for staff."""
    found = await session.scalar(
        select(func.count()).select_from(Question).where(Question.status == OPEN)
    )
    return int(found or 0)


async def open_wordings(session: AsyncSession) -> list[tuple[int, str]]:
    """(id, normalized wording) of every open question, oldest first: grouped by likeness."""
    rows = await session.execute(
        select(Question.id, Question.normalized)
        .where(Question.status == OPEN)
        .order_by(Question.id)
    )
    return [(int(i), str(n)) for i, n in rows.all()]


async def ids_in_group(session: AsyncSession, group_id: int) -> list[int]:
    """The questions answered together under one answer."""
    rows = await session.execute(
        select(Question.id).where(Question.group_id == group_id).order_by(Question.id)
    )
    return [int(i) for i in rows.scalars()]


async def with_residents(
    session: AsyncSession, ids: Sequence[int]
) -> list[tuple[Question, User | None]]:
    """Questions with their residents, in id order."""
    if not ids:
        return []
    rows = await session.execute(
        select(Question, User)
        .outerjoin(User, Question.user_id == User.id)
        .where(Question.id.in_(ids))
        .order_by(Question.id)
    )
    return [(q, u) for q, u in rows.all()]


async def figures(session: AsyncSession, start: datetime, after: datetime) -> dict[str, Any]:
    """Questions forwarded and answered in [start, after), and the answering times (hours)."""
    forwarded = await session.scalar(
        select(func.count())
        .select_from(Question)
        .where(Question.created_at >= start, Question.created_at < after)
    )
    rows = await session.execute(
        select(Question.created_at, Question.answered_at).where(
            Question.answered_at >= start, Question.answered_at < after
        )
    )
    hours = [(a - c).total_seconds() / 3600 for c, a in rows.all()]
    return {"forwarded": int(forwarded or 0), "answered": len(hours), "hours": hours}


async def taught_wordings(session: AsyncSession, ward_id: str) -> list[str]:
    """The wordings (as the search reads them) of questions staff taught from, still in force."""
    aliases = select(LearnedAlias.question_id).where(
        LearnedAlias.ward_id == ward_id, LearnedAlias.withdrawn_at.is_(None)
    )
    entries = select(LearnedEntry.question_id).where(
        LearnedEntry.ward_id == ward_id, LearnedEntry.withdrawn_at.is_(None)
    )
    rows = await session.execute(
        select(Question.normalized).where(
            Question.id.in_(aliases.union(entries).scalar_subquery())
        )
    )
    return [str(n) for n in rows.scalars() if n]
