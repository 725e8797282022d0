"""Canned replies: every officer handling feedback writes their own and uses everyone's; a
reply is edited or deleted by its author, or by an admin (the ward's older replies, written
before replies had authors, by admins only)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.staff import placeholders
from bot.staff.common import db_of, page, see_other
from db import feedback_queries as fq
from db import staff_queries as sq
from db.models import CannedReply, StaffSession, StaffUser, utcnow
from handlers.domain.actions import number_arg

MAX_CANNED = 2000


def may_edit(user: StaffUser, reply: CannedReply) -> bool:
    """The one ownership rule: the author, or an admin."""
    return user.role == "admin" or (reply.owner_id is not None and reply.owner_id == user.id)


async def _page(
    request: web.Request,
    user: StaffUser,
    staff_session: StaffSession,
    status: int = 200,
    error: str | None = None,
    typed: dict[str, str] | None = None,
) -> web.Response:
    db = db_of(request)
    rows = await fq.canned_replies(db, owner_first=user.id)
    owners = await sq.display_names(db, [r.owner_id for r in rows if r.owner_id])
    return page(
        request,
        "canned.html",
        user,
        staff_session,
        status,
        rows=rows,
        owners=owners,
        editable={r.id for r in rows if may_edit(user, r)},
        placeholders=placeholders.PLACEHOLDERS,
        error=error,
        typed=typed or {},
    )


def _fields(form: Any) -> tuple[str, str]:
    return str(form.get("title", "")).strip()[:128], str(form.get("text", "")).strip()


def _problem(title: str, text: str) -> str | None:
    if not title or not text:
        return "Mẫu trả lời cần tiêu đề và nội dung."
    if len(text) > MAX_CANNED:
        return f"Nội dung mẫu dài quá {MAX_CANNED:,} ký tự: bạn rút gọn.".replace(",", ".")
    return None


async def _own(request: web.Request, user: StaffUser) -> CannedReply:
    number = number_arg(request.match_info["id"])
    row = await db_of(request).get(CannedReply, number) if number is not None else None
    if row is None:
        raise web.HTTPNotFound(text="Không có mẫu trả lời này.")
    if not may_edit(user, row):
        raise web.HTTPForbidden(text="Mẫu này của cán bộ khác: chỉ người viết và quản trị sửa.")
    return row


async def index(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/canned: the ward's replies (one's own first) and the form for a new one."""
    return await _page(request, user, staff_session)


async def add(request: web.Request, user: StaffUser, staff_session: StaffSession) -> web.Response:
    """POST /staff/canned: a new reply, owned by its author."""
    title, text = _fields(await request.post())
    problem = _problem(title, text)
    if problem is not None:
        typed = {"title": title, "text": text}
        return await _page(request, user, staff_session, 400, problem, typed)
    db_of(request).add(CannedReply(title=title, text=text, owner_id=user.id))
    return see_other("/staff/canned")


async def edit(request: web.Request, user: StaffUser, staff_session: StaffSession) -> web.Response:
    """POST /staff/canned/{id}: change one's own reply (an admin: any)."""
    row = await _own(request, user)
    title, text = _fields(await request.post())
    problem = _problem(title, text)
    if problem is not None:
        typed = {"title": title, "text": text, "id": str(row.id)}
        return await _page(request, user, staff_session, 400, problem, typed)
    row.title, row.text, row.updated_at = title, text, utcnow()
    return see_other("/staff/canned")


async def delete(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/canned/{id}/delete."""
    row = await _own(request, user)
    await db_of(request).delete(row)
    return see_other("/staff/canned")
