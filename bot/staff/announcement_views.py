"""Announcement pages of the console: the tech team drafts, an admin approves, everyone
follows the delivery. Previews use the sender's own renderer, so staff see exactly what
residents get. Each view runs inside the guard's transaction. What staff do from an
announcement's page (submit, approve, cancel) is in announcement_actions.py."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from importlib import resources
from typing import Any

from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.registry import configured_names
from bot.keys import DEPS, SETTINGS
from bot.staff import common
from bot.staff.common import db_of, see_other
from content.areas import area_key
from db import announcement_queries as aq
from db import contest_queries as cq
from db import staff_queries as sq
from db.models import Announcement, StaffSession, StaffUser, utcnow
from handlers.domain import announcement_card as card
from handlers.domain import announcements as flow
from handlers.domain.actions import number_arg
from handlers.domain.announcements import MAX_TEXT, AnnouncementError, Draft, Queuer
from handlers.domain.calendar import VIETNAM
from handlers.domain.recurrence import PRESETS, RecurrenceError, describe
from handlers.domain.vocabulary import TOPICS

FORM_ERRORS = (AnnouncementError, RecurrenceError)  # both carry a message for staff
DONE_MESSAGES = {  # fixed texts picked by ?done=, so a link cannot put words on the page
    "submitted": "Đã gửi cho quản trị duyệt.",
    "approved": "Đã duyệt. Thông báo sẽ đi ngay, hoặc đúng giờ đã hẹn.",
    "cancelled": "Đã hủy thông báo.",
    "run_cancelled": "Đã hủy lần gửi đó; các lần khác của chuỗi vẫn gửi theo lịch.",
}
NOT_QUEUED = ("draft", "submitted", "approved")  # an audience estimate still makes sense
# "Tin khẩn" is the emergency switch, not a topic to pick: the form offers the others (an
# announcement stored with it keeps it, and residents may still follow it in the chat).
EMERGENCY_TOPIC = "tin-khan"
FORM_TOPICS = {code: title for code, title in TOPICS.items() if code != EMERGENCY_TOPIC}
UPCOMING = 6  # runs of a series listed ahead, each cancellable


# --- loading and small helpers ---------------------------------------------------------------


async def announcement_of(request: web.Request) -> Announcement:
    raw = request.match_info["id"]
    number = number_arg(raw)
    found = await aq.get(db_of(request), number) if number is not None else None
    if found is None:
        raise web.HTTPNotFound(text="Không có thông báo này.")
    return found


def ward_channels(request: web.Request) -> dict[str, str]:
    """The channels this ward can send on (its settings; the web chat is always on), with
    their names: the only ones the form offers, previews and counts."""
    return {c: card.CHANNELS[c] for c in configured_names(request.app[SETTINGS])}


def queuer(request: web.Request) -> Queuer:
    return Queuer(request.app[DEPS].catalogue.ward.name, tuple(ward_channels(request)))


def _own(user: StaffUser, announcement: Announcement) -> bool:
    mine = {f"staff:{user.username}"}
    if user.telegram_user_id:
        mine.add(f"telegram:{user.telegram_user_id}")  # drafted with the Telegram command
    return announcement.created_by in mine


def may_edit(user: StaffUser, announcement: Announcement) -> bool:
    """One ownership rule for editing, submitting and withdrawing: before approval, an admin
    or the one who drafted it."""
    return announcement.status in flow.EDITABLE and (
        user.role == "admin" or _own(user, announcement)
    )


NOT_YOURS = "Bạn chỉ sửa, gửi duyệt hoặc hủy được thông báo do mình soạn, khi chưa được duyệt."


def may_cancel(user: StaffUser, announcement: Announcement) -> bool:
    """An admin stops any; its author withdraws it until it starts going out (a draft, or
    approved and waiting for its time, or a series between runs)."""
    if announcement.status in ("done", "cancelled"):
        return False
    if user.role == "admin":
        return True
    return announcement.status in (*flow.EDITABLE, "approved") and _own(user, announcement)


async def _names(db: AsyncSession, actors: list[str | None]) -> dict[str, str]:
    """ "staff:lan" -> "Nguyễn Thị Lan (lan)" for the actors that are console accounts."""
    usernames = [a.removeprefix("staff:") for a in actors if a and a.startswith("staff:")]
    if not usernames:
        return {}
    accounts = await sq.by_usernames(db, usernames)
    return {f"staff:{u.username}": f"{u.display_name} ({u.username})" for u in accounts}


def page(
    request: web.Request,
    template: str,
    user: StaffUser,
    staff_session: StaffSession,
    status: int = 200,
    **context: Any,
) -> web.Response:
    context |= {"topics": TOPICS}
    return common.page(request, template, user, staff_session, status, **context)


# --- the list --------------------------------------------------------------------------------


async def index(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/announcements: the newest first, with their delivery figures."""
    db = db_of(request)
    rows = await aq.recent(db, 100)
    counts = await aq.delivery_counts(db, [a.id for a in rows if a.queued_at is not None])
    return page(
        request,
        "announcements.html",
        user,
        staff_session,
        rows=rows,
        counts=counts,
        describe=describe,
        waiting=[a for a in rows if a.status == "submitted"],
    )


