"""Feedback pages of the console. Each view runs inside the guard's transaction; changes that
notify the resident go through the outbox, which is woken after the commit."""

from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web

from bot.keys import DEPS
from bot.safe_cells import csv_text
from bot.staff.common import (
    CHANNEL_LABELS,
    MAX_REPLY,
    WAKE_OUTBOX,
    categories_of,
    db_of,
    local_time,
    long_text,
    see_other,
)
from bot.staff.photo_views import photo_address
from bot.staff.ward_views import unfilled_count
from db import feedback_queries as fq
from db import question_queries as qq
from db import staff_queries as sq
from db.masking import mask
from db.models import CannedReply, Feedback, FeedbackEvent, StaffSession, StaffUser, User, utcnow
from handlers.domain.actions import number_arg
from handlers.domain.calendar import due_at
from handlers.domain.vocabulary import STATUS_LABELS
from handlers.features.satisfaction import RESOLVED_QUESTION, rating_buttons

# --- the inbox -----------------------------------------------------------------------------


def _filters(request: web.Request) -> fq.InboxFilter:
    """The inbox's filters from the address (the CSV link carries the same ones)."""
    q = request.query
    return fq.InboxFilter(
        status=q.get("status", ""),
        category=q.get("category", ""),
        channel=q.get("channel", ""),
        announcement_id=number_arg(q.get("announcement", "")),
        overdue=bool(q.get("overdue")),
        search=q.get("q", "")[:100],
    )


