"""Opt-in reminders for unfinished courses: one message, two days after the learner last moved,
in the chat they used last."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from content.loader import Catalogue
from db import feedback_queries as fq
from db import learning_queries as lq
from db.models import utcnow
from handlers.domain.actions import Action

REMIND_AFTER = timedelta(days=2)


async def send_course_reminders(
    sessions: async_sessionmaker[AsyncSession], catalogue: Catalogue
) -> int:
    """Queue the reminders that are due; returns how many went to the outbox."""
    now = utcnow()
    queued = 0
    async with sessions() as session, session.begin():
        for row in await lq.due_reminders(session, now - REMIND_AFTER):
            row.reminded_at = now
            course = catalogue.courses.get(row.course_id)
            chat = await lq.last_active_chat(session, row.learner_id)
            if course is None or chat is None:
                continue
            text = (
                f"Bạn đang học dở khóa “{course.title}”. Khi rảnh, bạn bấm “Học tiếp” "
                "(hoặc gõ “học tiếp”) để học tiếp từ chỗ đã dừng nhé."
            )
            button = {"title": "Học tiếp", "payload": Action("learn", f"start:{course.id}").pack()}
            await fq.enqueue(
                session, chat.channel, chat.external_id, text, "course_reminder",
                user_id=chat.id, buttons=[button],
            )  # fmt: skip
            queued += 1
    return queued