# --- the form --------------------------------------------------------------------------------


def _input_time(value: datetime | None) -> str:
    """An aware UTC time as the value of a datetime-local field (ward time)."""
    return value.astimezone(VIETNAM).strftime("%Y-%m-%dT%H:%M") if value else ""


def _parse_time(value: str) -> datetime | None:
    """A datetime-local value, read in the ward's time zone; empty = as soon as approved."""
    if not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise AnnouncementError(
            "Giờ gửi chưa đúng (cần ngày và giờ, ví dụ 25/12 08:00)."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=VIETNAM)
    return moment.astimezone(UTC)


def _repeat_choice(rule: str | None) -> str:
    """The select's value for a stored RRULE: its preset name, or the rule itself."""
    return next((key for key, (text, _) in PRESETS.items() if text == rule), rule or "")


def _values_of(announcement: Announcement | None) -> dict[str, Any]:
    """The form's fields for an existing announcement (or a blank one)."""
    if announcement is None:
        return {
            "text": "",
            "image_url": "",
            "link_url": "",
            "topics": [],
            "areas": "",
            "channels": [],
            "send_at": "",
            "repeat": "",
            "emergency": False,
            "invite": "",
        }
    return {
        "text": announcement.text,
        "image_url": announcement.image_url or "",
        "link_url": announcement.link_url or "",
        "topics": list(announcement.topics),
        "areas": ", ".join(announcement.areas),
        "channels": list(announcement.channels),
        "send_at": _input_time(announcement.send_at),
        "repeat": _repeat_choice(announcement.recurrence),
        "emergency": announcement.emergency,
        "invite": announcement.invite or "",
    }


def _values_from(form: MultiDictProxy[Any]) -> dict[str, Any]:
    """What was typed, kept as is so an error page shows it again."""

    def text(name: str, limit: int = 600) -> str:
        return str(form.get(name, ""))[:limit]

    return {
        "text": text("text", 4 * MAX_TEXT),
        "image_url": text("image_url").strip(),
        "link_url": text("link_url").strip(),
        "topics": [str(t) for t in form.getall("topics", []) if t][:20],
        "areas": text("areas", 6000),
        "channels": [str(c) for c in form.getall("channels", []) if c][:10],
        "send_at": text("send_at", 40),
        "repeat": text("repeat", 200).strip(),
        "emergency": form.get("emergency") == "on",
        "invite": text("invite", 80).strip(),
    }


def _draft(values: dict[str, Any], configured: dict[str, str]) -> Draft:
    off = [c for c in values["channels"] if c in card.CHANNELS and c not in configured]
    if off:
        names = ", ".join(card.CHANNELS[c] for c in off)
        raise AnnouncementError(f"Phường chưa kết nối kênh {names}: bỏ chọn kênh này.")
    return Draft(
        text=values["text"],
        image_url=values["image_url"] or None,
        link_url=values["link_url"] or None,
        topics=values["topics"],
        areas=re.split(r"[,;\n]", values["areas"]),
        channels=values["channels"],
        emergency=values["emergency"],
        send_at=_parse_time(values["send_at"]),
        recurrence=values["repeat"] or None,
        invite=values["invite"] or None,
    )


