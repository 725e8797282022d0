"""What staff taught the assistant: every learned entry and wording with who and when; an
admin edits an entry or withdraws what should no longer answer residents."""

from __future__ import annotations

from aiohttp import web

from bot.keys import DEPS
from bot.staff.common import LEARNED_CHANGED, MAX_TAUGHT, db_of, long_text, page, see_other
from db import teaching_queries as teaching
from db.models import LearnedAlias, LearnedEntry, StaffSession, StaffUser
from handlers.domain.actions import number_arg


async def index(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/learned: learned entries and aliases, newest first, withdrawn ones marked."""
    catalogue = request.app[DEPS].catalogue
    entries, aliases = await teaching.everything(db_of(request), catalogue.ward.id)
    titles = {teaching.learned_id(e.id): e.title for e in entries}
    titles |= {e.id: e.title for e in catalogue.entries.values()}
    return page(
        request,
        "learned.html",
        user,
        staff_session,
        entries=entries,
        aliases=aliases,
        titles=titles,
        learned_id=teaching.learned_id,
    )


async def _row(
    request: web.Request, model: type[LearnedEntry] | type[LearnedAlias]
) -> LearnedEntry | LearnedAlias:
    raw = request.match_info["id"]
    number = number_arg(raw)
    row = await db_of(request).get(model, number) if number is not None else None
    if row is None or row.ward_id != request.app[DEPS].catalogue.ward.id:
        raise web.HTTPNotFound(text="Không có mục đã học này.")
    return row


async def edit_entry(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/learned/entry/{id}/edit (admin): a new title, answer or source."""
    entry = await _row(request, LearnedEntry)
    assert isinstance(entry, LearnedEntry)
    form = await request.post()
    title = str(form.get("title", "")).strip()[:200]
    answer = long_text(form, "answer", MAX_TAUGHT)
    if not title or not answer:
        raise web.HTTPBadRequest(text="Cần tiêu đề và nội dung câu trả lời.")
    source = str(form.get("source", "")).strip()[:300] or None
    await teaching.edit_entry(
        db_of(request), entry, title, answer, source, f"staff:{user.username}"
    )
    request[LEARNED_CHANGED] = True
    return see_other("/staff/learned")


async def _withdraw(
    request: web.Request, user: StaffUser, model: type[LearnedEntry] | type[LearnedAlias]
) -> web.Response:
    row = await _row(request, model)
    if row.withdrawn_at is None:
        await teaching.withdraw(db_of(request), row, f"staff:{user.username}")
        request[LEARNED_CHANGED] = True
    return see_other("/staff/learned")


async def withdraw_entry(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/learned/entry/{id}/withdraw (admin): the entry no longer answers."""
    return await _withdraw(request, user, LearnedEntry)


async def withdraw_alias(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/learned/alias/{id}/withdraw (admin): the wording no longer leads to it."""
    return await _withdraw(request, user, LearnedAlias)
