"""Handing a question over to ward staff: the ticket with its context and due date, the staff
alert, and the confirmation with the code (in the turn's transaction)."""

from __future__ import annotations

from rapidfuzz import fuzz

from db import question_queries as qq
from db.models import Question, utcnow
from handlers.domain.calendar import due_at
from handlers.feedback_store import alert_staff
from handlers.render import local_date
from handlers.turn import Turn

MAX_QUESTION_CHARS = 2000
QUOTED = 200  # characters of the question repeated above its answer
SAME_QUESTION = 90  # token_set_ratio of two wordings of one resident that ask the same thing


def normalized(turn: Turn, text: str) -> str:
    """The wording as the search reads it (folded, shorthand expanded, typos corrected)."""
    return " ".join(turn.deps.index.analyze(text).tokens)


async def already_forwarded(turn: Turn, text: str) -> Question | None:
    """The resident's open question that asks this already (a second tap, the same words)."""
    wording = normalized(turn, text)
    for question in await qq.open_of_user(turn.session, turn.user.id):
        if question.normalized == wording or (
            wording and fuzz.token_set_ratio(question.normalized, wording) >= SAME_QUESTION
        ):
            return question
    return None


async def forward(turn: Turn, text: str) -> Question:
    """Store the question with the messages before it, due in the ward's working days, and
    alert the staff group."""
    ward = turn.deps.catalogue.ward
    now = utcnow()
    days = ward.questions.answer_working_days
    question = await qq.create(
        turn.session,
        user_id=turn.user.id,
        channel=turn.msg.channel,
        text=text[:MAX_QUESTION_CHARS],
        normalized=normalized(turn, text),
        context=await qq.recent_messages(turn.session, turn.user.id),
        additions=[],
        created_at=now,
        due_at=due_at(now, days, ward.feedback.extra_days_off),
    )
    await alert_staff(
        turn,
        f"Câu hỏi mới cho cán bộ {question.code} (qua {turn.msg.channel}): "
        f"{question.text[:500]}\nHạn trả lời: {due_text(question)}. "
        "Mở trang cán bộ, mục Câu hỏi cho cán bộ, để trả lời.",
    )
    return question


async def add_to(turn: Turn, question: Question, text: str) -> None:
    """Keep what the resident added to an open question (staff read it with the question)."""
    added = {"text": text[:MAX_QUESTION_CHARS], "at": utcnow().isoformat()}
    question.additions = [*question.additions, added]  # a new list: the JSON column is saved


def quoted(text: str) -> str:
    """A question repeated to the resident, its start only when long."""
    return text if len(text) <= QUOTED else text[: QUOTED - 1].rstrip() + "…"


def answer_message(question: Question, answer: str) -> str:
    """What the resident reads when staff answered their question."""
    return (
        f"Cán bộ phường trả lời câu hỏi {question.code} của bạn:\n“{quoted(question.text)}”"
        f"\n\n{answer}"
    )


def due_text(question: Question) -> str:
    return local_date(question.due_at)
