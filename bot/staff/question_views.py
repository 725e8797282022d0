"""Questions residents handed over to staff: the queue, one question with its conversation,
the answer sent to every resident who asked it, and teaching the assistant from it. Each view
runs inside the guard's transaction; answers go through the outbox, woken after the commit."""

from __future__ import annotations

from aiohttp import web

from bot.keys import DEPS, SETTINGS
from bot.reach import staff_windows, unreachable
from bot.report.gaps import cluster
from bot.staff.common import (
    LEARNED_CHANGED,
    MAX_REPLY,
    MAX_TAUGHT,
    WAKE_OUTBOX,
    db_of,
    long_text,
    page,
    see_other,
)
from content.loader import Catalogue
from db import feedback_queries as fq
from db import question_queries as qq
from db import teaching_queries as teaching
from db.masking import mask
from db.models import Question, StaffSession, StaffUser, User, utcnow
from handlers.domain.actions import Action, number_arg
from handlers.domain.types import Button
from handlers.question_store import answer_message

PAGE_SIZE = 50
MENU = Button("Về menu chính", Action("menu").pack())


def _page_number(request: web.Request) -> int:
    raw = request.query.get("trang", "1")
    return max(1, number_arg(raw) or 1)


async def _groups(request: web.Request) -> dict[int, list[int]]:
    """Open question id -> the ids of the open questions alike (itself included)."""
    wordings = await qq.open_wordings(db_of(request))
    places = cluster([normalized for _, normalized in wordings])
    members: dict[int, list[int]] = {}
    for (question_id, _), at in zip(wordings, places, strict=True):
        members.setdefault(at, []).append(question_id)
    return {i: members[at] for (i, _), at in zip(wordings, places, strict=True)}


async def queue(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/questions: open questions first, by due time; alike ones marked as a group."""
    number = _page_number(request)
    rows, open_count, total = await qq.page(db_of(request), (number - 1) * PAGE_SIZE, PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return page(
        request,
        "questions.html",
        user,
        staff_session,
        rows=rows,
        groups=await _groups(request),
        open_count=open_count,
        total=total,
        number=number,
        pages=pages,
        now=utcnow(),
    )


async def _question(request: web.Request) -> Question:
    raw = request.match_info["id"]
    number = number_arg(raw)
    question = await db_of(request).get(Question, number) if number is not None else None
    if question is None:
        raise web.HTTPNotFound(text="Không có câu hỏi này.")
    return question


async def _members(request: web.Request, question: Question) -> list[tuple[Question, User | None]]:
    """The questions answered with this one: the open ones alike, or those answered together."""
    db = db_of(request)
    if question.status == qq.OPEN:
        ids = (await _groups(request)).get(question.id, [question.id])
    elif question.group_id is not None:
        ids = await qq.ids_in_group(db, question.group_id)
    else:
        ids = [question.id]
    return await qq.with_residents(db, ids)


async def _catalogue(request: web.Request) -> Catalogue:
    """The catalogue as residents are answered from it now: the ward's data and what staff
    taught included."""
    base = request.app[DEPS]
    deps = await base.live_ward.deps(db_of(request), base)
    return (await base.learned.deps(db_of(request), deps)).catalogue


async def _entry_choices(request: web.Request) -> list[tuple[str, str]]:
    catalogue = await _catalogue(request)
    return sorted(((e.id, e.title) for e in catalogue.entries.values()), key=lambda p: p[1])


async def detail(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/questions/{id}: the question, the messages around it, who else asked it,
    the answer box and the ways to teach the assistant."""
    question = await _question(request)
    members = await _members(request, question)
    now, windows = utcnow(), staff_windows(request.app[SETTINGS].messenger.human_agent)
    learned = await teaching.from_question(db_of(request), [q.id for q, _ in members])
    return page(
        request,
        "question.html",
        user,
        staff_session,
        q=question,
        members=[(q, resident, unreachable(resident, now, windows)) for q, resident in members],
        entries=await _entry_choices(request),
        learned=learned,
        now=now,
        sent=request.query.get("gui", ""),
    )


async def answer(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/questions/{id}/answer: the answer goes to every resident of the question's
    group (or the residents ticked), each in their own chat; those the platform no longer
    lets us reach keep it for when they ask."""
    question = await _question(request)
    form = await request.post()
    text = long_text(form, "answer", MAX_REPLY)
    if not text:
        raise web.HTTPBadRequest(text="Nội dung trả lời đang trống.")
    members = await _members(request, question)
    ticked = {n for v in form.getall("member", []) if (n := number_arg(str(v))) is not None}
    if ticked:
        members = [(q, r) for q, r in members if q.id in ticked or q.id == question.id]
    db, now, sent = db_of(request), utcnow(), 0
    windows = staff_windows(request.app[SETTINGS].messenger.human_agent)
    for member, resident in members:
        member.answer, member.answered_by, member.answered_at = text, f"staff:{user.username}", now
        member.status, member.group_id = qq.ANSWERED, question.id
        member.unreachable = unreachable(resident, now, windows)
        if member.unreachable is not None and resident is not None:
            resident.answers_waiting = True  # given with the reply to their next message
        if member.unreachable is None and resident is not None:
            row = await fq.enqueue(
                db,
                resident.channel,
                resident.external_id,
                answer_message(member, text),
                "question_answer",
                user_id=resident.id,
                buttons=[{"title": MENU.title, "payload": MENU.payload}],
            )
            member.outbox_id, sent = row.id, sent + 1
    request[WAKE_OUTBOX] = sent > 0
    return see_other(f"/staff/questions/{question.id}?gui={sent}")


async def teach(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/questions/{id}/teach: the residents' wording becomes a way to ask for an
    existing entry (`entry_id`), or the staff answer becomes a ward entry (`title`, `answer`,
    optional `source`); the next resident asking it is answered at once."""
    question = await _question(request)
    form = await request.post()
    ward_id = request.app[DEPS].catalogue.ward.id
    actor = f"staff:{user.username}"
    members = await _members(request, question)
    wording = str(form.get("wording", "")).strip()[:500]
    # Residents' words become part of the catalogue: phone and card numbers are masked.
    wordings = [(mask(wording or question.text[:500]), question.id)]
    wordings += [(mask(q.text[:500]), q.id) for q, _ in members if q.id != question.id]
    entry_id = str(form.get("entry_id", "")).split(" — ")[0].strip()
    db = db_of(request)
    if entry_id:
        if (await _catalogue(request)).get(entry_id) is None:
            raise web.HTTPBadRequest(
                text="Không có mục này trong danh mục. Chọn một mục trong danh sách gợi ý."
            )
        await teaching.add_aliases(db, ward_id, entry_id, wordings, actor)
    else:
        title = str(form.get("title", "")).strip()[:200]
        text = long_text(form, "answer", MAX_TAUGHT) or (question.answer or "")[:MAX_TAUGHT]
        if not title or not text:
            raise web.HTTPBadRequest(text="Cần tiêu đề và nội dung câu trả lời.")
        source = str(form.get("source", "")).strip()[:300] or None
        entry = await teaching.add_entry(db, ward_id, title, text, source, actor, question.id)
        await teaching.add_aliases(db, ward_id, teaching.learned_id(entry.id), wordings, actor)
    request[LEARNED_CHANGED] = True
    return see_other(f"/staff/questions/{question.id}?hoc=1")