async def _form(
    request: web.Request,
    user: StaffUser,
    staff_session: StaffSession,
    announcement: Announcement | None,
    values: dict[str, Any],
    error: str | None = None,
) -> web.Response:
    areas = [(_suggestion(key), n) for key, n in await aq.known_areas(db_of(request), 300)]
    repeats = {key: label for key, (_, label) in PRESETS.items()}
    invites = {
        f"course:{course.id}": f"Khóa học: {course.title}"
        for course in request.app[DEPS].catalogue.courses.values()
    }
    contests = await cq.titles_not_over(db_of(request), utcnow())
    invites.update({f"contest:{i}": f"Cuộc thi: {title}" for i, title in contests})
    if values["repeat"] and values["repeat"] not in repeats:
        repeats[values["repeat"]] = values["repeat"]  # a rule set from the command line
    return page(
        request,
        "announcement_form.html",
        user,
        staff_session,
        status=400 if error else 200,
        a=announcement,
        values=values,
        error=error,
        channels=ward_channels(request),
        form_topics=FORM_TOPICS | {t: TOPICS[t] for t in values["topics"] if t in TOPICS},
        reach_limits=card.REACH_LIMITS,
        repeats=repeats,
        known_areas=areas,
        max_text=MAX_TEXT,
        invites=invites,
    )


def _suggestion(key: str) -> str:
    """An area key as staff would type it ("3" -> "TDP 3"), when it reads back as the same key
    (targeting folds what is typed the same way as what residents gave)."""
    typed = f"TDP {key}"
    return typed if area_key(typed) == key else key


