"""Học kỹ năng số: short courses taken in the chat, one small step at a time, ending with one to
three check questions. Progress belongs to the learner, not the chat: stopping gives a code,
and typing "học tiếp CODE" on any channel carries on from the same step.

While a course is open in this chat, "tiếp" moves on and "dừng" stops; any other message is
answered as a question (the course stays open), so nobody is trapped in a lesson.
"""

from __future__ import annotations

import re

from content.models import Course
from content.normalize import folded_phrase
from db import contest_queries as cq
from db import learning_queries as lq
from db.models import CourseProgress, utcnow
from handlers.cards import MENU_BUTTON
from handlers.domain.actions import Action, number_arg, open_entry
from handlers.domain.types import Button, Reply, Response
from handlers.feature import Feature
from handlers.render import fill, with_buttons
from handlers.turn import Turn

FLOW = "course"
TITLE_WEIGHT = 0.5  # the title words a message must share to name a course
NEXT_WORDS = {"tiep", "tiep tuc", "tiep theo", "next", "hoc tiep buoc sau"}
STOP_WORDS = {"dung", "dung lai", "dung hoc", "nghi", "tam dung", "stop"}
RESUME = re.compile(r"hoc tiep(?:\s+([2-9a-hj-np-z]{6}))?")
LIST_BUTTON = Button("Các khóa học", Action("learn", "list").pack())
STOP_BUTTON = Button("Dừng lại", Action("learn", "stop").pack())
NEXT_BUTTON = Button("Tiếp ▶", Action("learn", "next").pack())


def _response(text: str, buttons: list[Button], image: str | None = None) -> Response:
    reply = with_buttons(text, buttons)
    return Response([Reply(reply.text, reply.buttons, image)], intent="learn")


def in_flow(turn: Turn) -> bool:
    return turn.state.flow == FLOW


def _course(turn: Turn, course_id: str | None) -> Course | None:
    return turn.deps.catalogue.courses.get(course_id or "")


async def menu(turn: Turn, intro: str | None = None) -> Response:
    """The courses, each marked done ✓ or under way ▶."""
    learner = await lq.learner_of(turn.session, turn.user)
    done = await lq.all_progress(turn.session, learner.id)
    lines = [intro] if intro else []
    lines.append(
        "Học kỹ năng số: những bài ngắn, mỗi bước vài dòng. Bạn chọn một khóa học để bắt đầu."
    )
    buttons = [  # a contest running now comes first
        Button(f"🏆 {c.title}", Action("quiz", f"open:{c.id}").pack())
        for c in await cq.open_contests(turn.session, turn.deps.clock())
    ]
    for course in turn.deps.catalogue.courses.values():
        row = done.get(course.id)
        mark = "✓ " if row and row.status == "completed" else "▶ " if row else ""
        buttons.append(
            Button(f"{mark}{course.title}", Action("learn", f"open:{course.id}").pack())
        )
    return _response("\n".join(lines), [*buttons, MENU_BUTTON])


async def on_button(turn: Turn, arg: str) -> Response:
    """learn:list, learn:open:<id>, learn:start:<id>, learn:next, learn:ans:<n>, learn:stop,
    learn:remind."""
    verb, _, rest = arg.partition(":")
    if verb == "open":
        return await _open(turn, rest)
    if verb == "start":
        return await _start(turn, rest)
    if verb == "next":
        return await _advance(turn)
    choice = number_arg(rest)
    if verb == "ans" and choice is not None:
        return await _answer(turn, choice)
    if verb == "stop":
        return await _stop(turn)
    if verb == "remind":
        return await _remind(turn)
    return await menu(turn)


async def _open(turn: Turn, course_id: str) -> Response:
    course = _course(turn, course_id)
    if course is None:
        return await menu(turn, "Khóa học này không còn nữa.")
    learner = await lq.learner_of(turn.session, turn.user)
    row = await lq.progress(turn.session, learner.id, course.id)
    total = len(course.steps) + len(course.checks)
    text = (
        f"📘 Bài học: {course.title}\n{course.summary}\n"
        f"Khoảng {course.minutes} phút, {total} bước."
    )
    if row and row.status == "completed":
        text += "\nBạn đã học xong khóa này. Học lại từ đầu nhé?"
        label = "Học lại"
    elif row:
        text += f"\nBạn đang học dở ở bước {row.position + 1}/{total}."
        label = "Học tiếp"
    else:
        label = "Bắt đầu"
    return _response(
        text, [Button(label, Action("learn", f"start:{course.id}").pack()), LIST_BUTTON]
    )