async def inbox(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/: feedback with filters."""
    rows = await fq.inbox(db_of(request), _filters(request), utcnow(), limit=200)
    context = {
        "user": user,
        "csrf": staff_session.csrf_token,
        "rows": rows,
        "now": utcnow(),
        "categories": categories_of(request),
        "statuses": STATUS_LABELS,
        "channels": CHANNEL_LABELS,
        "query": dict(request.query),
        "export": "/staff/export.csv?" + urlencode(dict(request.query)),
        # Admins see how much of the ward's own data residents still miss.
        "unfilled": await unfilled_count(request) if user.role == "admin" else 0,
        "questions_open": await qq.open_count(db_of(request)),
    }
    return aiohttp_jinja2.render_template("inbox.html", request, context)


async def export_csv(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/export.csv: the filtered list (no phone numbers)."""
    rows = await fq.inbox(db_of(request), _filters(request), utcnow())
    categories, now = categories_of(request), utcnow()
    out = io.StringIO()
    writer = csv.writer(out)

    def write(fields: list) -> None:  # residents' words never become formulas
        writer.writerow([csv_text(field) for field in fields])

    writer.writerow(
        [
            "Mã",
            "Nhóm",
            "Tình trạng",
            "Kênh",
            "Ngày gửi",
            "Hạn trả lời",
            "Quá hạn",
            "Khu vực",
            "Nội dung",
            "Bộ phận phụ trách",
        ]
    )
    for f in rows:
        overdue = fq.overdue(f, now)
        write(
            [
                f.service_request_id,
                categories.get(f.service_code, f.service_code),
                STATUS_LABELS.get(f.status, f.status),
                CHANNEL_LABELS.get(f.channel),
                local_time(f.requested_datetime),
                local_time(f.expected_datetime),
                "có" if overdue else "",
                f.area or "",
                f.description,
                f.agency_responsible or "",
            ]
        )
    return web.Response(
        body=("\ufeff" + out.getvalue()).encode(),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": 'attachment; filename="phan-anh.csv"'},
    )


# --- one record ----------------------------------------------------------------------------


async def _record(request: web.Request) -> Feedback:
    feedback = await fq.by_code(db_of(request), request.match_info["code"].upper())
    if feedback is None:
        raise web.HTTPNotFound(text="Không có phản ánh này.")
    return feedback


async def detail(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/feedback/{code}: the record, the conversation, the trail, the reply box."""
    db = db_of(request)
    feedback = await _record(request)
    events = await fq.trail(db, feedback.id)
    resident = await db.get(User, feedback.user_id) if feedback.user_id else None
    conversation = await fq.conversation(db, resident.id) if resident is not None else []
    context = {
        "user": user,
        "csrf": staff_session.csrf_token,
        "f": feedback,
        "events": events,
        "resident": resident,
        "conversation": conversation,
        "statuses": STATUS_LABELS,
        "category": categories_of(request).get(feedback.service_code, feedback.service_code),
        "staff": await sq.active_staff(db),
        "canned": await fq.canned_replies(db),
        "overdue": fq.overdue(feedback, utcnow()),
        "photo": photo_address(feedback),
    }
    return aiohttp_jinja2.render_template("detail.html", request, context)


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


async def reply(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST .../reply: answer the resident (and optionally change the status)."""
    feedback = await _record(request)
    form = await request.post()
    text = long_text(form, "text", MAX_REPLY)
    status = str(form.get("status", ""))
    if not text:
        raise web.HTTPBadRequest(text="Nội dung trả lời đang trống.")
    message = f"Phường trả lời phản ánh {feedback.service_request_id}:\n{text}"
    if status == "resolved":
        message += "\n\nPhản ánh đã được giải quyết."
    message, buttons = _ask_rating_if_resolved(message, feedback, status)
    outbox_id = await _notify(request, feedback, message, "feedback_reply", buttons)
    actor = f"staff:{user.username}"
    db_of(request).add(
        FeedbackEvent(
            feedback_id=feedback.id, actor=actor, action="reply", note=text, outbox_id=outbox_id
        )
    )
    new_status = (
        status
        if status in STATUS_LABELS
        else ("answered" if feedback.status in ("new", "in_progress") else feedback.status)
    )
    await fq.set_status(db_of(request), feedback, new_status, actor, note=text)
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
        raise web.HTTPBadRequest(text="Tình trạng không hợp lệ.")
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
    """POST .../assign: hand the record to a colleague."""
    feedback = await _record(request)
    form = await request.post()
    staff_id = number_arg(str(form.get("staff_id", "")))
    colleague = await db_of(request).get(StaffUser, staff_id) if staff_id is not None else None
    if colleague is None:
        raise web.HTTPBadRequest(text="Không có cán bộ này.")
    feedback.assigned_to = colleague.id
    db_of(request).add(
        FeedbackEvent(
            feedback_id=feedback.id,
            actor=f"staff:{user.username}",
            action="assign",
            note=f"Giao cho {colleague.display_name}",
        )
    )
    return see_other(f"/staff/feedback/{feedback.service_request_id}")


async def new_form(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/feedback/new: file for a resident who phoned or walked in."""
    context = {
        "user": user,
        "csrf": staff_session.csrf_token,
        "categories": categories_of(request),
    }
    return aiohttp_jinja2.render_template("new.html", request, context)


async def create(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    form = await request.post()
    ward = request.app[DEPS].catalogue.ward
    category = next((c for c in ward.feedback.categories if c.code == form.get("category")), None)
    description = str(form.get("description", "")).strip()[:2000]
    if category is None or len(description) < 5:
        raise web.HTTPBadRequest(text="Cần chọn nhóm và ghi nội dung.")
    consent = form.get("consent") == "on"
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


# --- canned replies (admin) ------------------------------------------------------------------


async def canned(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    rows = await fq.canned_replies(db_of(request))
    context = {"user": user, "csrf": staff_session.csrf_token, "rows": rows}
    return aiohttp_jinja2.render_template("canned.html", request, context)


async def add_canned(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    form = await request.post()
    title, text = str(form.get("title", "")).strip()[:128], str(form.get("text", "")).strip()
    if not title or not text:
        raise web.HTTPBadRequest(text="Cần tiêu đề và nội dung.")
    db_of(request).add(CannedReply(title=title, text=text[:2000]))
    return see_other("/staff/canned")


async def delete_canned(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    number = number_arg(request.match_info["id"])
    row = await db_of(request).get(CannedReply, number) if number is not None else None
    if row is None:
        raise web.HTTPNotFound(text="Không có mẫu trả lời này.")
    await db_of(request).delete(row)
    return see_other("/staff/canned")
