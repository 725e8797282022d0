"""Looking up a phản ánh (PA-…) or a question handed to staff (CH-…) by its code: only the
resident who sent it sees its details."""

from __future__ import annotations

import re

from db import feedback_queries as fq
from db import question_queries as qq
from db.models import Question
from handlers.cards import FILE_HERE, MENU_BUTTON
from handlers.domain.types import Response
from handlers.domain.vocabulary import QUESTION_LABELS, STATUS_LABELS
from handlers.feature import Feature
from handlers.render import local_date, with_buttons
from handlers.turn import Turn

# "PA-2611-7K3Q", also typed "pa26117k3q", "PA 2611 7K3Q" or "pa-2611 7k3q"; "CH-…" alike.
CODE = re.compile(r"\b(PA|CH)[\s-]?(\d{4})[\s-]?([A-Za-z0-9]{4})\b", re.IGNORECASE)


def find_code(text: str) -> str | None:
    """The tracking code in a message, normalised to upper case."""
    match = CODE.search(text)
    if match is None:
        return None
    return f"{match.group(1).upper()}-{match.group(2)}-{match.group(3).upper()}"


async def question_lookup(turn: Turn, code: str) -> Response:
    """A question handed to staff: its status, due date and, once given, the answer."""
    question = await qq.by_code(turn.session, code)
    if question is None or question.user_id != turn.user.id:
        text = (
            f"Không tìm thấy câu hỏi {code} trong các câu hỏi bạn đã gửi từ tài khoản này. "
            "Bạn kiểm tra lại mã giúp mình nhé."
        )
        return Response([with_buttons(text, [MENU_BUTTON])], intent="handover")
    lines = [
        f"Câu hỏi {code}: “{question.text[:200]}”",
        f"Tình trạng: {QUESTION_LABELS.get(question.status, question.status)}",
        f"Ngày gửi: {local_date(question.created_at)}",
    ]
    if question.answer:
        lines.append(f"Cán bộ phường trả lời: {question.answer}")
    else:
        lines.append(f"Hạn trả lời: {local_date(question.due_at)}")
    return Response(
        [with_buttons("\n".join(lines), [MENU_BUTTON])], intent="handover", content_id=code
    )


def _question_line(question: Question) -> str:
    return f"• {question.code}: {QUESTION_LABELS.get(question.status, question.status)}"


async def lookup(turn: Turn, code: str | None) -> Response:
    """Status and notes of the resident's own feedback (or a list of their recent ones)."""
    if code is None:
        mine = await fq.of_user(turn.session, turn.user.id)
        asked = await qq.of_user(turn.session, turn.user.id)
        parts = []
        if mine:
            parts.append(
                "Các phản ánh gần đây của bạn:\n"
                + "\n".join(
                    f"• {f.service_request_id}: {STATUS_LABELS.get(f.status, f.status)}"
                    for f in mine
                )
            )
        if asked:
            parts.append(
                "Câu hỏi bạn đã gửi cán bộ:\n" + "\n".join(_question_line(q) for q in asked)
            )
        if parts:
            parts.append("Gõ một mã để xem chi tiết.")
        if parts:
            text = "\n\n".join(parts)
            return Response([with_buttons(text, [MENU_BUTTON])], intent="feedback")
        # Reported by phone, in person or from another account: the code finds it, and
        # reporting again here gives the resident one to follow.
        text = (
            "Mình chưa thấy phản ánh hay câu hỏi nào bạn gửi từ tài khoản này. Nếu bạn đã "
            "báo qua kênh khác, gõ mã tra cứu (ví dụ PA-2611-7K3Q) để xem tình trạng; hoặc "
            "gửi phản ánh ngay tại đây để có mã theo dõi."
        )
        return Response([with_buttons(text, [FILE_HERE, MENU_BUTTON])], intent="feedback")
    if code.startswith("CH-"):
        return await question_lookup(turn, code)
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
        f"Ngày gửi: {local_date(feedback.requested_datetime)}",
        f"Hạn trả lời: {local_date(feedback.expected_datetime)}",
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
