"""The announcement workflow, shared by the console, the command line and the Telegram staff
command: draft -> submitted -> approved -> sending -> done (or cancelled).

Only an admin approves; an emergency needs a second confirmation; approval of a one-off with
no send time queues it at the scheduler's next look (at once when it is woken). A recurring
announcement stays "approved" as a series and each run becomes its own announcement.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from content.areas import area_key
from db import announcement_queries as aq
from db.models import Announcement, utcnow
from handlers.domain import recurrence
from handlers.domain.announcement_card import CHANNELS, render
from handlers.domain.calendar import VIETNAM
from handlers.domain.vocabulary import TOPICS

log = logging.getLogger(__name__)

MAX_TEXT = 1800  # leaves room for the heading and footer inside Zalo's 2,000 characters
MAX_AREAS = 50
MAX_LATE = timedelta(hours=3)  # a run missed by longer (server down) is skipped, not sent late
# A send time this far in the past is a mistake, not "now": the minute picked while filling in
# the form may just have passed, anything older would go out at once when approved.
PAST_GRACE = timedelta(minutes=2)
EDITABLE = ("draft", "submitted")
INVITE = re.compile(r"(?:course:[a-z0-9-]{1,64}|contest:\d{1,9})")


class AnnouncementError(ValueError):
    """Something staff must correct; the message is shown to them as is (Vietnamese)."""


class LateSend(AnnouncementError):
    """Approving it now would send it at once, its send time having passed while it waited:
    the admin is asked "Gửi ngay?" (approve(send_late=True)) instead of it just going."""

    def __init__(self, due: datetime) -> None:
        self.due = due
        super().__init__(
            f"Giờ gửi đã hẹn ({local_text(due)}) đã qua trong lúc chờ duyệt: "
            "nếu duyệt bây giờ, thông báo sẽ đi ngay."
        )


def local_text(moment: datetime) -> str:
    """ "08:00 ngày 25/12/2026", the ward's wall clock."""
    return moment.astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y")


@dataclass
class Draft:
    """What staff fill in."""

    text: str
    image_url: str | None = None
    link_url: str | None = None
    topics: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    emergency: bool = False
    send_at: datetime | None = None
    recurrence: str | None = None
    invite: str | None = None  # "course:<id>" or "contest:<id>"

    def checked(self, now: datetime | None = None) -> Draft:
        """The draft cleaned up, or AnnouncementError saying what to fix. With `now`, a send
        time already past is refused (it would be sent the moment it is approved)."""
        text = self.text.replace("\r\n", "\n").strip()
        if not text:
            raise AnnouncementError("Nội dung thông báo đang trống.")
        if len(text) > MAX_TEXT:
            raise AnnouncementError(f"Nội dung dài quá {MAX_TEXT} ký tự ({len(text)}).")
        unknown = [t for t in self.topics if t not in TOPICS]
        if unknown:
            raise AnnouncementError(f"Chủ đề không có: {', '.join(unknown)}.")
        if not self.emergency and not self.topics:
            raise AnnouncementError("Chọn ít nhất một chủ đề (hoặc đánh dấu tin khẩn).")
        bad = [c for c in self.channels if c not in CHANNELS]
        if bad:
            raise AnnouncementError(f"Kênh không có: {', '.join(bad)}.")
        areas = list(dict.fromkeys(" ".join(a.split())[:100] for a in self.areas if a.strip()))
        if len(areas) > MAX_AREAS:
            raise AnnouncementError(f"Nhiều nhất {MAX_AREAS} tổ dân phố.")
        try:
            rule = recurrence.parse(self.recurrence) if self.recurrence else None
        except recurrence.RecurrenceError as exc:
            raise AnnouncementError(f"Lặp lại: {exc}.") from exc
        if rule and self.send_at is None:
            raise AnnouncementError("Thông báo lặp lại cần giờ gửi lần đầu.")
        if now is not None and self.send_at is not None and self.send_at < now - PAST_GRACE:
            raise AnnouncementError(
                f"Giờ gửi {local_text(self.send_at)} đã qua (bây giờ là {local_text(now)}). "
                "Chọn một giờ sau bây giờ, hoặc để trống ô “Giờ gửi” để gửi ngay khi được "
                "duyệt."
            )
        if rule and self.emergency:
            raise AnnouncementError("Tin khẩn không lặp lại.")
        invite = (self.invite or "").strip() or None
        if invite and not INVITE.fullmatch(invite):
            raise AnnouncementError("Lời mời phải là một khóa học hoặc một cuộc thi.")
        return Draft(
            text=text,
            image_url=_url(self.image_url, "Đường dẫn ảnh"),
            link_url=_url(self.link_url, "Đường dẫn"),
            topics=list(dict.fromkeys(self.topics)),
            areas=areas,
            channels=list(dict.fromkeys(self.channels)),
            emergency=self.emergency,
            send_at=self.send_at,
            recurrence=rule,
            invite=invite,
        )


