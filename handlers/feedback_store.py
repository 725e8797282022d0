"""Storing a phản ánh and confirming it to the resident: the record with its due date and the
staff alert, in the turn's transaction; then the code and the date the answer is due.
Used by the feedback flow, replies to announcements and questions for a person."""

from __future__ import annotations

from db import feedback_queries as fq
from db.masking import mask
from db.models import Feedback, utcnow
from handlers.cards import MENU_BUTTON
from handlers.render import vn_date, with_buttons
from handlers.turn import Turn
from handlers.types import Response
from handlers.workdays import VIETNAM, due_at


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
    expected = due_at(now, policy.answer_working_days, policy.extra_days_off)
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
    due_text = vn_date(expected.astimezone(VIETNAM).date())
    await alert_staff(
        turn,
        f"Phản ánh mới {feedback.service_request_id} ({category.title}, qua "
        f"{turn.msg.channel}): {feedback.description[:500]}\nHạn trả lời: {due_text}. "
        "Mở trang cán bộ để trả lời.",
    )
    return feedback


async def alert_staff(turn: Turn, alert: str) -> None:
    """Tell the staff (the ward's Telegram staff group, when set) through the outbox."""
    for channel, recipient in turn.deps.staff_alerts:  # a group chat: no phone numbers in it
        await fq.enqueue(turn.session, channel, recipient, mask(alert), "staff_alert")


def received(turn: Turn, feedback: Feedback, opening: str) -> Response:
    """The confirmation with the tracking code and the date the answer is due."""
    policy = turn.deps.catalogue.ward.feedback
    due = vn_date(feedback.expected_datetime.astimezone(VIETNAM).date())
    text = (
        f"{opening}\nMã tra cứu: {feedback.service_request_id}\n"
        f"Phường sẽ trả lời chậm nhất ngày {due} ({policy.answer_working_days} ngày làm "
        "việc). Câu trả lời sẽ được gửi vào cuộc trò chuyện này; bạn cũng có thể gõ mã tra "
        "cứu để xem tình trạng."
    )
    response = Response([with_buttons(text, [MENU_BUTTON])], intent="feedback")
    response.content_id = feedback.service_request_id
    return response
