"""Asking a person: the resident's question goes to ward staff as a question ticket, and cán
bộ phường answer it in this same chat (the console's queue, /staff/questions).

One tap on "Hỏi cán bộ phường" (under a fallback, after "Không phải các mục trên", under a
hedged card) or a typed request ("cho tôi gặp cán bộ") forwards the last question with the
messages before it; without one, the assistant asks for it. Nothing is forwarded twice, and
the resident can add to an open question.
"""

from __future__ import annotations

from db import question_queries as qq
from db.models import Question
from handlers import feedback_store
from handlers.cards import CANCEL_BUTTON, MENU_BUTTON
from handlers.domain.actions import Action
from handlers.domain.types import Button, Reply, Response
from handlers.fallback import human_help
from handlers.feature import Feature
from handlers.features import feedback
from handlers.question_store import (
    add_to,
    already_forwarded,
    answer_message,
    due_text,
    forward,
    quoted,
)
from handlers.render import with_buttons
from handlers.turn import Turn

ASKING, ADDING = "question", "question_add"  # the flows: the question, then an addition
ASKED = "asked"  # the last question the catalogue answered or clarified
UNANSWERED = "unanswered"  # the last question nobody could answer (kept by the engine)
LONG_REQUEST = 12  # words: a request this long carries its own question ("..., hỏi cán bộ")


def add_button(question: Question) -> Button:
    return Button("Bổ sung câu hỏi", Action("human", f"add:{question.code}").pack())


def _response(text: str, buttons: list[Button], question: Question | None = None) -> Response:
    response = Response([with_buttons(text, buttons)], intent="handover")
    if question is not None:
        response.content_id = question.code
    return response


def forwarded(turn: Turn, question: Question) -> Response:
    """The confirmation: staff answer here, by a date, and the code to ask about it."""
    days = turn.deps.catalogue.ward.questions.answer_working_days
    text = (
        "Mình đã chuyển câu hỏi của bạn tới cán bộ phường:\n"
        f"“{quoted(question.text)}”\n\n"
        "Cán bộ phường sẽ trả lời ngay trong cuộc trò chuyện này, chậm nhất ngày "
        f"{due_text(question)} ({days} ngày làm việc).\n"
        f"Mã câu hỏi: {question.code}. Bạn nhắn mã này bất cứ lúc nào để xem tình trạng.\n"
        'Muốn nói thêm cho cán bộ rõ, bạn bấm "Bổ sung câu hỏi".'
    )
    desk = human_help(turn)  # a matter that cannot wait two working days
    text = f"{text}\n{desk}" if desk else text
    return _response(text, [add_button(question), MENU_BUTTON], question)


def _already(question: Question) -> Response:
    text = (
        f"Câu hỏi này đã được chuyển tới cán bộ phường (mã {question.code}), hạn trả lời "
        f"ngày {due_text(question)}. Cán bộ sẽ trả lời trong cuộc trò chuyện này.\n"
        'Muốn nói thêm, bạn bấm "Bổ sung câu hỏi".'
    )
    return _response(text, [add_button(question), MENU_BUTTON], question)


def _ask_for_question(turn: Turn) -> Response:
    turn.state.flow = ASKING
    return _response(_asking_text(turn), [CANCEL_BUTTON])


def _asking_text(turn: Turn) -> str:
    desk = human_help(turn)
    return (
        "Bạn nhắn câu hỏi của mình ở đây, mình chuyển ngay tới cán bộ phường; cán bộ sẽ trả "
        "lời trong cuộc trò chuyện này." + (f"\n{desk}" if desk else "")
    )


async def hand_over(turn: Turn, text: str) -> Response:
    """Forward `text` as a question ticket, unless this resident already has it open."""
    turn.state.flow = None
    turn.state.data.pop(UNANSWERED, None)
    turn.state.data.pop(ASKED, None)  # a second tap finds nothing new to send
    same = await already_forwarded(turn, text)
    if same is not None:
        return _already(same)
    busy = await feedback_store.questions_busy(turn)
    if busy is not None:
        return busy
    return forwarded(turn, await forward(turn, text))


