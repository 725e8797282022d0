"""Courses in the chat, on SQLite and PostgreSQL: a whole course across two channels (buttons on
Telegram, numbered text on Zalo Bot), stopping and resuming with the learner's code, a
question asked mid-course, completion recorded, and every shipped course playable."""

from __future__ import annotations

import re

from sqlalchemy import select

from content.models import Course
from db.models import CourseProgress
from handlers.deps import Deps
from handlers.domain.actions import Action
from handlers.domain.types import IncomingMessage, Response
from handlers.engine import handle


async def send(deps: Deps, channel: str, user: str, **fields: object) -> Response:
    return await handle(IncomingMessage(channel, user, **fields), deps)  # type: ignore[arg-type]


async def press(deps: Deps, channel: str, user: str, title_start: str, last: Response) -> Response:
    button = next(b for b in last.replies[-1].buttons if b.title.startswith(title_start))
    return await send(deps, channel, user, payload=button.payload)


async def test_a_course_across_two_channels_with_a_stop_and_a_code(deps: Deps) -> None:
    course: Course = next(iter(deps.catalogue.courses.values()))
    steps, checks = len(course.steps), len(course.checks)
    menu = await send(deps, "telegram", "t1", text="học kỹ năng số")
    assert course.title in [b.title for b in menu.replies[-1].buttons]
    opened = await press(deps, "telegram", "t1", course.title, menu)
    step = await press(deps, "telegram", "t1", "Bắt đầu", opened)
    assert f"bước 1/{steps + checks}" in step.text
    step = await press(deps, "telegram", "t1", "Tiếp", step)
    assert f"bước 2/{steps + checks}" in step.text
    # A real question in the middle is answered; the course stays where it was.
    question = await send(deps, "telegram", "t1", text="làm căn cước ở đâu")
    assert question.intent != "learn"
    stopped = await send(deps, "telegram", "t1", text="dừng")
    code = re.search(r"học tiếp ([2-9A-HJ-NP-Z]{6})", stopped.text).group(1)

    resumed = await send(deps, "zalo_bot", "z1", text=f"hoc tiep {code.lower()}")
    assert f"bước 2/{steps + checks}" in resumed.text and course.title in resumed.text
    reply = resumed
    for _ in range(steps - 2):
        reply = await send(deps, "zalo_bot", "z1", text="tiếp")
    reply = await send(deps, "zalo_bot", "z1", text="tiếp")  # onto the first check question
    assert "câu hỏi 1/" in reply.text
    for index, check in enumerate(course.checks):
        wrong = 1 if check.answer != 1 else 2
        pick = wrong if index == 0 else check.answer
        position = [b.title for b in reply.replies[-1].buttons].index(check.options[pick - 1])
        reply = await send(deps, "zalo_bot", "z1", text=str(position + 1))  # typed number
        assert ("Chưa đúng" in reply.text) == (index == 0)
    assert f"Trả lời đúng {checks - 1}/{checks}" in reply.text
    async with deps.sessions() as session:
        (row,) = (await session.execute(select(CourseProgress))).scalars().all()
    assert (row.status, row.correct, row.channel) == ("completed", checks - 1, "telegram")
    assert row.completed_at is not None
    again = await send(deps, "telegram", "t1", payload=Action("learn", "list").pack())
    assert f"✓ {course.title}" in [b.title for b in again.replies[-1].buttons]


async def test_every_shipped_course_can_be_finished_with_all_answers_right(deps: Deps) -> None:
    assert len(deps.catalogue.courses) >= 5
    for number, course in enumerate(deps.catalogue.courses.values()):
        user = f"w{number}"
        reply = await send(deps, "web", user, payload=Action("learn", f"start:{course.id}").pack())
        for _ in range(len(course.steps)):
            assert "bước" in reply.text
            reply = await send(deps, "web", user, payload=Action("learn", "next").pack())
        for check in course.checks:
            reply = await send(
                deps, "web", user, payload=Action("learn", f"ans:{check.answer}").pack()
            )
        n = len(course.checks)
        assert f"Trả lời đúng {n}/{n}" in reply.text, course.id


async def test_resuming_without_anything_started_and_with_a_wrong_code(deps: Deps) -> None:
    nothing = await send(deps, "web", "x1", text="học tiếp")
    assert "không có khóa học nào đang học dở" in nothing.text
    unknown = await send(deps, "web", "x1", text="học tiếp ABCDEF")
    assert "không tìm thấy mã học ABCDEF" in unknown.text


async def test_a_reminder_is_asked_for_after_stopping(deps: Deps) -> None:
    course = next(iter(deps.catalogue.courses.values()))
    await send(deps, "web", "r1", payload=Action("learn", f"start:{course.id}").pack())
    stopped = await send(deps, "web", "r1", payload=Action("learn", "stop").pack())
    reminded = await press(deps, "web", "r1", "Nhắc tôi", stopped)
    assert "nhắn nhắc" in reminded.text
    async with deps.sessions() as session:
        row = (await session.execute(select(CourseProgress))).scalar_one()
    assert row.remind is True and row.status == "in_progress"


async def test_the_reminder_goes_once_after_two_quiet_days(deps: Deps) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from db.models import Outbox, utcnow
    from handlers.domain.reminders import send_course_reminders

    course = next(iter(deps.catalogue.courses.values()))
    await send(deps, "telegram", "q1", payload=Action("learn", f"start:{course.id}").pack())
    await send(deps, "telegram", "q1", payload=Action("learn", "stop").pack())
    await send(deps, "telegram", "q1", payload=Action("learn", "remind").pack())
    assert await send_course_reminders(deps.sessions, deps.catalogue) == 0  # not yet
    async with deps.sessions() as session, session.begin():
        await session.execute(
            update(CourseProgress).values(updated_at=utcnow() - timedelta(days=3))
        )
    assert await send_course_reminders(deps.sessions, deps.catalogue) == 1
    assert await send_course_reminders(deps.sessions, deps.catalogue) == 0  # only once
    async with deps.sessions() as session:
        (row,) = (await session.execute(select(Outbox))).scalars().all()
    assert (row.channel, row.user_ref, row.kind) == ("telegram", "q1", "course_reminder")
    assert course.title in row.text and row.buttons[0]["title"] == "Học tiếp"
