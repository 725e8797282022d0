"""One phản ánh in the console: its page (the record, the whole thread with the resident,
the history), the reply with canned replies and placeholders, status changes, assignment,
internal notes, and filing one for a resident who phoned or walked in. Each view runs inside
the guard's transaction; what notifies the resident goes through the outbox, woken after
the commit. A refused form shows the page again with what the officer typed."""

from __future__ import annotations

from typing import Any

import aiohttp_jinja2
from aiohttp import web

from bot.keys import DEPS
from bot.staff import placeholders, thread
from bot.staff.common import (
    MAX_REPLY,
    WAKE_OUTBOX,
    actor_names,
    categories_of,
    db_of,
    long_text,
    see_other,
)
from bot.staff.photo_views import photo_address
from db import feedback_queries as fq
from db import staff_queries as sq
from db.masking import mask
from db.models import Feedback, FeedbackEvent, StaffSession, StaffUser, User, utcnow
from handlers.domain.actions import number_arg
from handlers.domain.calendar import due_at
from handlers.domain.vocabulary import STATUS_LABELS
from handlers.features.satisfaction import RESOLVED_QUESTION, rating_buttons
from handlers.feedback_store import alert_group
from handlers.render import local_date


async def _record(request: web.Request) -> Feedback:
    feedback = await fq.by_code(db_of(request), request.match_info["code"].upper())
    if feedback is None:
        raise web.HTTPNotFound(text="Không có phản ánh này.")
    return feedback


def _category(request: web.Request, feedback: Feedback) -> str:
    return categories_of(request).get(feedback.service_code, feedback.service_code)


def _placeholder_values(request: web.Request, feedback: Feedback) -> dict[str, str]:
    ward = request.app[DEPS].catalogue.ward
    return placeholders.values_of(feedback, ward.name, _category(request, feedback))


async def _detail_page(
    request: web.Request,
    user: StaffUser,
    staff_session: StaffSession,
    feedback: Feedback,
    status: int = 200,
    error: tuple[str, str] | None = None,
    typed: dict[str, str] | None = None,
) -> web.Response:
    """The record's page; after a refused form (`error`: which form, what is wrong) it shows
    the form again with what the officer had typed (`typed`), nothing lost."""
    db = db_of(request)
    events = await fq.trail(db, feedback.id)
    resident = await db.get(User, feedback.user_id) if feedback.user_id else None
    conversation = await fq.conversation(db, resident.id) if resident is not None else []
    names = await actor_names(db, [event.actor for event, _ in events])
    values = _placeholder_values(request, feedback)
    canned = await fq.canned_replies(db, owner_first=user.id)
    staff = await sq.assignable(db)
    context = {
        "user": user,
        "csrf": staff_session.csrf_token,
        "f": feedback,
        "events": events,
        "names": names,
        "resident": resident,
        "thread": thread.messages(
            conversation, events, await fq.rating_of(db, feedback.id), names
        ),
        "statuses": STATUS_LABELS,
        "category": _category(request, feedback),
        "staff": staff,
        "assignee": next((s for s in staff if s.id == feedback.assigned_to), None),
        "canned": [(c.title, placeholders.fill(c.text, values)) for c in canned],
        "placeholders": placeholders.PLACEHOLDERS,
        "overdue": fq.overdue(feedback, utcnow()),
        "photo": photo_address(feedback),
        "error_in": error[0] if error else None,
        "error": error[1] if error else None,
        "typed": typed or {},
    }
    return aiohttp_jinja2.render_template("detail.html", request, context, status=status)


