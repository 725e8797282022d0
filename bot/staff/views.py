"""Console pages. Each view runs inside the guard's transaction (request["db"]); changes that
notify the resident go through the outbox, which is woken after the commit."""

from __future__ import annotations

import csv
import io
import secrets
from datetime import datetime
from importlib import resources
from urllib.parse import urlencode

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keys import DEPS, OUTBOX
from bot.staff import auth
from bot.web.client import client_address
from db import feedback_queries as fq
from db.models import (
    CannedReply,
    Feedback,
    FeedbackEvent,
    Interaction,
    Outbox,
    StaffSession,
    StaffUser,
    User,
    utcnow,
)
from handlers.satisfaction import rating_buttons
from handlers.tracking import STATUS_LABELS
from handlers.workdays import VIETNAM, due_at

LOGIN_CSRF = "ward_login_csrf"
DB = web.RequestKey("db", AsyncSession)  # the guard's session for this request
WAKE_OUTBOX = web.RequestKey("wake_outbox", bool)
DELIVERY_LABELS = {
    "pending": "đang chờ gửi",
    "sending": "đang gửi",
    "sent": "đã gửi",
    "failed": "gửi lỗi",
    "undeliverable": "không gửi được",
    "blocked": "người dân đã chặn",
    "awaiting_pickup": "chờ người dân mở trang",
}
CHANNEL_LABELS = {
    "telegram": "Telegram",
    "zalo_bot": "Zalo Bot",
    "zalo_oa": "Zalo OA",
    "web": "Website",
    "console": "Dòng lệnh",
    "cli": "Dòng lệnh",
    "staff": "Cán bộ nhập",
}


def _local(value: datetime | None) -> str:
    return value.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M") if value else ""


FILTERS = {
    "local": _local,
    "status_label": lambda s: STATUS_LABELS.get(s, s),
    "delivery_label": lambda s: DELIVERY_LABELS.get(s, s or ""),
    "channel_label": lambda c: CHANNEL_LABELS.get(c, c),
}


def see_other(location: str) -> web.Response:
    """A redirect returned (not raised) so the transaction around the view commits."""
    return web.Response(status=303, headers={"Location": location})


def _categories(request: web.Request) -> dict[str, str]:
    ward = request.app[DEPS].catalogue.ward
    return {c.code: c.title for c in ward.feedback.categories}


def _db(request: web.Request) -> AsyncSession:
    return request[DB]


# --- sign-in -------------------------------------------------------------------------------


async def login_form(request: web.Request) -> web.Response:
    """GET /staff/login: the form, with a double-submit CSRF token."""
    token = secrets.token_urlsafe(24)
    response = aiohttp_jinja2.render_template(
        "login.html",
        request,
        {"csrf": token, "next": request.query.get("next", "/staff/"), "error": None},
    )
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="Strict", path="/staff/")
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """POST /staff/login: rate-limited, then a session cookie."""
    form = await request.post()
    if not auth.same(str(form.get("csrf", "")), request.cookies.get(LOGIN_CSRF, "-")):
        raise web.HTTPForbidden(text="Phiên đăng nhập không hợp lệ (CSRF). Tải lại trang.")
    username = str(form.get("username", "")).strip().lower()[:64]
    keys = [f"ip:{client_address(request)}", f"user:{username}"]
    async with request.app[DEPS].sessions() as session, session.begin():
        if await auth.too_many_failures(session, keys):
            raise web.HTTPTooManyRequests(text="Đăng nhập sai quá nhiều lần. Thử lại sau 15 phút.")
        user = await auth.authenticate(session, username, str(form.get("password", "")))
        if user is None:
            await auth.record_failure(session, keys)
            error = "Tên đăng nhập hoặc mật khẩu không đúng."
        else:
            token, _ = await auth.start_session(session, user)
    if user is None:
        context = {"csrf": request.cookies.get(LOGIN_CSRF, ""), "next": "/staff/", "error": error}
        return aiohttp_jinja2.render_template("login.html", request, context, status=401)
    target = str(form.get("next", "/staff/"))
    if not target.startswith("/staff/") or (target == "/staff/" and user.role == "tech_team"):
        target = "/staff/account"  # the tech team has no feedback inbox
    response = see_other(target)
    # Secure cookies whenever the browser came over https (directly or via the TLS proxy).
    secure = request.secure or request.headers.get("X-Forwarded-Proto") == "https"
    response.set_cookie(
        auth.COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        path="/staff/",
        secure=secure,
        max_age=int(auth.LONGEST.total_seconds()),
    )
    return response