def _url(value: str | None, label: str) -> str | None:
    if not value or not value.strip():
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(value) > 500:
        raise AnnouncementError(f"{label} phải bắt đầu bằng https:// (tối đa 500 ký tự).")
    return value


def _apply(announcement: Announcement, draft: Draft) -> None:
    announcement.text, announcement.image_url = draft.text, draft.image_url
    announcement.link_url, announcement.topics = draft.link_url, draft.topics
    announcement.areas, announcement.channels = draft.areas, draft.channels
    announcement.emergency, announcement.send_at = draft.emergency, draft.send_at
    announcement.recurrence, announcement.invite = draft.recurrence, draft.invite


async def create(session: AsyncSession, draft: Draft, created_by: str) -> Announcement:
    """A new draft."""
    now = utcnow()
    announcement = Announcement(created_by=created_by, status="draft", created_at=now)
    _apply(announcement, draft.checked(now))
    session.add(announcement)
    await session.flush()
    return announcement


async def edit(session: AsyncSession, announcement: Announcement, draft: Draft) -> None:
    if announcement.status not in EDITABLE:
        raise AnnouncementError("Thông báo đã duyệt hoặc đã gửi thì không sửa được nữa.")
    _apply(announcement, draft.checked(utcnow()))
    announcement.status = "draft"  # an edited text needs approving again


async def submit(announcement: Announcement) -> None:
    """The tech team asks an admin to approve."""
    if announcement.status != "draft":
        raise AnnouncementError("Chỉ gửi duyệt được bản nháp.")
    announcement.status = "submitted"


def version(announcement: Announcement) -> str:
    """A fingerprint of what residents would receive, and to whom and when: the approval
    names the version the admin read, so an edit made after it needs a new review."""
    shown = [
        announcement.text,
        announcement.image_url,
        announcement.link_url,
        announcement.invite,
        sorted(announcement.topics or []),
        sorted(announcement.areas or []),
        sorted(announcement.channels or []),
        announcement.emergency,
        announcement.send_at.isoformat() if announcement.send_at else None,
        announcement.recurrence,
    ]
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()[:16]


async def approve(
    announcement: Announcement,
    approver: str,
    confirm_emergency: bool = False,
    seen_version: str | None = None,
    send_late: bool = False,
) -> None:
    """An admin approves; the scheduler queues it at its send time. From the console the
    approval carries the version the admin read (`seen_version`); a different one is refused
    (the command line approves what it has just created and shown). A send time that passed
    while it waited raises LateSend unless `send_late` (the admin said "Gửi ngay")."""
    if announcement.status not in EDITABLE:
        raise AnnouncementError("Thông báo này không ở trạng thái chờ duyệt.")
    if seen_version is not None and seen_version != version(announcement):
        raise AnnouncementError(
            "Thông báo đã được sửa sau khi bạn mở trang: bạn xem lại bản mới rồi duyệt."
        )
    if announcement.emergency and not confirm_emergency:
        raise AnnouncementError(
            "Tin khẩn gửi tới mọi người dân đang liên lạc được: cần xác nhận lần hai."
        )
    now = utcnow()
    due = announcement.send_at
    if announcement.recurrence:
        assert announcement.send_at is not None
        # A first run approved a little late still goes out (as a missed run would).
        moment = max(now - MAX_LATE, announcement.send_at)
        due = recurrence.first_at_or_after(announcement.recurrence, announcement.send_at, moment)
        if due is None:
            raise AnnouncementError("Quy tắc lặp không còn lần gửi nào trong tương lai.")
    if due is not None and due < now - PAST_GRACE and not send_late:
        raise LateSend(due)
    if announcement.recurrence:
        announcement.next_run_at = due
    announcement.status, announcement.approved_by, announcement.approved_at = (
        "approved",
        approver,
        now,
    )


async def cancel(session: AsyncSession, announcement: Announcement) -> int:
    """Stop it: a draft or a scheduled one never goes; a sending one stops where it is.
    Returns how many queued messages were withdrawn."""
    if announcement.status in ("done", "cancelled"):
        raise AnnouncementError("Thông báo đã gửi xong hoặc đã hủy.")
    withdrawn = await aq.cancel_pending(session, announcement.id)
    announcement.status, announcement.next_run_at = "cancelled", None
    announcement.finished_at = utcnow()
    return withdrawn


def may_cancel_run(series: Announcement, at: datetime, now: datetime) -> bool:
    """Is `at` a run of this approved series still to come?"""
    rule, first, following = series.recurrence, series.send_at, series.next_run_at
    if series.status != "approved" or not rule or first is None or following is None:
        return False
    if at < max(now, following):
        return False
    return recurrence.first_at_or_after(rule, first, at) == at