async def new_form(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/announcements/new."""
    return await _form(request, user, staff_session, None, _values_of(None))


async def create(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/announcements/new: a draft, then its page with the previews."""
    values = _values_from(await request.post())
    try:
        draft = _draft(values, ward_channels(request))
        announcement = await flow.create(db_of(request), draft, f"staff:{user.username}")
    except FORM_ERRORS as exc:
        return await _form(request, user, staff_session, None, values, message(exc))
    return see_other(f"/staff/announcements/{announcement.id}")


async def edit_form(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/announcements/{id}/edit (only before approval)."""
    announcement = await announcement_of(request)
    if announcement.status not in flow.EDITABLE:
        return see_other(f"/staff/announcements/{announcement.id}")
    if not may_edit(user, announcement):
        raise web.HTTPForbidden(text=NOT_YOURS)
    return await _form(request, user, staff_session, announcement, _values_of(announcement))


async def edit(request: web.Request, user: StaffUser, staff_session: StaffSession) -> web.Response:
    """POST /staff/announcements/{id}/edit: an edited text goes back to draft."""
    announcement = await announcement_of(request)
    if announcement.status in flow.EDITABLE and not may_edit(user, announcement):
        raise web.HTTPForbidden(text=NOT_YOURS)
    values = _values_from(await request.post())
    try:
        await flow.edit(db_of(request), announcement, _draft(values, ward_channels(request)))
    except FORM_ERRORS as exc:
        return await _form(request, user, staff_session, announcement, values, message(exc))
    return see_other(f"/staff/announcements/{announcement.id}")


def message(exc: Exception) -> str:
    text = str(exc)
    return text[:1].upper() + text[1:]


async def audience_json(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/announcements/audience: how many residents the form's current choices
    reach, per channel, for the form to show as staff choose (the guard checks the role and
    the form's CSRF token). Nothing is stored."""
    values = _values_from(await request.post())
    configured = ward_channels(request)
    topics = [t for t in values["topics"] if t in TOPICS]
    shape = Announcement(
        topics=topics,
        areas=[a for a in re.split(r"[,;\n]", values["areas"]) if a.strip()][: flow.MAX_AREAS],
        channels=[c for c in values["channels"] if c in configured],
        emergency=values["emergency"],
    )
    note = None
    if not shape.emergency and not topics:
        counts = {c: 0 for c in configured if not shape.channels or c in shape.channels}
        note = "Chọn ít nhất một chủ đề (hoặc đánh dấu tin khẩn) để tính người nhận."
    else:
        counts = await queuer(request).audience(db_of(request), shape)
    return web.json_response(
        {
            "total": sum(counts.values()),
            "channels": [
                {"code": c, "name": configured[c], "count": n} for c, n in counts.items()
            ],
            "note": note,
        },
        headers={"Cache-Control": "no-store"},
    )


async def form_script(_request: web.Request) -> web.Response:
    """GET /staff/static/announcement-form.js: the form's live audience count (a file of its
    own: the console's policy allows no inline script)."""
    js = (resources.files("bot.staff") / "static" / "announcement-form.js").read_bytes()
    return web.Response(body=js, content_type="text/javascript", charset="utf-8")


# --- one announcement ------------------------------------------------------------------------


def _previews(
    announcement: Announcement, ward_name: str, configured: dict[str, str]
) -> list[dict[str, Any]]:
    """What a resident on each target channel the ward has receives."""
    channels = [c for c in configured if not announcement.channels or c in announcement.channels]
    previews = []
    for channel in channels:
        reply = card.render(announcement, channel, ward_name)
        previews.append(
            {
                "channel": channel,
                "name": card.CHANNELS[channel],
                "reply": reply,
                "typed": channel in card.WITHOUT_BUTTONS,
                "limit": card.REACH_LIMITS.get(channel),
            }
        )
    return previews


async def _runs(db: AsyncSession, series: Announcement) -> list[tuple[Announcement, aq.Stats]]:
    """The latest runs of a series, each with its figures."""
    runs = await aq.latest_runs(db, series.id, 20)
    return [(run, await aq.stats(db, run.id)) for run in runs]


async def upcoming_runs(db: AsyncSession, series: Announcement) -> list[tuple[datetime, bool]]:
    """The next runs of an approved series, each with whether it was cancelled."""
    if series.status != "approved" or not series.recurrence:
        return []
    return flow.upcoming_runs(series, await aq.cancelled_runs(db, series.id), UPCOMING)


async def detail_page(
    request: web.Request,
    user: StaffUser,
    staff_session: StaffSession,
    announcement: Announcement,
    error: str | None = None,
) -> web.Response:
    db = db_of(request)
    queued = announcement.queued_at is not None or announcement.status in ("sending", "done")
    audience = None
    if announcement.status in NOT_QUEUED:
        audience = await queuer(request).audience(db, announcement)
    replies: list[str] = []
    if user.role == "admin":  # only feedback roles may open the replies themselves
        replies = await aq.reply_codes(db, announcement.id, 20)
    return page(
        request,
        "announcement_detail.html",
        user,
        staff_session,
        status=400 if error else 200,
        a=announcement,
        error=error,
        done=DONE_MESSAGES.get(request.query.get("done", "")),
        previews=_previews(
            announcement, request.app[DEPS].catalogue.ward.name, ward_channels(request)
        ),
        audience=audience,
        stats=await aq.stats(db, announcement.id) if queued else None,
        runs=await _runs(db, announcement) if announcement.recurrence else [],
        upcoming=await upcoming_runs(db, announcement),
        reply_codes=replies,
        names=await _names(db, [announcement.created_by, announcement.approved_by]),
        describe=describe,
        channels=card.CHANNELS,
        may_edit=may_edit(user, announcement),
        moment=run_value,
        version=flow.version(announcement),
        may_approve=user.role == "admin" and announcement.status in flow.EDITABLE,
        may_cancel=may_cancel(user, announcement),
        refresh=_moving(announcement),
    )


def run_value(moment: datetime) -> str:
    """A run's time as the cancel form posts it back (UTC, to the second)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _moving(announcement: Announcement) -> bool:
    """Sending, or approved and about to be queued: the page refreshes itself."""
    if announcement.status == "sending":
        return True
    due = announcement.send_at is None or announcement.send_at <= utcnow()
    return announcement.status == "approved" and not announcement.recurrence and due


async def detail(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/announcements/{id}: previews, audience, approvals and delivery figures."""
    return await detail_page(request, user, staff_session, await announcement_of(request))