async def detail(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/feedback/{code}: the record, the thread, the history, the reply tools."""
    return await _detail_page(request, user, staff_session, await _record(request))


async def _notify(
    request: web.Request, feedback: Feedback, text: str, kind: str, buttons: list | None = None
) -> int | None:
    """Queue a message to the resident on the channel they wrote from."""
    if feedback.user_id is None:
        return None
    resident = await db_of(request).get(User, feedback.user_id)
    if resident is None:
        return None
    row = await fq.enqueue(
        db_of(request),
        resident.channel,
        resident.external_id,
        text,
        kind,
        user_id=resident.id,
        buttons=[{"title": b.title, "payload": b.payload} for b in buttons or []],
    )
    request[WAKE_OUTBOX] = True
    return row.id


def _ask_rating_if_resolved(
    message: str, feedback: Feedback, status: str
) -> tuple[str, list | None]:
    """A resolved record's message ends with the 1-5 question and its buttons."""
    if status != "resolved":
        return message, None
    return (f"{message}\n{RESOLVED_QUESTION}", rating_buttons("f", feedback.service_request_id))


def _typed_text(form: Any, field: str, limit: int, values: dict[str, str]) -> str:
    """A text the officer typed, placeholders filled; refused (400) when too long."""
    filled = placeholders.fill(str(form.get(field, "")).strip(), values)
    return long_text({field: filled}, field, limit)


async def reply(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST .../reply: answer the resident (and optionally change the status): one message,
    one line in the history."""
    feedback = await _record(request)
    form = await request.post()
    status = str(form.get("status", ""))
    typed = {"text": str(form.get("text", "")), "status": status}
    try:
        text = _typed_text(form, "text", MAX_REPLY, _placeholder_values(request, feedback))
    except web.HTTPBadRequest as refused:
        error = ("reply", refused.text or "")
        return await _detail_page(request, user, staff_session, feedback, 400, error, typed)
    if not text:
        error = ("reply", "Nội dung trả lời đang trống: bạn gõ câu trả lời rồi bấm Gửi.")
        return await _detail_page(request, user, staff_session, feedback, 400, error, typed)
    message = f"Phường trả lời phản ánh {feedback.service_request_id}:\n{text}"
    if status == "resolved":
        message += "\n\nPhản ánh đã được giải quyết."
    message, buttons = _ask_rating_if_resolved(message, feedback, status)
    outbox_id = await _notify(request, feedback, message, "feedback_reply", buttons)
    new_status = (
        status
        if status in STATUS_LABELS
        else ("answered" if feedback.status in ("new", "in_progress") else feedback.status)
    )
    await fq.set_status(
        db_of(request),
        feedback,
        new_status,
        f"staff:{user.username}",
        note=text,
        outbox_id=outbox_id,
        action="reply",
    )
    if form.get("public") == "on":  # for the public status page; phone numbers never shown
        feedback.public_answer = mask(text)
    return see_other(f"/staff/feedback/{feedback.service_request_id}")


async def change_status(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST .../status: a new status with a note; the resident is told."""
    feedback = await _record(request)
    form = await request.post()
    status, note = str(form.get("status", "")), str(form.get("note", "")).strip()[:1000]
    if status not in STATUS_LABELS:
        error = ("status", "Bạn chọn một tình trạng trong danh sách.")
        typed = {"note": note}
        return await _detail_page(request, user, staff_session, feedback, 400, error, typed)
    message = f"Phản ánh {feedback.service_request_id}: {STATUS_LABELS[status]}." + (
        f"\n{note}" if note else ""
    )
    message, buttons = _ask_rating_if_resolved(message, feedback, status)
    outbox_id = await _notify(request, feedback, message, "feedback_status", buttons)
    await fq.set_status(
        db_of(request),
        feedback,
        status,
        f"staff:{user.username}",
        note=note or None,
        outbox_id=outbox_id,
    )
    return see_other(f"/staff/feedback/{feedback.service_request_id}")


async def assign(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST .../assign: hand the record to a colleague (staff or admin), who sees it in the
    badge of their navigation; the staff group is told when it is configured."""
    feedback = await _record(request)
    form = await request.post()
    staff_id = number_arg(str(form.get("staff_id", "")))
    colleague = next((s for s in await sq.assignable(db_of(request)) if s.id == staff_id), None)
    if colleague is None:
        error = ("assign", "Chỉ giao được cho một cán bộ hoặc quản trị đang làm việc.")
        return await _detail_page(request, user, staff_session, feedback, 400, error)
    if feedback.assigned_to != colleague.id:
        feedback.assigned_to = colleague.id
        db_of(request).add(
            FeedbackEvent(
                feedback_id=feedback.id,
                actor=f"staff:{user.username}",
                action="assign",
                note=f"Giao cho {colleague.display_name}",
            )
        )
        alert = (
            f"Phản ánh {feedback.service_request_id} ({_category(request, feedback)}) được giao "
            f"cho {colleague.display_name} (người giao: {user.display_name}). Hạn trả lời: "
            f"{local_date(feedback.expected_datetime)}. Mở trang cán bộ để xử lý."
        )
        if await alert_group(db_of(request), request.app[DEPS].staff_alerts, alert):
            request[WAKE_OUTBOX] = True
    return see_other(f"/staff/feedback/{feedback.service_request_id}")


async def add_note(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST .../note: an internal note, for colleagues only: its own line in the history,
    never sent to the resident nor shown in what they can look up."""
    feedback = await _record(request)
    form = await request.post()
    typed = {"internal": str(form.get("internal", ""))}
    try:
        note = long_text(form, "internal", MAX_REPLY)
    except web.HTTPBadRequest as refused:
        error = ("note", refused.text or "")
        return await _detail_page(request, user, staff_session, feedback, 400, error, typed)
    if not note:
        error = ("note", "Ghi chú đang trống.")
        return await _detail_page(request, user, staff_session, feedback, 400, error, typed)
    db_of(request).add(
        FeedbackEvent(
            feedback_id=feedback.id, actor=f"staff:{user.username}", action="note", note=note
        )
    )
    return see_other(f"/staff/feedback/{feedback.service_request_id}#lich-su")


async def new_form(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/feedback/new: file for a resident who phoned or walked in."""
    return _new_page(request, user, staff_session)


def _new_page(
    request: web.Request,
    user: StaffUser,
    staff_session: StaffSession,
    status: int = 200,
    error: str | None = None,
    typed: dict[str, str] | None = None,
) -> web.Response:
    context = {
        "user": user,
        "csrf": staff_session.csrf_token,
        "categories": categories_of(request),
        "error": error,
        "typed": typed or {},
    }
    return aiohttp_jinja2.render_template("new.html", request, context, status=status)


async def create(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    form = await request.post()
    ward = request.app[DEPS].catalogue.ward
    category = next((c for c in ward.feedback.categories if c.code == form.get("category")), None)
    description = str(form.get("description", "")).strip()[:2000]
    consent = form.get("consent") == "on"
    if category is None or len(description) < 5:
        typed = {
            name: str(form.get(name, "")) for name in ("category", "description", "area", "phone")
        } | {"consent": "on" if consent else ""}
        error = "Cần chọn nhóm và ghi nội dung (ít nhất vài chữ)."
        return _new_page(request, user, staff_session, 400, error, typed)
    phone = str(form.get("phone", "")).strip()[:20] if consent else None
    now = utcnow()
    feedback = await fq.create_feedback(
        db_of(request),
        actor=f"staff:{user.username}",
        service_code=category.code,
        description=description,
        requested_datetime=now,
        expected_datetime=due_at(
            now, ward.feedback.answer_working_days, ward.feedback.extra_days_off
        ),
        agency_responsible=ward.contacts[category.agency].label,
        channel="staff",
        area=str(form.get("area", "")).strip()[:200] or None,
        phone=phone or None,
        phone_consent=bool(consent and phone),
        filed_by=user.id,
    )
    return see_other(f"/staff/feedback/{feedback.service_request_id}")