def upcoming_runs(
    series: Announcement, cancelled: set[datetime], count: int = 6
) -> list[tuple[datetime, bool]]:
    """The series' next runs, each with whether staff cancelled it."""
    rule, first, moment = series.recurrence, series.send_at, series.next_run_at
    if series.status != "approved" or not rule or first is None or moment is None:
        return []
    runs: list[tuple[datetime, bool]] = []
    while moment is not None and len(runs) < count:
        runs.append((moment, moment in cancelled))
        moment = recurrence.next_after(rule, first, moment)
    return runs


def run_of(series: Announcement, at: datetime, now: datetime, **state: object) -> Announcement:
    """One run of a series: its words, audience and approval, at `at` (never an emergency)."""
    return Announcement(
        text=series.text,
        image_url=series.image_url,
        link_url=series.link_url,
        invite=series.invite,
        topics=series.topics,
        areas=series.areas,
        channels=series.channels,
        emergency=False,
        send_at=at,
        series_id=series.id,
        created_by=series.created_by,
        approved_by=series.approved_by,
        approved_at=series.approved_at,
        created_at=now,
        **state,
    )


async def cancel_run(session: AsyncSession, series: Announcement, at: datetime) -> None:
    """Skip one run of a series: it is kept as a cancelled run (so the series' table shows it
    and the scheduler passes it by); the series' next run moves on if it was this one."""
    now = utcnow()
    if not may_cancel_run(series, at, now):
        raise AnnouncementError("Lần gửi này không còn hủy được (đã qua hoặc không thuộc chuỗi).")
    cancelled = await aq.cancelled_runs(session, series.id)
    if at in cancelled:
        raise AnnouncementError("Lần gửi này đã được hủy rồi.")
    session.add(run_of(series, at, now, status="cancelled", finished_at=now))
    cancelled.add(at)
    following = series.next_run_at
    assert series.recurrence and series.send_at
    while following is not None and following in cancelled:
        following = recurrence.next_after(series.recurrence, series.send_at, following)
    if following != series.next_run_at:
        series.next_run_at = following
        if following is None:
            series.status, series.finished_at = "done", now


@dataclass(frozen=True)
class Queuer:
    """Turns due announcements into outbox rows for the ward's channels."""

    ward_name: str
    channels: tuple[str, ...] = tuple(CHANNELS)

    def render(self, announcement: Announcement, channel: str) -> dict[str, Any]:
        """The outbox columns of the message for one channel."""
        reply = render(announcement, channel, self.ward_name)
        buttons = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
        return {"text": reply.text, "buttons": buttons, "image_url": reply.image_url}

    async def audience(self, session: AsyncSession, announcement: Announcement) -> dict[str, int]:
        keys = [area_key(a) for a in announcement.areas]
        return await aq.count_audience(session, announcement, self.channels, keys)

    async def queue(self, session: AsyncSession, announcement: Announcement) -> int:
        """Recipients of an announcement already moved to "sending"."""
        now = utcnow()
        keys = [area_key(a) for a in announcement.areas]
        total = await aq.queue(session, announcement, self.channels, keys, self.render, now)
        announcement.recipients = total
        if total == 0:
            announcement.status, announcement.finished_at = "done", now
        return total

    async def run_due(self, sessions: async_sessionmaker[AsyncSession]) -> list[int]:
        """Queue every announcement whose time has come; returns the ids queued. Safe to run
        in several processes at once: each claim is a guarded UPDATE with one winner."""
        queued: list[int] = []
        now = utcnow()
        async with sessions() as session:
            one_offs = await aq.due_one_offs(session, now)
            series = [(s.id, s.next_run_at) for s in await aq.due_series(session, now)]
        for announcement_id in one_offs:
            async with sessions() as session, session.begin():
                if not await aq.claim(session, announcement_id, now):
                    continue
                announcement = await aq.get(session, announcement_id)
                assert announcement is not None
                await self.queue(session, announcement)
                queued.append(announcement_id)
        for series_id, run_at in series:
            assert run_at is not None
            async with sessions() as session, session.begin():
                occurrence = await self._run_series(session, series_id, run_at, now)
            if occurrence is not None:
                queued.append(occurrence)
        return queued

    async def _run_series(
        self, session: AsyncSession, series_id: int, run_at: datetime, now: datetime
    ) -> int | None:
        series = await aq.get(session, series_id)
        assert series is not None and series.recurrence and series.send_at
        following = recurrence.next_after(series.recurrence, series.send_at, max(run_at, now))
        if not await aq.advance_series(session, series_id, run_at, following):
            return None  # another process ran it
        if run_at in await aq.cancelled_runs(session, series_id):
            log.info("announcement series %s: run of %s cancelled by staff", series_id, run_at)
            return None
        if now - run_at > MAX_LATE:
            log.warning("announcement series %s: run of %s skipped (too late)", series_id, run_at)
            return None
        occurrence = run_of(series, run_at, now, status="sending", queued_at=now)
        session.add(occurrence)
        await session.flush()
        await self.queue(session, occurrence)
        return occurrence.id
