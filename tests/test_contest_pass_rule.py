"""One pass mark for the chat and the report: an attempt with no questions passes nothing
(the report counted it as passed while the chat did not)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from db import contest_queries as cq
from db import report_activity_queries as ra
from db.models import Contest, ContestAttempt, Learner
from db.session import session_factory

FINISHED = datetime(2026, 11, 20, 9, tzinfo=UTC)


def test_the_rule() -> None:
    assert cq.passes(5, 10, 50) and not cq.passes(4, 10, 50)
    assert not cq.passes(0, 0, 50)


async def test_the_report_counts_passes_by_the_same_rule(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        contest = Contest(
            title="Thi thử",
            pass_percent=50,
            starts_at=FINISHED - timedelta(days=1),
            ends_at=FINISHED + timedelta(days=6),
            published=True,
            created_by="staff:chi",
        )
        learners = [Learner(code=code) for code in ("K7M2QX", "P4N8RT", "Q2W3ER")]
        session.add_all([contest, *learners])
        await session.flush()
        for learner, (score, total) in zip(learners, [(5, 10), (4, 10), (0, 0)], strict=True):
            session.add(
                ContestAttempt(
                    contest_id=contest.id,
                    learner_id=learner.id,
                    channel="telegram",
                    score=score,
                    total=total,
                    started_at=FINISHED - timedelta(minutes=3),
                    finished_at=FINISHED,
                    seconds=180.0,
                )
            )
    async with sessions() as session:
        start, after = FINISHED - timedelta(days=1), FINISHED + timedelta(days=1)
        assert await ra.contest_passes(session, start, after) == 1