async def account(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/account: who is signed in and what they may do (every role)."""
    context = {"user": user, "csrf": staff_session.csrf_token}
    return aiohttp_jinja2.render_template("account.html", request, context)


async def logout(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    await auth.end_session(_db(request), request.cookies.get(auth.COOKIE, ""))
    response = see_other("/staff/login")
    response.del_cookie(auth.COOKIE, path="/staff/")
    return response


async def stylesheet(_request: web.Request) -> web.Response:
    css = (resources.files("bot.staff") / "static" / "staff.css").read_bytes()
    return web.Response(body=css, content_type="text/css", charset="utf-8")


# --- the inbox -----------------------------------------------------------------------------


def _filtered(request: web.Request):
    q = request.query
    stmt = select(Feedback).order_by(Feedback.requested_datetime.desc())
    if q.get("status"):
        stmt = stmt.where(Feedback.status == q["status"])
    if q.get("category"):
        stmt = stmt.where(Feedback.service_code == q["category"])
    if q.get("channel"):
        stmt = stmt.where(Feedback.channel == q["channel"])
    if q.get("overdue"):
        stmt = stmt.where(
            Feedback.expected_datetime < utcnow(), Feedback.status.notin_(["answered", "resolved"])
        )
    if q.get("q"):
        like = f"%{q['q'][:100]}%"
        stmt = stmt.where(
            or_(
                Feedback.description.ilike(like),
                Feedback.service_request_id.ilike(like),
                Feedback.area.ilike(like),
            )
        )
    return stmt


async def inbox(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/: feedback with filters."""
    rows = list((await _db(request).execute(_filtered(request).limit(200))).scalars())
    context = {
        "user": user,
        "csrf": staff_session.csrf_token,
        "rows": rows,
        "now": utcnow(),
        "categories": _categories(request),
        "statuses": STATUS_LABELS,
        "channels": CHANNEL_LABELS,
        "query": dict(request.query),
        "export": "/staff/export.csv?" + urlencode(dict(request.query)),
    }
    return aiohttp_jinja2.render_template("inbox.html", request, context)


async def export_csv(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/export.csv: the filtered list (no phone numbers)."""
    rows = (await _db(request).execute(_filtered(request))).scalars()
    categories, now = _categories(request), utcnow()
    out = io.StringIO()
    writer = csv.writer(out)
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
        overdue = f.expected_datetime < now and f.status not in ("answered", "resolved")
        writer.writerow(
            [
                f.service_request_id,
                categories.get(f.service_code, f.service_code),
                STATUS_LABELS.get(f.status, f.status),
                CHANNEL_LABELS.get(f.channel),
                _local(f.requested_datetime),
                _local(f.expected_datetime),
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
    feedback = await fq.by_code(_db(request), request.match_info["code"].upper())
    if feedback is None:
        raise web.HTTPNotFound(text="Không có phản ánh này.")
    return feedback


async def detail(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/feedback/{code}: the record, the conversation, the trail, the reply box."""
    db = _db(request)
    feedback = await _record(request)
    events = (
        await db.execute(
            select(FeedbackEvent, Outbox)
            .outerjoin(Outbox, FeedbackEvent.outbox_id == Outbox.id)
            .where(FeedbackEvent.feedback_id == feedback.id)
            .order_by(FeedbackEvent.id)
        )
    ).all()
    resident = await db.get(User, feedback.user_id) if feedback.user_id else None
    conversation = []
    if resident is not None:
        conversation = list(
            (
                await db.execute(
                    select(Interaction)
                    .where(Interaction.user_id == resident.id)
                    .order_by(Interaction.id.desc())
                    .limit(30)
                )
            ).scalars()
        )[::-1]
    context = {
        "user": user,
        "csrf": staff_session.csrf_token,
        "f": feedback,
        "events": events,
        "resident": resident,
        "conversation": conversation,
        "statuses": STATUS_LABELS,
        "category": _categories(request).get(feedback.service_code, feedback.service_code),
        "staff": list((await db.execute(select(StaffUser).where(StaffUser.active))).scalars()),
        "canned": list(
            (await db.execute(select(CannedReply).order_by(CannedReply.title))).scalars()
        ),
        "overdue": feedback.expected_datetime < utcnow()
        and feedback.status not in ("answered", "resolved"),
    }
    return aiohttp_jinja2.render_template("detail.html", request, context)


async def _notify(
    request: web.Request, feedback: Feedback, text: str, kind: str, buttons: list | None = None
) -> int | None:
    """Queue a message to the resident on the channel they wrote from."""
    if feedback.user_id is None:
        return None
    resident = await _db(request).get(User, feedback.user_id)
    if resident is None:
        return None
    row = await fq.enqueue(
        _db(request),
        resident.channel,
        resident.external_id,
        text,
        kind,
        user_id=resident.id,
        buttons=[{"title": b.title, "payload": b.payload} for b in buttons or []],
    )
    request[WAKE_OUTBOX] = True
    return row.id


async def reply(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST .../reply: answer the resident (and optionally change the status)."""
    feedback = await _record(request)
    form = await request.post()
    text = str(form.get("text", "")).strip()[:2000]
    status = str(form.get("status", ""))
    if not text:
        raise web.HTTPBadRequest(text="Nội dung trả lời đang trống.")
    message = f"Phường trả lời phản ánh {feedback.service_request_id}:\n{text}"
    buttons = None
    if status == "resolved":
        message += (
            "\n\nPhản ánh đã được giải quyết. Bạn chấm giúp phường mức hài lòng từ 1 "
            "(chưa tốt) đến 5 (rất tốt)."
        )
        buttons = rating_buttons("f", feedback.service_request_id)
    outbox_id = await _notify(request, feedback, message, "feedback_reply", buttons)
    actor = f"staff:{user.username}"
    _db(request).add(
        FeedbackEvent(
            feedback_id=feedback.id, actor=actor, action="reply", note=text, outbox_id=outbox_id
        )
    )
    new_status = (
        status
        if status in STATUS_LABELS
        else ("answered" if feedback.status in ("new", "in_progress") else feedback.status)
    )
    await fq.set_status(_db(request), feedback, new_status, actor, note=text)
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
    buttons = rating_buttons("f", feedback.service_request_id) if status == "resolved" else None
    if buttons:
        message += "\nBạn chấm giúp phường mức hài lòng từ 1 (chưa tốt) đến 5 (rất tốt)."
    outbox_id = await _notify(request, feedback, message, "feedback_status", buttons)
    await fq.set_status(
        _db(request),
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
    colleague = await _db(request).get(StaffUser, int(form.get("staff_id", 0) or 0))
    if colleague is None:
        raise web.HTTPBadRequest(text="Không có cán bộ này.")
    feedback.assigned_to = colleague.id
    _db(request).add(
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
    context = {"user": user, "csrf": staff_session.csrf_token, "categories": _categories(request)}
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
        _db(request),
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
    rows = list(
        (await _db(request).execute(select(CannedReply).order_by(CannedReply.title))).scalars()
    )
    context = {"user": user, "csrf": staff_session.csrf_token, "rows": rows}
    return aiohttp_jinja2.render_template("canned.html", request, context)


async def add_canned(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    form = await request.post()
    title, text = str(form.get("title", "")).strip()[:128], str(form.get("text", "")).strip()
    if not title or not text:
        raise web.HTTPBadRequest(text="Cần tiêu đề và nội dung.")
    _db(request).add(CannedReply(title=title, text=text[:2000]))
    return see_other("/staff/canned")


async def delete_canned(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    row = await _db(request).get(CannedReply, int(request.match_info["id"]))
    if row is not None:
        await _db(request).delete(row)
    return see_other("/staff/canned")


def wake_outbox_if_needed(request: web.Request) -> None:
    """After the view's transaction committed: send what it queued right away."""
    if request.get(WAKE_OUTBOX) and OUTBOX in request.app:
        request.app[OUTBOX].wake()
