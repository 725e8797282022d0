"""Looking up feedback by tracking code: only the resident who filed it sees its details."""

from __future__ import annotations

import re

from db import feedback_queries as fq
from handlers.cards import MENU_BUTTON
from handlers.feature import Feature
from handlers.render import vn_date, with_buttons
from handlers.turn import Turn
from handlers.types import Response
from handlers.workdays import VIETNAM

# "PA-2611-7K3Q", also typed "pa26117k3q", "PA 2611 7K3Q" or "pa-2611 7k3q".
CODE = re.compile(r"\bPA[\s-]?(\d{4})[\s-]?([A-Za-z0-9]{4})\b", re.IGNORECASE)
STATUS_LABELS = {
    "new": "Mới tiếp nhận",
    "in_progress": "Đang xử lý",
    "answered": "Đã trả lời",
    "resolved": "Đã giải quyết xong",
}


def find_code(text: str) -> str | None:
    """The tracking code in a message, normalised to upper case."""
    match = CODE.search(text)
    return f"PA-{match.group(1)}-{match.group(2).upper()}" if match else None


async def lookup(turn: Turn, code: str | None) -> Response:
    """Status and notes of the resident's own feedback (or a list of their recent ones)."""
    if code is None:
        mine = await fq.of_user(turn.session, turn.user.id)
        if not mine:
            text = (
                "Bạn chưa gửi phản ánh nào từ tài khoản này. Gõ mã tra cứu (ví dụ PA-2611-7K3Q)."
            )
        else:
            text = "Các phản ánh gần đây của bạn:\n" + "\n".join(
                f"• {f.service_request_id}: {STATUS_LABELS.get(f.status, f.status)}" for f in mine
            )
        return Response([with_buttons(text, [MENU_BUTTON])], intent="feedback")
    feedback = await fq.by_code(turn.session, code)
    if feedback is None or feedback.user_id != turn.user.id:
        # The same answer whether the code is unknown or someone else's: nothing leaks.
        text = (
            f"Không tìm thấy phản ánh {code} trong các phản ánh bạn đã gửi từ tài khoản "
            "này. Bạn kiểm tra lại mã giúp mình nhé."
        )
        return Response([with_buttons(text, [MENU_BUTTON])], intent="feedback")
    lines = [
        f"Phản ánh {code}",
        f"Tình trạng: {STATUS_LABELS.get(feedback.status, feedback.status)}",
        f"Ngày gửi: {vn_date(feedback.requested_datetime.astimezone(VIETNAM).date())}",
        f"Hạn trả lời: {vn_date(feedback.expected_datetime.astimezone(VIETNAM).date())}",
    ]
    if feedback.status_notes:
        lines.append(f"Ghi chú của phường: {feedback.status_notes}")
    return Response(
        [with_buttons("\n".join(lines), [MENU_BUTTON])], intent="feedback", content_id=code
    )


async def _command(turn: Turn, rest: str) -> Response:
    return await lookup(turn, find_code(rest))


async def _typed(turn: Turn) -> Response | None:
    """A tracking code typed on its own or in a sentence (not while filing a new one)."""
    code = find_code(turn.text)
    if code is None or turn.state.flow == "feedback":
        return None
    return await lookup(turn, code)


async def _status(turn: Turn) -> Response:
    """ "Phản ánh của tôi sao rồi": the code if one is given, else the resident's list."""
    return await lookup(turn, find_code(turn.text))


FEATURE = Feature(
    "tracking",
    commands={"/tra_cuu": _command, "/tracuu": _command},
    typed=_typed,
    acts={"status": _status},
)