async def _start(turn: Turn, course_id: str) -> Response:
    course = _course(turn, course_id)
    if course is None:
        return await menu(turn, "Khóa học này không còn nữa.")
    learner = await lq.learner_of(turn.session, turn.user)
    row = await lq.progress(turn.session, learner.id, course.id)
    if row is None:
        row = await lq.start(turn.session, learner.id, course.id, turn.msg.channel)
    elif row.status == "completed":  # again from the beginning; the completion stays counted
        row.status, row.position, row.correct = "in_progress", 0, 0
    turn.state.flow = FLOW
    turn.state.data[FLOW] = course.id
    return _show(turn, course, row)


def _show(turn: Turn, course: Course, row: CourseProgress) -> Response:
    """The step or check question at the learner's position."""
    ward = turn.deps.catalogue.ward
    steps, total = len(course.steps), len(course.steps) + len(course.checks)
    if row.position < steps:
        step = course.steps[row.position]
        text = f"📘 {course.title} · bước {row.position + 1}/{total}\n\n{fill(step.text, ward)}"
        image = str(step.image) if step.image else None
        hint = '\n\n(Gõ "tiếp" để sang bước sau, "dừng" để nghỉ.)'
        return _response(text + hint, [NEXT_BUTTON, STOP_BUTTON], image)
    check = course.checks[row.position - steps]
    number = row.position - steps + 1
    text = (
        f"📝 {course.title} · câu hỏi {number}/{len(course.checks)}\n\n"
        f"{fill(check.question, ward)}"
    )
    buttons = [
        Button(option, Action("learn", f"ans:{i}").pack())
        for i, option in enumerate(check.options, 1)
    ]
    return _response(text, [*buttons, STOP_BUTTON])


async def _current(turn: Turn) -> tuple[Course, CourseProgress] | None:
    course = _course(turn, turn.state.data.get(FLOW))
    if course is None:
        return None
    learner = await lq.learner_of(turn.session, turn.user)
    row = await lq.progress(turn.session, learner.id, course.id)
    if row is None or row.status != "in_progress":
        return None
    return course, row


async def _advance(turn: Turn) -> Response:
    found = await _current(turn)
    if found is None:
        return await menu(turn)
    course, row = found
    if row.position < len(course.steps):
        row.position += 1
        row.updated_at = utcnow()
    return _show(turn, course, row)


async def _answer(turn: Turn, choice: int) -> Response:
    found = await _current(turn)
    if found is None:
        return await menu(turn)
    course, row = found
    index = row.position - len(course.steps)
    if not 0 <= index < len(course.checks) or not 1 <= choice <= len(course.checks[index].options):
        return _show(turn, course, row)
    check = course.checks[index]
    right = choice == check.answer
    row.correct += int(right)
    row.position += 1
    row.updated_at = utcnow()
    verdict = (
        "✅ Đúng rồi!" if right else f"❌ Chưa đúng. Đáp án: {check.options[check.answer - 1]}."
    )
    feedback = f"{verdict}\n{fill(check.explanation, turn.deps.catalogue.ward)}"
    if index + 1 < len(course.checks):
        shown = _show(turn, course, row)
        shown.replies.insert(0, Reply(feedback))
        return shown
    return _finish(turn, course, row, feedback)


def _finish(turn: Turn, course: Course, row: CourseProgress, feedback: str) -> Response:
    row.status, row.completed_at, row.remind = "completed", utcnow(), False
    turn.state.flow = None
    turn.state.data.pop(FLOW, None)
    text = (
        f"🎉 Bạn đã học xong “{course.title}”! Trả lời đúng {row.correct}/"
        f"{len(course.checks)} câu. Cảm ơn bạn đã học cùng phường."
    )
    catalogue = turn.deps.catalogue
    more = [
        Button(entry.title, open_entry(entry.id))
        for entry in (catalogue.get(ref) for ref in course.related[:2])
        if entry is not None
    ]
    response = _response(text, [*more, LIST_BUTTON, MENU_BUTTON])
    response.replies.insert(0, Reply(feedback))
    response.content_id = course.id
    return response


async def _stop(turn: Turn) -> Response:
    found = await _current(turn)
    turn.state.flow = None
    turn.state.data.pop(FLOW, None)
    if found is None:
        return await menu(turn)
    learner = await lq.learner_of(turn.session, turn.user)
    text = (
        "Đã lưu chỗ bạn đang học. Lúc nào rảnh, bạn gõ “học tiếp” để học tiếp.\n"
        f"Học trên kênh khác (Zalo, Telegram, trang web): gõ “học tiếp {learner.code}”."
    )
    remind = Button("Nhắc tôi học tiếp", Action("learn", "remind").pack())
    return _response(text, [remind, LIST_BUTTON, MENU_BUTTON])


