"""Contests: the open one, attempts (one per learner, and for web visitors a few per device
and per address), and results by SQL, with the attempts that need a second look flagged."""

from __future__ import annotations

import hashlib
import hmac
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from content.areas import area_key
from content.normalize import folded_phrase
from db import locks
from db.models import Contest, ContestAttempt, ContestQuestion, utcnow

FLAG_FAST = "Trả lời quá nhanh"
FLAG_SAME_NAME = "Trùng họ tên và đơn vị với bài khác"


def passes(score: int, total: int, pass_percent: int) -> bool:
    """The pass mark: at least `pass_percent` of the questions right (an attempt with no
    questions passes nothing). `passed_attempt()` is the same rule for a query."""
    return total > 0 and score * 100 >= pass_percent * total


def passed_attempt() -> ColumnElement[bool]:
    """`passes` as a condition on attempts joined with their contest (the report counts them)."""
    return and_(
        ContestAttempt.total > 0,
        ContestAttempt.score * 100 >= Contest.pass_percent * ContestAttempt.total,
    )


def finished_in(contest_id: int) -> tuple[ColumnElement[bool], ...]:
    """The attempts of this contest that were finished (SQL conditions)."""
    return ContestAttempt.contest_id == contest_id, ContestAttempt.finished_at.is_not(None)


def _has_questions() -> ColumnElement[bool]:
    """A contest may be published as it is created: residents see it once its bank has a
    question (a contest of no questions has nothing to take)."""
    return exists().where(ContestQuestion.contest_id == Contest.id)


async def open_contests(session: AsyncSession, now: datetime | None = None) -> list[Contest]:
    """Published contests with questions whose time window holds `now`, soonest ending
    first."""
    now = now or utcnow()
    rows = await session.execute(
        select(Contest)
        .where(
            Contest.published.is_(True),
            Contest.starts_at <= now,
            Contest.ends_at > now,
            _has_questions(),
        )
        .order_by(Contest.ends_at)
    )
    return list(rows.scalars())


async def has_questions(session: AsyncSession, contest_id: int) -> bool:
    found = await session.scalar(
        select(ContestQuestion.id).where(ContestQuestion.contest_id == contest_id).limit(1)
    )
    return found is not None


async def questions(session: AsyncSession, contest_id: int) -> list[ContestQuestion]:
    rows = await session.execute(
        select(ContestQuestion)
        .where(ContestQuestion.contest_id == contest_id)
        .order_by(ContestQuestion.position, ContestQuestion.id)
    )
    return list(rows.scalars())


async def recent(session: AsyncSession, limit: int = 200) -> list[Contest]:
    """The newest contests first, published or not (the console's list)."""
    rows = await session.execute(select(Contest).order_by(Contest.id.desc()).limit(limit))
    return list(rows.scalars())


async def titles_not_over(session: AsyncSession, now: datetime) -> list[tuple[int, str]]:
    """(id, title) of contests not over yet, published or not, in the order they were made."""
    rows = await session.execute(
        select(Contest.id, Contest.title).where(Contest.ends_at > now).order_by(Contest.id)
    )
    return [(contest_id, title) for contest_id, title in rows.all()]


async def question_counts(session: AsyncSession, contest_ids: Sequence[int]) -> dict[int, int]:
    """contest id -> how many questions its bank has (contests without any are left out)."""
    rows = await session.execute(
        select(ContestQuestion.contest_id, func.count())
        .where(ContestQuestion.contest_id.in_(contest_ids))
        .group_by(ContestQuestion.contest_id)
    )
    return {contest_id: int(n) for contest_id, n in rows.all()}


async def last_position(session: AsyncSession, contest_id: int) -> int:
    """The position of the bank's last question (0 for an empty bank)."""
    last = await session.scalar(
        select(func.max(ContestQuestion.position)).where(ContestQuestion.contest_id == contest_id)
    )
    return last or 0


async def delete_questions(session: AsyncSession, contest_id: int) -> None:
    """Empty the contest's question bank (an import that replaces it)."""
    await session.execute(delete(ContestQuestion).where(ContestQuestion.contest_id == contest_id))


async def attempt_counts(
    session: AsyncSession, contest_ids: Sequence[int]
) -> dict[int, tuple[int, int]]:
    """contest id -> (attempts started, attempts finished); contests without any are left out."""
    rows = await session.execute(
        select(ContestAttempt.contest_id, func.count(), func.count(ContestAttempt.finished_at))
        .where(ContestAttempt.contest_id.in_(contest_ids))
        .group_by(ContestAttempt.contest_id)
    )
    return {contest_id: (int(started), int(done)) for contest_id, started, done in rows.all()}


async def started_count(session: AsyncSession, contest_id: int) -> int:
    """How many attempts have started (finished or not): any of them freezes the bank."""
    count = await session.scalar(
        select(func.count()).where(ContestAttempt.contest_id == contest_id)
    )
    return int(count or 0)


async def finished_attempts(session: AsyncSession, contest_id: int) -> list[ContestAttempt]:
    """Every finished attempt of the contest, in no particular order (the results workbook)."""
    rows = await session.execute(select(ContestAttempt).where(*finished_in(contest_id)))
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


@dataclass(frozen=True)
class VisitorKeys:
    """A web visitor's address, and address with browser, as keyed hashes: enough to count
    attempts from one device or one address, without keeping the address itself."""

    address: str
    device: str


