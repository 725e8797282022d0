"""Contests: the open one, attempts (one per learner), and results by SQL."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from content.areas import area_key
from db.models import Contest, ContestAttempt, ContestQuestion, utcnow


async def open_contests(session: AsyncSession, now: datetime | None = None) -> list[Contest]:
    """Published contests whose time window holds `now`, soonest ending first."""
    now = now or utcnow()
    rows = await session.execute(
        select(Contest)
        .where(Contest.published.is_(True), Contest.starts_at <= now, Contest.ends_at > now)
        .order_by(Contest.ends_at)
    )
    return list(rows.scalars())


async def questions(session: AsyncSession, contest_id: int) -> list[ContestQuestion]:
    rows = await session.execute(
        select(ContestQuestion)
        .where(ContestQuestion.contest_id == contest_id)
        .order_by(ContestQuestion.position, ContestQuestion.id)
    )
    return list(rows.scalars())


async def attempt_of(
    session: AsyncSession, contest_id: int, learner_id: int
) -> ContestAttempt | None:
    return await session.scalar(
        select(ContestAttempt).where(
            ContestAttempt.contest_id == contest_id, ContestAttempt.learner_id == learner_id
        )
    )


def shuffled_plan(bank: list[ContestQuestion], rng: random.Random) -> list[list[int | list[int]]]:
    """[[question id, [original option numbers in the order shown]], ...], shuffled."""
    order = list(bank)
    rng.shuffle(order)
    plan: list[list[int | list[int]]] = []
    for question in order:
        options = list(range(1, len(question.options) + 1))
        rng.shuffle(options)
        plan.append([question.id, options])
    return plan


async def start_attempt(
    session: AsyncSession,
    contest: Contest,
    learner_id: int,
    channel: str,
    name: str,
    affiliation: str | None,
    rng: random.Random | None = None,
) -> ContestAttempt:
    """The one attempt: its question and option order is fixed now."""
    bank = await questions(session, contest.id)
    attempt = ContestAttempt(
        contest_id=contest.id,
        learner_id=learner_id,
        channel=channel,
        name=name,
        affiliation=affiliation,
        affiliation_key=area_key(affiliation) if affiliation else None,
        plan=shuffled_plan(bank, rng or random.SystemRandom()),
        answers=[],
        total=len(bank),
        started_at=utcnow(),
    )
    session.add(attempt)
    await session.flush()
    return attempt


@dataclass(frozen=True)
class Standing:
    name: str
    affiliation: str | None
    score: int
    total: int
    seconds: float | None
    channel: str


@dataclass(frozen=True)
class GroupStanding:
    affiliation: str
    participants: int
    average: float
    best: int


async def leaderboard(session: AsyncSession, contest_id: int, limit: int = 100) -> list[Standing]:
    """Finished attempts: highest score first, then the fastest."""
    rows = await session.execute(
        select(
            ContestAttempt.name,
            ContestAttempt.affiliation,
            ContestAttempt.score,
            ContestAttempt.total,
            ContestAttempt.seconds,
            ContestAttempt.channel,
        )
        .where(ContestAttempt.contest_id == contest_id, ContestAttempt.finished_at.is_not(None))
        .order_by(ContestAttempt.score.desc(), ContestAttempt.seconds, ContestAttempt.id)
        .limit(limit)
    )
    return [Standing(*row) for row in rows.all()]


async def by_affiliation(session: AsyncSession, contest_id: int) -> list[GroupStanding]:
    """Finished attempts grouped by what participants answered to the affiliation question."""
    key = func.coalesce(ContestAttempt.affiliation_key, ContestAttempt.affiliation)
    rows = await session.execute(
        select(
            func.min(ContestAttempt.affiliation),  # one of the ways it was written, as label
            func.count(),
            func.avg(ContestAttempt.score),
            func.max(ContestAttempt.score),
        )
        .where(
            ContestAttempt.contest_id == contest_id,
            ContestAttempt.finished_at.is_not(None),
            ContestAttempt.affiliation.is_not(None),
        )
        .group_by(key)
        .order_by(func.avg(ContestAttempt.score).desc(), func.count().desc())
    )
    return [GroupStanding(a, int(n), float(avg), int(best)) for a, n, avg, best in rows.all()]


async def published_windows(
    session: AsyncSession, now: datetime
) -> list[tuple[int, str, datetime, datetime]]:
    """(id, title, starts_at, ends_at) of published contests not yet over, soonest ending first."""
    rows = await session.execute(
        select(Contest.id, Contest.title, Contest.starts_at, Contest.ends_at)
        .where(Contest.published.is_(True), Contest.ends_at > now)
        .order_by(Contest.ends_at)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]
