"""What the console's pages share: request keys, labels, template filters, redirects."""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keys import DEPS, OUTBOX, SCHEDULER
from db import announcement_queries as aq
from db import feedback_queries as fq
from db import staff_queries as sq
from db.models import StaffSession, StaffUser
from handlers.domain.calendar import VIETNAM
from handlers.domain.vocabulary import ACTOR_LABELS, ROLE_LABELS, STATUS_LABELS
from handlers.domain.vocabulary import CHANNEL_LABELS as CHANNEL_LABELS

DB = web.RequestKey("db", AsyncSession)  # the guard's session for this request
WAKE_OUTBOX = web.RequestKey("wake_outbox", bool)
WAKE_SCHEDULER = web.RequestKey("wake_scheduler", bool)  # an announcement was approved
CONTESTS_CHANGED = web.RequestKey("contests_changed", bool)  # the chat's menu must re-read
WARD_CHANGED = web.RequestKey("ward_changed", bool)  # the ward's data was saved
LEARNED_CHANGED = web.RequestKey("learned_changed", bool)  # staff taught the assistant
DELIVERY_LABELS = {
    "pending": "đang chờ gửi",
    "sending": "đang gửi",
    "sent": "đã gửi",
    "failed": "gửi lỗi",
    "undeliverable": "không gửi được",
    "blocked": "người dân đã chặn",
    "awaiting_pickup": f"chờ người dân mở {CHANNEL_LABELS['web']}",
    "cancelled": "đã hủy",
}
ANNOUNCEMENT_LABELS = {
    "draft": "Bản nháp",
    "submitted": "Chờ duyệt",
    "approved": "Đã duyệt – chờ gửi",
    "sending": "Đang gửi",
    "done": "Đã gửi xong",
    "cancelled": "Đã hủy",
}


MAX_REPLY = 4000  # a staff answer; the channels split a long one at paragraph breaks
MAX_TAUGHT = 2000  # an answer taught to the assistant (one card)


def long_text(form: Any, field: str, limit: int) -> str:
    """A text field of a form, whole: longer than `limit` is refused, never cut mid-word."""
    text = str(form.get(field, "")).strip()
    if len(text) > limit:
        raise web.HTTPBadRequest(
            text=f"Nội dung dài {len(text):,} ký tự, quá {limit:,} ký tự cho phép: bạn rút gọn "
            "hoặc chia thành hai lần gửi.".replace(",", ".")
        )
    return text


def local_time(value: datetime | None) -> str:
    return value.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M") if value else ""


def first_line(text: str | None, limit: int = 90) -> str:
    """The start of a text, for lists."""
    line = (text or "").strip().split("\n", 1)[0]
    return line if len(line) <= limit else line[: limit - 1] + "…"


FILTERS = {
    "local": local_time,
    "status_label": lambda s: STATUS_LABELS.get(s, s),
    "delivery_label": lambda s: DELIVERY_LABELS.get(s, s or ""),
    "channel_label": lambda c: CHANNEL_LABELS.get(c, c),
    "announcement_label": lambda s: ANNOUNCEMENT_LABELS.get(s, s),
    "first_line": first_line,
    "role_label": lambda r: ROLE_LABELS.get(r, r),
}
FEEDBACK_ROLES = frozenset({"admin", "staff"})  # who handles phản ánh
HOME = {"tech_team": "/staff/announcements"}  # the tech team has no feedback inbox


async def remember_navigation(
    request: web.Request, session: AsyncSession, user: StaffUser
) -> None:
    """What every page's navigation shows besides the links: the records assigned to this
    officer still waiting for an answer (the badge)."""
    if user.role in FEEDBACK_ROLES:
        count = await fq.assigned_open(session, user.id)
        with warnings.catch_warnings():  # aiohttp_jinja2's key is a str; aiohttp asks for
            warnings.simplefilter("ignore", web.NotAppKeyWarning)  # typed keys: its own API
            request[aiohttp_jinja2.REQUEST_CONTEXT_KEY] = {"assigned_open": count}


async def actor_names(session: AsyncSession, actors: list[str]) -> dict[str, str]:
    """How the history names who did what: a console account by its display name
    ("staff:an" -> "Lê Thị An"), the resident and the system in words."""
    usernames = [a.removeprefix("staff:") for a in actors if a.startswith("staff:")]
    accounts = await sq.by_usernames(session, list(set(usernames))) if usernames else []
    return ACTOR_LABELS | {f"staff:{u.username}": u.display_name for u in accounts}


def see_other(location: str) -> web.Response:
    """A redirect returned (not raised) so the transaction around the view commits."""
    return web.Response(status=303, headers={"Location": location})


def categories_of(request: web.Request) -> dict[str, str]:
    ward = request.app[DEPS].catalogue.ward
    return {c.code: c.title for c in ward.feedback.categories}


def db_of(request: web.Request) -> AsyncSession:
    return request[DB]


def refresh_contests_if_needed(request: web.Request) -> None:
    """After the view's transaction committed: the chat's menus show the change at once."""
    if request.get(CONTESTS_CHANGED) and DEPS in request.app:
        request.app[DEPS].contests.invalidate()


def refresh_ward_if_needed(request: web.Request) -> None:
    """After the view's transaction committed: this process's next answer reads the ward's
    saved data again (other processes within a second)."""
    if request.get(WARD_CHANGED) and DEPS in request.app:
        request.app[DEPS].live_ward.invalidate()


def refresh_learned_if_needed(request: web.Request) -> None:
    """After the view's transaction committed: this process answers from what was just taught
    at the next message (other processes within a second)."""
    if request.get(LEARNED_CHANGED) and DEPS in request.app:
        request.app[DEPS].learned.invalidate()


def wake_outbox_if_needed(request: web.Request) -> None:
    """After the view's transaction committed: send what it queued right away."""
    if request.get(WAKE_OUTBOX) and OUTBOX in request.app:
        request.app[OUTBOX].wake()


def wake_scheduler_if_needed(request: web.Request) -> None:
    """After the view's transaction committed: an approved announcement is visible to the
    scheduler now, so let it queue the message at once instead of at its next look."""
    if request.get(WAKE_SCHEDULER) and SCHEDULER in request.app:
        request.app[SCHEDULER].wake()


async def navigation(request: web.Request, session: AsyncSession, user: StaffUser) -> None:
    """What the header shows on every page, whichever view renders it (template context
    merged by aiohttp_jinja2): for an admin, how many announcements wait for approval."""
    if user.role == "admin":
        extra = {"waiting_approvals": await aq.waiting_approval(session)}
        merged = request.get(aiohttp_jinja2.REQUEST_CONTEXT_KEY) or {}
        with warnings.catch_warnings():  # aiohttp_jinja2 reads it under a plain string key
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            request[aiohttp_jinja2.REQUEST_CONTEXT_KEY] = merged | extra


def page(
    request: web.Request,
    template: str,
    user: StaffUser,
    staff_session: StaffSession,
    status: int = 200,
    **context: Any,
) -> web.Response:
    """A console page: the signed-in user and the form token are always in the context."""
    context |= {"user": user, "csrf": staff_session.csrf_token}
    return aiohttp_jinja2.render_template(template, request, context, status=status)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def attachment(body: bytes, filename: str, content_type: str = XLSX) -> web.Response:
    """A file to download; staff files name residents, so no cache keeps a copy."""
    return web.Response(
        body=body,
        content_type=content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )
