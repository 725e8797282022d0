"""Phản ánh, kiến nghị in the chat: category, description, optional photo and place, a phone
number only after an explicit yes, a confirmation, then a tracking code and a due date.

The flow lives in the conversation state (flow "feedback", data["step"]), so it survives a
restart and continues in any process. The record is written in the same transaction as the
turn, which commits before any reply is sent: a resident who sees a code has a record.
"""

from __future__ import annotations

import re

from db import feedback_queries as fq
from db.models import Feedback, utcnow
from handlers.actions import Action
from handlers.cards import FEEDBACK_GUIDE
from handlers.render import vn_date, with_buttons
from handlers.turn import Turn
from handlers.types import Button, Response
from handlers.workdays import VIETNAM, due_at

FLOW = "feedback"
KEY = "fb"  # this flow's answers inside the conversation state's data
GUIDE_ID = FEEDBACK_GUIDE  # the catalogue's how-to on other ways to file feedback
MIN_DESCRIPTION = 10
MIN_DRAFT_WORDS = 6
PHONE = re.compile(r"^(?:\+?84|0)(?:3|5|7|8|9)\d{8}$")
CANCEL = Button("Hủy", Action("cancel").pack())
SKIP = Button("Bỏ qua", Action("fb", "skip").pack())
INTRO = (
    "Cảm ơn bạn đã muốn góp ý, phản ánh tới phường. Mình sẽ ghi lại và chuyển tới cán bộ "
    "phụ trách; câu trả lời sẽ được gửi ngay trong cuộc trò chuyện này."
)


def _data(turn: Turn) -> dict:
    return turn.state.data.setdefault(KEY, {})


def _reply(turn: Turn, text: str, buttons: list[Button]) -> Response:
    return Response([with_buttons(text, buttons)], intent="feedback")


def _categories(turn: Turn) -> list[Button]:
    return [
        Button(c.title, Action("fb", f"cat:{c.code}").pack())
        for c in turn.deps.catalogue.ward.feedback.categories
        if c.offered
    ]


async def start(turn: Turn, draft: str | None = None) -> Response:
    """Begin the intake; a substantial first message is kept as the draft description."""
    turn.state.flow = FLOW
    turn.state.data[KEY] = {"step": "category"}
    if draft and len(draft.split()) >= MIN_DRAFT_WORDS:  # more than "tôi muốn phản ánh"
        turn.state.data[KEY]["draft"] = draft.strip()[:2000]
    other_ways = Button(
        "Cách gửi khác (Cổng DVC, đường dây nóng)", Action("open", GUIDE_ID).pack()
    )
    text = f"{INTRO}\n\nPhản ánh của bạn thuộc nhóm nào?"
    return _reply(turn, text, [*_categories(turn), other_ways, CANCEL])


async def on_button(turn: Turn, arg: str) -> Response:
    """A button of the flow (category, skip, phone yes/no, send, use draft)."""
    if turn.state.flow != FLOW:
        return await start(turn)
    data = _data(turn)
    if arg.startswith("cat:"):
        codes = {c.code for c in turn.deps.catalogue.ward.feedback.categories if c.offered}
        if arg[4:] not in codes:
            return await start(turn, data.get("draft"))
        data["category"] = arg[4:]
        return _ask_description(turn)
    if arg == "draft" and data.get("draft") and data.get("step") == "describe":
        return _save_description(turn, data["draft"])
    if arg == "skip" and data.get("step") in ("photo", "place"):
        return _ask_place(turn) if data["step"] == "photo" else _ask_consent(turn)
    if arg in ("phone-yes", "phone-no") and data.get("step") == "consent":
        data["consent"] = arg == "phone-yes"
        return _ask_phone(turn) if data["consent"] else _ask_confirm(turn)
    if arg == "send" and data.get("step") == "confirm":
        return await _submit(turn)
    return _repeat(turn)


async def on_message(turn: Turn) -> Response:
    """A typed message (or a photo) while the flow waits for an answer."""
    data, text = _data(turn), turn.text.strip()
    step = data.get("step")
    if step == "category":
        if text:
            data["draft"] = text[:2000]
        return _reply(
            turn,
            "Bạn chọn giúp mình nhóm phản ánh ở các nút bên dưới nhé.",
            [*_categories(turn), CANCEL],
        )
    if step == "describe":
        if len(text) < MIN_DESCRIPTION:
            return _reply(
                turn, "Bạn mô tả rõ hơn một chút giúp mình (ít nhất vài từ) nhé.", [CANCEL]
            )
        return _save_description(turn, text)
    if step == "photo":
        attachment = turn.msg.attachment
        if attachment and attachment.kind == "image":
            data["media_url"] = attachment.url or f"{turn.msg.channel}:file:{attachment.file_id}"
            return _ask_place(turn, "Đã nhận ảnh. ")
        return _reply(turn, "Bạn gửi một ảnh, hoặc bấm 'Bỏ qua' nếu không có ảnh.", [SKIP, CANCEL])
    if step == "place":
        if not text:
            return _ask_place(turn)
        data["area"] = text[:200]
        return _ask_consent(turn)
    if step == "phone":
        phone = re.sub(r"[\s.\-]", "", text)
        if not PHONE.match(phone):
            return _reply(
                turn,
                "Số điện thoại chưa đúng. Bạn gõ lại, ví dụ 0905 123 456.",
                [Button("Không để lại số", Action("fb", "phone-no").pack()), CANCEL],
            )
        data["phone"] = phone
        data["step"] = "consent"
        return _ask_confirm(turn)
    return _repeat(turn)


def _ask_description(turn: Turn) -> Response:
    _data(turn)["step"] = "describe"
    draft = _data(turn).get("draft")
    if draft:
        text = (
            f"Nội dung bạn vừa gửi:\n«{draft}»\n\nDùng nội dung này, hay gõ lại nội dung "
            "khác (ở đâu, khi nào, điều gì chưa ổn)?"
        )
        return _reply(
            turn, text, [Button("Dùng nội dung này", Action("fb", "draft").pack()), CANCEL]
        )
    return _reply(turn, "Bạn mô tả ngắn gọn sự việc: ở đâu, khi nào, điều gì chưa ổn.", [CANCEL])


def _save_description(turn: Turn, text: str) -> Response:
    _data(turn)["description"] = text[:2000]
    _data(turn)["step"] = "photo"
    return _reply(
        turn,
        "Bạn có ảnh chụp sự việc không? Gửi ảnh ngay bây giờ, hoặc bấm 'Bỏ qua'.",
        [SKIP, CANCEL],
    )


def _ask_place(turn: Turn, prefix: str = "") -> Response:
    _data(turn)["step"] = "place"
    return _reply(
        turn,
        f"{prefix}Sự việc ở đâu? Gõ tổ dân phố hoặc địa chỉ, hoặc bấm 'Bỏ qua'.",
        [SKIP, CANCEL],
    )


def _ask_consent(turn: Turn) -> Response:
    _data(turn)["step"] = "consent"
    text = (
        "Bạn có muốn để lại số điện thoại để cán bộ gọi lại khi cần không? Số chỉ dùng để "
        "xử lý phản ánh này. Không để lại số thì phường vẫn trả lời trong cuộc trò chuyện."
    )
    return _reply(
        turn,
        text,
        [
            Button("Có, để lại số", Action("fb", "phone-yes").pack()),
            Button("Không", Action("fb", "phone-no").pack()),
            CANCEL,
        ],
    )


def _ask_phone(turn: Turn) -> Response:
    _data(turn)["step"] = "phone"
    return _reply(
        turn,
        "Bạn gõ số điện thoại của mình (ví dụ 0905 123 456).",
        [Button("Không để lại số", Action("fb", "phone-no").pack()), CANCEL],
    )


def _category_title(turn: Turn, code: str | None) -> str:
    for category in turn.deps.catalogue.ward.feedback.categories:
        if category.code == code:
            return category.title
    return "Việc khác"


def _ask_confirm(turn: Turn) -> Response:
    data = _data(turn)
    data["step"] = "confirm"
    lines = [
        "Bạn kiểm tra lại phản ánh:",
        f"• Nhóm: {_category_title(turn, data.get('category'))}",
        f"• Nội dung: {data.get('description', '')}",
        f"• Ảnh: {'có' if data.get('media_url') else 'không'}",
        f"• Địa điểm: {data.get('area') or 'không ghi'}",
        f"• Số điện thoại: {data.get('phone') or 'không để lại'}",
    ]
    return _reply(
        turn, "\n".join(lines), [Button("Gửi phản ánh", Action("fb", "send").pack()), CANCEL]
    )


def _repeat(turn: Turn) -> Response:
    """Unexpected input: ask the current question again."""
    step = _data(turn).get("step")
    asks = {
        "category": lambda: _reply(
            turn, "Bạn chọn nhóm phản ánh ở các nút bên dưới nhé.", [*_categories(turn), CANCEL]
        ),
        "describe": lambda: _ask_description(turn),
        "photo": lambda: _reply(turn, "Bạn gửi ảnh, hoặc bấm 'Bỏ qua'.", [SKIP, CANCEL]),
        "place": lambda: _ask_place(turn),
        "consent": lambda: _ask_consent(turn),
        "phone": lambda: _ask_phone(turn),
        "confirm": lambda: _ask_confirm(turn),
    }
    return asks.get(step, lambda: _reply(turn, INTRO, [*_categories(turn), CANCEL]))()


async def _submit(turn: Turn) -> Response:
    data = _data(turn)
    feedback = await record(
        turn,
        data.get("category"),
        data.get("description", ""),
        media_url=data.get("media_url"),
        area=data.get("area"),
        phone=data.get("phone") if data.get("consent") else None,
        phone_consent=bool(data.get("consent") and data.get("phone")),
    )
    turn.state.flow = None
    turn.state.data.pop(KEY, None)
    return received(turn, feedback, "Đã nhận phản ánh của bạn.")


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
    for channel, recipient in turn.deps.staff_alerts:  # e.g. the ward's Telegram staff group
        alert = (
            f"Phản ánh mới {feedback.service_request_id} ({category.title}, qua "
            f"{turn.msg.channel}): {feedback.description[:500]}\nHạn trả lời: {due_text}. "
            "Mở trang cán bộ để trả lời."
        )
        await fq.enqueue(turn.session, channel, recipient, alert, "staff_alert")
    return feedback


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
    response = _reply(turn, text, [Button("Về menu chính", Action("menu").pack())])
    response.content_id = feedback.service_request_id
    return response


def in_flow(turn: Turn) -> bool:
    """True while the resident is filing feedback."""
    return turn.state.flow == FLOW
