"""Learners, course progress and reminders."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CourseProgress, Learner, User, utcnow

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed by elders
CODE_LENGTH = 6


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


async def learner_of(session: AsyncSession, user: User) -> Learner:
    """This chat's learner, created on first use."""
    if user.learner_id is not None:
        learner = await session.get(Learner, user.learner_id)
        if learner is not None:
            return learner
    while True:
        code = new_code()
        if await session.scalar(select(Learner.id).where(Learner.code == code)) is None:
            break
    learner = Learner(code=code, created_at=utcnow())
    session.add(learner)
    await session.flush()
    await session.execute(update(User).where(User.id == user.id).values(learner_id=learner.id))
    user.learner_id = learner.id
    return learner


async def join(session: AsyncSession, user: User, code: str) -> Learner | None:
    """Make this chat the learner with `code` (resuming on another channel); None if unknown."""
    learner = await session.scalar(select(Learner).where(Learner.code == code.upper()))
    if learner is not None:
        await session.execute(update(User).where(User.id == user.id).values(learner_id=learner.id))
        user.learner_id = learner.id
    return learner


async def progress(
    session: AsyncSession, learner_id: int, course_id: str
) -> CourseProgress | None:
    return await session.scalar(
        select(CourseProgress).where(
            CourseProgress.learner_id == learner_id, CourseProgress.course_id == course_id
        )
    )


async def all_progress(session: AsyncSession, learner_id: int) -> dict[str, CourseProgress]:
    rows = await session.execute(
        select(CourseProgress).where(CourseProgress.learner_id == learner_id)
    )
    return {p.course_id: p for p in rows.scalars()}


async def unfinished(session: AsyncSession, learner_id: int) -> CourseProgress | None:
    """The course this learner touched last and has not finished."""
    return await session.scalar(
        select(CourseProgress)
        .where(CourseProgress.learner_id == learner_id, CourseProgress.status == "in_progress")
        .order_by(CourseProgress.updated_at.desc())
        .limit(1)
    )


async def start(
    session: AsyncSession, learner_id: int, course_id: str, channel: str
) -> CourseProgress:
    now = utcnow()
    row = CourseProgress(
        learner_id=learner_id,
        course_id=course_id,
        channel=channel,
        started_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def last_active_chat(session: AsyncSession, learner_id: int) -> User | None:
    """The reachable chat this learner used last (a learner may have joined several)."""
    return await session.scalar(
        select(User)
        .where(User.learner_id == learner_id, User.active.is_(True))
        .order_by(User.last_seen_at.desc())
        .limit(1)
    )


async def due_reminders(
    session: AsyncSession, idle_since: datetime, limit: int = 500
) -> list[CourseProgress]:
    """Unfinished courses whose learner asked for a reminder, idle since before
    `idle_since`, not yet reminded since they last moved."""
    rows = await session.execute(
        select(CourseProgress)
        .where(
            CourseProgress.status == "in_progress",
            CourseProgress.remind.is_(True),
            CourseProgress.updated_at < idle_since,
            (CourseProgress.reminded_at.is_(None))
            | (CourseProgress.reminded_at < CourseProgress.updated_at),
        )
        .limit(limit)
        .with_for_update(skip_locked=True)  # two schedulers never remind twice
    )
    return list(rows.scalars())
