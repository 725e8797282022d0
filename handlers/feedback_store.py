"""Storing a phản ánh and confirming it to the resident: the record with its due date and the
staff alert, in the turn's transaction; then the code and the date the answer is due.
Used by the feedback flow, replies to announcements and questions for a person."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from content.models import FeedbackPolicy
from db import feedback_queries as fq
from db import photo_queries as pq
from db.masking import mask
from db.models import Feedback, Question, utcnow
from handlers import public_status
from handlers.cards import MENU_BUTTON
from handlers.domain.calendar import due_at
from handlers.domain.types import Attachment, Response
from handlers.domain.vocabulary import CHANNEL_LABELS
from handlers.render import local_date, with_buttons
from handlers.turn import Turn

PER_HOUR = 5  # records (phản ánh, or questions for staff) one resident files in an hour
HOUR = timedelta(hours=1)
RESENT_WITHIN = timedelta(minutes=10)  # "Gửi phản ánh" again this soon: the same report
TOO_MANY = (
    "Bạn đã gửi khá nhiều trong một giờ qua; phường đang xem các nội dung đó. Bạn đợi một lát "
    "rồi gửi tiếp nhé. Việc khẩn cấp, bạn gọi ngay 113 (công an), 114 (cứu hỏa), 115 (cấp cứu)."
)


async def record(
    turn: Turn, category_code: str | None, description: str, **fields: object
) -> Feedback:
    """Store a phản ánh from this resident with its due date, and alert the staff."""
    ward = turn.deps.catalogue.ward
    policy = ward.feedback
    category = next(
        (c for c in policy.categories if c.code == category_code),
        [c for c in policy.categories if c.offered][-1],
    )
    now = utcnow()
    expected = _answer_due(policy, now)
    feedback = await fq.create_feedback(
        turn.session,
        actor="resident",
        service_code=category.code,
        description=description,
        expected_datetime=expected,
        agency_responsible=ward.contacts[category.agency].label,
        channel=turn.msg.channel,
        user_id=turn.user.id,
        requested_datetime=now,
        **fields,
    )
    due_text = local_date(expected)
    await alert_staff(
        turn,
        f"Phản ánh mới {feedback.service_request_id} ({category.title}, qua "
        f"{CHANNEL_LABELS.get(turn.msg.channel, turn.msg.channel)}): "
        f"{feedback.description[:500]}\nHạn trả lời: {due_text}. "
        "Mở trang cán bộ để trả lời.",
    )
    return feedback


async def just_sent(turn: Turn) -> Response | None:
    """The confirmation again when "Gửi phản ánh" comes after the report already went: a
    second tap, or a client repeating a request whose answer was lost (the server stopped
    after storing it). None when nothing was sent in the last few minutes."""
    latest = await fq.latest_since(turn.session, turn.user.id, utcnow() - RESENT_WITHIN)
    if latest is None:
        return None
    return received(turn, latest, "Phản ánh này đã được gửi rồi, bạn không cần gửi lại.")


async def keep_photo(turn: Turn, attachment: Attachment) -> str:
    """Store a photo uploaded with a draft phản ánh; returns the `media_url` naming it."""
    assert attachment.data is not None and attachment.content_type is not None
    return await pq.add_photo(turn.session, turn.user.id, attachment.content_type, attachment.data)


async def alert_staff(turn: Turn, alert: str) -> None:
    """Tell the staff (the ward's Telegram staff group, when set) through the outbox."""
    await alert_group(turn.session, turn.deps.staff_alerts, alert)


async def alert_group(
    session: AsyncSession, recipients: Sequence[tuple[str, str]], alert: str
) -> bool:
    """Queue `alert` to the staff group(s); alerts arriving while one is still waiting to go
    join it, so a burst is one message. True when something was queued (or joined)."""
    for channel, recipient in recipients:  # a group chat: no phone numbers in it
        text = mask(alert)
        if not await fq.join_waiting_alert(session, channel, recipient, text):
            await fq.enqueue(session, channel, recipient, text, "staff_alert")
    return bool(recipients)


async def feedback_busy(turn: Turn) -> Response | None:
    """A kind word instead of one more phản ánh past the hourly limit (None: file it)."""
    return await _too_many(turn, Feedback)


async def questions_busy(turn: Turn) -> Response | None:
    """A kind word instead of one more question for staff past the hourly limit."""
    return await _too_many(turn, Question)


async def _too_many(turn: Turn, model: type[Feedback] | type[Question]) -> Response | None:
    """A kind word instead of another record when this resident filed `PER_HOUR` of them in
    the last hour (a script replying to announcements, a resident pressing twice...)."""
    filed = await fq.filed_since(turn.session, model, turn.user.id, utcnow() - HOUR)
    if filed < PER_HOUR:
        return None
    return Response([with_buttons(TOO_MANY, [MENU_BUTTON])], intent="feedback")


def _answer_due(policy: FeedbackPolicy, filed: datetime) -> datetime:
    """When the ward's answer to a report filed at `filed` is due (working days)."""
    return due_at(filed, policy.answer_working_days, policy.extra_days_off)


def due_if_filed_now(turn: Turn) -> tuple[int, str]:
    """The ward's answer time in working days, and the date a report filed now is due."""
    policy = turn.deps.catalogue.ward.feedback
    return policy.answer_working_days, local_date(_answer_due(policy, utcnow()))


def received(turn: Turn, feedback: Feedback, opening: str) -> Response:
    """The confirmation with the tracking code and the date the answer is due."""
    policy = turn.deps.catalogue.ward.feedback
    due = local_date(feedback.expected_datetime)
    text = (
        f"{opening}\nMã tra cứu: {feedback.service_request_id}\n"
        f"Phường sẽ trả lời chậm nhất ngày {due} ({policy.answer_working_days} ngày làm "
        "việc). Câu trả lời sẽ được gửi vào cuộc trò chuyện này; bạn cũng có thể gõ mã tra "
        "cứu để xem tình trạng."
    )
    link = public_status.link(turn.deps.public_url, turn.msg.channel, feedback.service_request_id)
    if link:
        text += f"\nXem tình trạng từ máy khác: {link}"
    response = Response([with_buttons(text, [MENU_BUTTON])], intent="feedback")
    response.content_id = feedback.service_request_id
    return response