async def _remind(turn: Turn) -> Response:
    learner = await lq.learner_of(turn.session, turn.user)
    row = await lq.unfinished(turn.session, learner.id)
    if row is None:
        return await menu(turn, "Bạn không có khóa học nào đang học dở.")
    row.remind = True
    text = "Được rồi, nếu 2 ngày nữa bạn chưa học tiếp, mình sẽ nhắn nhắc bạn một lần."
    return _response(text, [LIST_BUTTON, MENU_BUTTON])


async def resume(turn: Turn, code: str | None) -> Response:
    """ "học tiếp" (this chat's learner) or "học tiếp CODE" (another channel's)."""
    if code:
        learner = await lq.join(turn.session, turn.user, code)
        if learner is None:
            return await menu(turn, f"Mình không tìm thấy mã học {code.upper()}. Bạn xem lại nhé.")
    else:
        learner = await lq.learner_of(turn.session, turn.user)
    row = await lq.unfinished(turn.session, learner.id)
    course = _course(turn, row.course_id) if row else None
    if row is None or course is None:
        return await menu(turn, "Bạn không có khóa học nào đang học dở.")
    turn.state.flow = FLOW
    turn.state.data[FLOW] = course.id
    response = _show(turn, course, row)
    response.replies.insert(0, Reply(f"Học tiếp “{course.title}” từ chỗ bạn dừng."))
    return response


def typed_resume(folded: str) -> tuple[bool, str | None]:
    """("học tiếp" typed?, the code if one was given)."""
    match = RESUME.fullmatch(folded)
    return (True, match.group(1)) if match else (False, None)


STRAY = ("empty", "greeting")  # a stray key or a bare "alo" mid-lesson


async def on_message(turn: Turn) -> Response | None:
    """In a course: "tiếp" and "dừng" steer it; a stray key shows the same step again;
    anything else is a question, answered while the course stays open."""
    phrase = folded_phrase(turn.text)
    if phrase in NEXT_WORDS:
        return await _advance(turn)
    if phrase in STOP_WORDS:
        return await _stop(turn)
    stray = turn.reading is not None and turn.reading.act in STRAY
    if stray or len(phrase) <= 2:
        found = await _current(turn)
        if found is not None:
            shown = _show(turn, *found)
            shown.replies.insert(0, Reply("Bạn vẫn đang học dở, mình nhắc lại bước này nhé."))
            return shown
    return None


def _resume(turn: Turn) -> Reply:
    return Reply('(Bạn đang học dở một bài: gõ "tiếp" để học tiếp, "dừng" để nghỉ.)')


async def _menu(turn: Turn, _arg: str = "") -> Response:
    return await menu(turn)


async def _typed(turn: Turn) -> Response | None:
    resuming, code = typed_resume(folded_phrase(turn.text))
    return await resume(turn, code) if resuming else None


async def _from_menu(turn: Turn) -> Response:
    return await menu(turn)


def _course_asked(turn: Turn) -> Course | None:
    """The course whose title words the message uses most ("học kích hoạt VNeID"), else the
    course about the entry the message is about ("học cách dùng VNeID": the VNeID course)."""
    index, catalogue = turn.deps.index, turn.deps.catalogue
    asked = index.query_features(turn.query)
    weights = sorted(
        (
            (sum(index.weight(f) for f in asked & index.text_features(course.title)), course.id)
            for course in catalogue.courses.values()
        ),
        reverse=True,
    )
    if (
        weights
        and weights[0][0] > TITLE_WEIGHT
        and (len(weights) == 1 or weights[0][0] > weights[1][0])
    ):
        return catalogue.courses[weights[0][1]]
    best = turn.result.best
    about = catalogue.course_of.get(best.doc.id) if best is not None else None
    return catalogue.courses.get(about or "")


async def learn(turn: Turn) -> Response:
    """A wish to learn: the course it names, or the list of courses."""
    course = _course_asked(turn)
    return await _open(turn, course.id) if course is not None else await menu(turn)


FEATURE = Feature(
    "courses",
    verbs={"learn": on_button},
    commands={"/hoc": _menu, "/hoc_ky_nang_so": _menu},
    typed=_typed,
    acts={"learn": learn},
    flows=frozenset({FLOW}),
    on_message=on_message,
    resume=_resume,
    section="learn",
    start=_from_menu,
)