def visitor_keys(contest: Contest, address: str, agent: str) -> VisitorKeys:
    key = (contest.salt or f"contest-{contest.id}").encode()

    def digest(value: str) -> str:
        return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]

    return VisitorKeys(digest(address), digest(f"{address}\n{agent}"))


async def web_limit_reached(
    session: AsyncSession, contest: Contest, keys: VisitorKeys
) -> str | None:
    """ "device" or "address" when a new web attempt from there would pass the contest's
    limit (0: no limit), else None. Call in the transaction that starts the attempt."""
    await locks.hold(session, [f"contest:{contest.id}:{keys.address}"])
    for limit, column, value, reason in (
        (contest.web_attempts_per_device, ContestAttempt.device_key, keys.device, "device"),
        (contest.web_attempts_per_address, ContestAttempt.address_key, keys.address, "address"),
    ):
        if limit > 0:
            same = (ContestAttempt.contest_id == contest.id, column == value)
            count = await session.scalar(select(func.count()).where(*same))
            if (count or 0) >= limit:
                return reason
    return None


def seconds_on_question(attempt: ContestAttempt, now: datetime) -> float:
    """How long the question now answered was on screen: since the previous answer (or the
    start); a pause in between counts, which only makes the attempt look slower."""
    spent = (now - attempt.started_at).total_seconds() - sum(attempt.answer_seconds or [])
    return round(max(0.0, spent), 1)


def too_fast(answer_seconds: list[float], min_seconds: int) -> bool:
    """More than half the answers came quicker than anyone reads a question and its options."""
    if not answer_seconds or min_seconds <= 0:
        return False
    return sum(1 for s in answer_seconds if s < min_seconds) * 2 > len(answer_seconds)


async def start_attempt(
    session: AsyncSession,
    contest: Contest,
    learner_id: int,
    channel: str,
    name: str,
    affiliation: str | None,
    rng: random.Random | None = None,
    keys: VisitorKeys | None = None,
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
        answer_seconds=[],
        address_key=keys.address if keys else None,
        device_key=keys.device if keys else None,
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
    flags: tuple[str, ...] = ()  # why staff should look again before giving prizes
    certificate: str | None = None  # the token of /chung-nhan/<token>.png, for those who passed


@dataclass(frozen=True)
class GroupStanding:
    affiliation: str
    participants: int
    average: float
    best: int


async def leaderboard(session: AsyncSession, contest: Contest, limit: int = 100) -> list[Standing]:
    """Finished attempts: highest score first, then the fastest; each with its flags."""
    finished = finished_in(contest.id)
    rows = await session.execute(
        select(
            ContestAttempt.name,
            ContestAttempt.affiliation,
            ContestAttempt.score,
            ContestAttempt.total,
            ContestAttempt.seconds,
            ContestAttempt.channel,
            ContestAttempt.answer_seconds,
            ContestAttempt.affiliation_key,
            ContestAttempt.certificate,
        )
        .where(*finished)
        .order_by(ContestAttempt.score.desc(), ContestAttempt.seconds, ContestAttempt.id)
        .limit(limit)
    )
    people = await session.execute(
        select(ContestAttempt.name, ContestAttempt.affiliation_key).where(*finished)
    )
    names = Counter(_person(name, key) for name, key in people.all())
    standings = []
    for *shown, answer_seconds, affiliation_key, certificate in rows.all():
        flags = []
        if too_fast(answer_seconds or [], contest.min_seconds_per_answer):
            flags.append(FLAG_FAST)
        if names[_person(shown[0], affiliation_key)] > 1:
            flags.append(FLAG_SAME_NAME)
        standings.append(Standing(*shown, flags=tuple(flags), certificate=certificate))
    return standings


def _person(name: str | None, affiliation_key: str | None) -> tuple[str, str]:
    return folded_phrase(name or ""), affiliation_key or ""


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
        .where(*finished_in(contest_id), ContestAttempt.affiliation.is_not(None))
        .group_by(key)
        .order_by(func.avg(ContestAttempt.score).desc(), func.count().desc())
    )
    return [GroupStanding(a, int(n), float(avg), int(best)) for a, n, avg, best in rows.all()]


async def published_windows(
    session: AsyncSession, now: datetime
) -> list[tuple[int, str, datetime, datetime]]:
    """(id, title, starts_at, ends_at) of published contests with questions not yet over,
    soonest ending first."""
    rows = await session.execute(
        select(Contest.id, Contest.title, Contest.starts_at, Contest.ends_at)
        .where(Contest.published.is_(True), Contest.ends_at > now, _has_questions())
        .order_by(Contest.ends_at)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


async def reviewable(
    session: AsyncSession, learner_id: int, now: datetime, since: datetime
) -> list[Contest]:
    """Contests over since `since` in which this learner finished an attempt: their answers
    can be shown now."""
    rows = await session.execute(
        select(Contest)
        .join(ContestAttempt, ContestAttempt.contest_id == Contest.id)
        .where(
            ContestAttempt.learner_id == learner_id,
            ContestAttempt.finished_at.is_not(None),
            Contest.ends_at <= now,
            Contest.ends_at > since,
        )
        .order_by(Contest.ends_at.desc())
    )
    return list(rows.scalars())
