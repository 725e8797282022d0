"""What staff do to an announcement from its page: send it for approval, approve it (an
emergency or a send time already past asks first), cancel it or one run of its series (asked
first). Each runs inside the guard's transaction; an approval wakes the scheduler only after
that transaction commits (see common.WAKE_SCHEDULER)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.staff import common
from bot.staff.announcement_views import (
    FORM_ERRORS,
    NOT_YOURS,
    announcement_of,
    detail_page,
    may_cancel,
    may_edit,
    message,
    page,
    queuer,
    run_value,
    upcoming_runs,
)
from bot.staff.common import WAKE_SCHEDULER, db_of, see_other
from db import announcement_queries as aq
from db.models import Announcement, StaffSession, StaffUser, utcnow
from handlers.domain import announcement_card as card
from handlers.domain import announcements as flow
from handlers.domain.announcements import AnnouncementError, LateSend

NOT_YOURS_TO_CANCEL = "Bạn chỉ hủy được thông báo do mình soạn, trước khi nó bắt đầu gửi."


async def submit(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST .../submit: the tech team asks an admin to approve."""
    announcement = await announcement_of(request)
    if announcement.status in flow.EDITABLE and not may_edit(user, announcement):
        raise web.HTTPForbidden(text=NOT_YOURS)
    try:
        await flow.submit(announcement)
    except AnnouncementError as exc:
        return await detail_page(request, user, staff_session, announcement, str(exc))
    return see_other(f"/staff/announcements/{announcement.id}?done=submitted")


def _ask(
    request: web.Request,
    user: StaffUser,
    staff_session: StaffSession,
    announcement: Announcement,
    **ask: Any,
) -> web.Response:
    """A page that asks before acting: `question`, `details` (lines), the form's `action`,
    its `hidden` fields, the `yes` button; "Chưa, quay lại" goes back to the announcement."""
    return page(request, "announcement_ask.html", user, staff_session, a=announcement, **ask)


async def approve(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST .../approve (admin): an emergency asks once more, naming how many it reaches; a
    send time that passed while it waited asks "Gửi ngay?"."""
    announcement = await announcement_of(request)
    form = await request.post()
    confirmed, seen = form.get("confirm") == "yes", str(form.get("version", ""))
    late = form.get("late") == "yes"
    if announcement.emergency and not confirmed and announcement.status in flow.EDITABLE:
        audience = await queuer(request).audience(db_of(request), announcement)
        return page(
            request,
            "announcement_confirm.html",
            user,
            staff_session,
            a=announcement,
            version=seen,
            total=sum(audience.values()),
            channel_names=[card.CHANNELS[c] for c in audience],
        )
    try:
        await flow.approve(
            announcement,
            f"staff:{user.username}",
            confirm_emergency=confirmed,
            seen_version=seen,
            send_late=late,
        )
    except LateSend as exc:
        return _ask(
            request,
            user,
            staff_session,
            announcement,
            title="Gửi ngay?",
            question=f"{exc} Gửi ngay bây giờ?",
            details=[
                "Nếu nội dung không còn hợp lúc này, bấm “Chưa, quay lại”: người soạn sửa giờ "
                "gửi rồi gửi duyệt lại."
            ],
            action=f"/staff/announcements/{announcement.id}/approve",
            hidden={"version": seen, "confirm": "yes" if confirmed else "", "late": "yes"},
            yes="Gửi ngay",
        )
    except FORM_ERRORS as exc:
        return await detail_page(request, user, staff_session, announcement, message(exc))
    request[WAKE_SCHEDULER] = True  # the guard wakes it once this is committed
    return see_other(f"/staff/announcements/{announcement.id}?done=approved")


async def _cancel_details(db: AsyncSession, announcement: Announcement) -> list[str]:
    """What cancelling changes, said before it is done."""
    if announcement.recurrence and announcement.status == "approved":
        runs = [at for at, skipped in await upcoming_runs(db, announcement) if not skipped]
        lines = ["Cả chuỗi dừng: các lần gửi sắp tới sẽ không đi nữa."]
        lines += [f"• {common.local_time(at)}" for at in runs]
        lines.append("Các lần đã gửi vẫn giữ nguyên kết quả.")
        return lines
    if announcement.status == "sending":
        stats = await aq.stats(db, announcement.id)
        return [
            f"Thông báo đang gửi: {stats.waiting} tin chưa gửi sẽ dừng lại; "
            f"{stats.delivered} tin đã tới người dân thì không rút lại được."
        ]
    if announcement.status == "approved":
        when = common.local_time(announcement.send_at) if announcement.send_at else "ngay"
        return [f"Thông báo đã duyệt, hẹn gửi {when}, sẽ không được gửi."]
    return ["Bản nháp sẽ bị hủy: không ai nhận được thông báo này."]


async def cancel(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST .../cancel: asks first (confirm=yes cancels). An admin stops any; its author
    withdraws it until it starts going out."""
    announcement = await announcement_of(request)
    if user.role != "admin" and not may_cancel(user, announcement):
        raise web.HTTPForbidden(text=NOT_YOURS_TO_CANCEL)
    form = await request.post()
    if form.get("confirm") != "yes" and announcement.status not in ("done", "cancelled"):
        series = bool(announcement.recurrence) and announcement.status == "approved"
        return _ask(
            request,
            user,
            staff_session,
            announcement,
            title="Hủy cả chuỗi?" if series else "Hủy thông báo?",
            question=(
                f"Hủy {'cả chuỗi thông báo' if series else 'thông báo'} #{announcement.id}?"
            ),
            details=await _cancel_details(db_of(request), announcement),
            action=f"/staff/announcements/{announcement.id}/cancel",
            hidden={"confirm": "yes"},
            yes="Hủy cả chuỗi" if series else "Hủy thông báo",
        )
    try:
        await flow.cancel(db_of(request), announcement)
    except AnnouncementError as exc:
        return await detail_page(request, user, staff_session, announcement, str(exc))
    return see_other(f"/staff/announcements/{announcement.id}?done=cancelled")


def _run_time(raw: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else None


async def cancel_run(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST .../runs/cancel (field `at`: a run's time): asks first, then skips that one run;
    the rest of the series goes on."""
    series = await announcement_of(request)
    if not may_cancel(user, series):
        raise web.HTTPForbidden(text=NOT_YOURS_TO_CANCEL)
    form = await request.post()
    at = _run_time(str(form.get("at", ""))[:40])
    if at is None or not flow.may_cancel_run(series, at, utcnow()):
        message = "Lần gửi này không còn hủy được (đã qua hoặc không thuộc chuỗi)."
        return await detail_page(request, user, staff_session, series, message)
    if form.get("confirm") != "yes":
        return _ask(
            request,
            user,
            staff_session,
            series,
            title="Hủy một lần gửi?",
            question=f"Hủy lần gửi lúc {common.local_time(at)} của chuỗi #{series.id}?",
            details=["Chỉ lần này không gửi; các lần khác của chuỗi vẫn gửi theo lịch."],
            action=f"/staff/announcements/{series.id}/runs/cancel",
            hidden={"at": run_value(at), "confirm": "yes"},
            yes="Hủy lần này",
        )
    try:
        await flow.cancel_run(db_of(request), series, at)
    except AnnouncementError as exc:
        return await detail_page(request, user, staff_session, series, str(exc))
    return see_other(f"/staff/announcements/{series.id}?done=run_cancelled")