def _pending(turn: Turn) -> str | None:
    """The question to hand over: a report being drafted that was a question after all, the
    last question nobody answered, else the last one asked."""
    if turn.state.flow == feedback.FLOW:
        draft = (turn.state.data.get(feedback.KEY) or {}).get("draft")
        if isinstance(draft, str) and draft.strip():
            return draft
    for key in (UNANSWERED, ASKED):
        value = turn.state.data.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


async def _tapped(turn: Turn) -> Response:
    """ "Hỏi cán bộ phường": the last question goes to the staff (the one kept, else the last
    thing the resident wrote in this conversation), or the resident writes it."""
    question = _pending(turn) or await qq.last_said(
        turn.session, turn.user.id, turn.state.conversation_id
    )
    if question is None:
        open_now = await qq.open_of_user(turn.session, turn.user.id)
        return _already(open_now[0]) if open_now else _ask_for_question(turn)
    return await hand_over(turn, question)


async def _typed_request(turn: Turn) -> Response:
    """ "Cho tôi gặp cán bộ": a long message carries its own question; a short one hands over
    the last question asked, or asks for one."""
    if len(turn.text.split()) >= LONG_REQUEST:
        return await hand_over(turn, turn.text)
    return await _tapped(turn)


async def _start_adding(turn: Turn, code: str) -> Response:
    question = await qq.by_code(turn.session, code)
    if question is None or question.user_id != turn.user.id:
        return await _tapped(turn)
    if question.status != qq.OPEN:
        text = f"Câu hỏi {code} đã được cán bộ trả lời. Bạn nhắn mã {code} để xem lại câu trả lời."
        return _response(text, [MENU_BUTTON], question)
    turn.state.flow, turn.state.data["question"] = ADDING, code
    return _response(_adding_text(code), [CANCEL_BUTTON], question)


def _adding_text(code: str) -> str:
    return f"Bạn nhắn điều muốn bổ sung cho câu hỏi {code}, mình chuyển cùng câu hỏi tới cán bộ."


async def on_button(turn: Turn, arg: str) -> Response:
    """ "human" (and the older "human:send"): hand over; "human:add:<code>": add to one."""
    if arg.startswith("add:"):
        return await _start_adding(turn, arg.removeprefix("add:").upper())
    return await _tapped(turn)


async def on_message(turn: Turn) -> Response | None:
    """The question asked for, or what the resident adds to an open one."""
    if not turn.text:
        return None
    if turn.state.flow == ASKING:
        return await hand_over(turn, turn.text)
    code = str(turn.state.data.pop("question", ""))
    turn.state.flow = None
    question = await qq.by_code(turn.session, code)
    if question is None or question.user_id != turn.user.id or question.status != qq.OPEN:
        return None  # answered meanwhile: the message is answered as usual
    await add_to(turn, question, turn.text)
    text = f"Mình đã thêm vào câu hỏi {code}. Cán bộ phường sẽ trả lời trong cuộc trò chuyện này."
    return _response(text, [add_button(question), MENU_BUTTON], question)


def resume(turn: Turn) -> Reply:
    if turn.state.flow == ADDING:
        return with_buttons(
            _adding_text(str(turn.state.data.get("question", ""))), [CANCEL_BUTTON]
        )
    return with_buttons(_asking_text(turn), [CANCEL_BUTTON])


async def add_kept_answers(turn: Turn, response: Response) -> None:
    """Answers staff gave while the platform would not let them reach this resident (Zalo
    OA after 7 days): the resident's next message reopens the chat, so they come first."""
    if response.forget or not response.replies or not turn.user.answers_waiting:
        return
    turn.user.answers_waiting = False
    kept = await qq.kept_answers(turn.session, turn.user.id)
    for question in kept:
        question.unreachable = None  # delivered with this reply
    answers = [Reply(answer_message(q, q.answer or "")) for q in kept]
    response.replies[:0] = answers


FEATURE = Feature(
    "handover",
    verbs={"human": on_button},
    acts={"handover": _typed_request},
    flows=frozenset({ASKING, ADDING}),
    on_message=on_message,
    resume=resume,
)
