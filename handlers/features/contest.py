"""The quiz contest in the chat: name, affiliation (when the contest asks), then the questions in
an order shuffled for each participant, one attempt per person. At the end: the score, what
was missed with its explanation, and a certificate picture for those who pass.

The shuffled order is fixed in the attempt when it starts, and answers are stored as the
original option numbers, so shuffling can never change which answer is right.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from content.normalize import folded_phrase
from db import contest_queries as cq
from db import learning_queries as lq
from db.models import Contest, ContestAttempt, ContestQuestion, utcnow
from handlers.actions import Action, number_arg
from handlers.cards import CANCEL_BUTTON, MENU_BUTTON
from handlers.feature import Feature
from handlers.render import with_buttons
from handlers.turn import Turn
from handlers.types import Button, Reply, Response
from handlers.workdays import VIETNAM

FLOW = "quiz"
MAX_NAME, MAX_AFFILIATION = 60, 100


def _response(text: str, buttons: list[Button], image: str | None = None) -> Response:
    reply = with_buttons(text, buttons)
    return Response([Reply(reply.text, reply.buttons, image)], intent="learn")


def in_flow(turn: Turn) -> bool:
    return turn.state.flow == FLOW


def _data(turn: Turn) -> dict:
    return turn.state.data.setdefault(FLOW, {})


async def entry(turn: Turn) -> Response:
    """The contests open now."""
    contests = await cq.open_contests(turn.session, turn.deps.clock())
    if not contests:
        return _response("Hiện chưa có cuộc thi nào đang mở. Bạn quay lại sau nhé.", [MENU_BUTTON])
    if len(contests) == 1:
        return await _intro(turn, contests[0])
    buttons = [Button(f"🏆 {c.title}", Action("quiz", f"open:{c.id}").pack()) for c in contests]
    return _response("Các cuộc thi đang mở:", [*buttons, MENU_BUTTON])


async def on_button(turn: Turn, arg: str) -> Response:
    """quiz:open:<id>, quiz:go:<id>, quiz:ans:<shown option>, quiz:skip."""
    verb, _, rest = arg.partition(":")
    number = number_arg(rest)
    if verb in ("open", "go") and number is not None:
        contest = await turn.session.get(Contest, number)
        if contest is None or not _is_open(contest, turn.deps.clock()):
            return await entry(turn)
        return await (_intro(turn, contest) if verb == "open" else _begin(turn, contest))
    if verb == "ans" and number is not None:
        return await _answer(turn, number)
    if verb == "skip" and _data(turn).get("step") == "affiliation":
        return await _start(turn, None)
    return await entry(turn)


def _is_open(contest: Contest, now: datetime) -> bool:
    return contest.published and contest.starts_at <= now < contest.ends_at


def _local(moment: datetime) -> str:
    return moment.astimezone(VIETNAM).strftime("%H:%M ngày %d/%m/%Y")


async def _intro(turn: Turn, contest: Contest) -> Response:
    learner = await lq.learner_of(turn.session, turn.user)
    attempt = await cq.attempt_of(turn.session, contest.id, learner.id)
    if attempt is not None and attempt.finished_at is not None:
        return _already(contest, attempt)
    bank = await cq.questions(turn.session, contest.id)
    lines = [f"🏆 {contest.title}"]
    if contest.intro:
        lines.append(contest.intro)
    lines.append(
        f"Gồm {len(bank)} câu hỏi trắc nghiệm, thứ tự ngẫu nhiên. Mỗi người chỉ được thi "
        f"một lần. Cuộc thi mở đến {_local(contest.ends_at)}."
    )
    label = "Thi tiếp" if attempt is not None else "Bắt đầu thi"
    return _response(
        "\n".join(lines), [Button(label, Action("quiz", f"go:{contest.id}").pack()), CANCEL_BUTTON]
    )


def _already(contest: Contest, attempt: ContestAttempt) -> Response:
    text = (
        f"Bạn đã thi “{contest.title}” rồi: {attempt.score}/{attempt.total} câu đúng. "
        "Mỗi người chỉ được thi một lần. Cảm ơn bạn đã tham gia!"
    )
    return _response(text, [MENU_BUTTON])


async def _begin(turn: Turn, contest: Contest) -> Response:
    learner = await lq.learner_of(turn.session, turn.user)
    attempt = await cq.attempt_of(turn.session, contest.id, learner.id)
    if attempt is not None:
        if attempt.finished_at is not None:
            return _already(contest, attempt)
        turn.state.flow = FLOW
        turn.state.data[FLOW] = {"contest": contest.id, "step": "questions"}
        return await _question(turn, contest, attempt)
    turn.state.flow = FLOW
    turn.state.data[FLOW] = {"contest": contest.id, "step": "name"}
    return _response(
        "Bạn cho biết họ và tên (để ghi lên giấy chứng nhận nếu bạn đạt):", [CANCEL_BUTTON]
    )


async def on_message(turn: Turn) -> Response | None:
    """Typed name and affiliation; answers come as buttons or typed numbers."""
    data, text = _data(turn), " ".join(turn.text.split())
    if data.get("step") == "name":
        if not 2 <= len(text) <= MAX_NAME or not any(c.isalpha() for c in text):
            return _response(
                "Bạn gõ họ và tên giúp mình nhé, ví dụ: Nguyễn Văn An.", [CANCEL_BUTTON]
            )
        data["name"] = text
        contest = await turn.session.get(Contest, int(data["contest"]))
        if contest is not None and contest.affiliation_question:
            data["step"] = "affiliation"
            skip = Button("Bỏ qua", Action("quiz", "skip").pack())
            return _response(contest.affiliation_question, [skip, CANCEL_BUTTON])
        return await _start(turn, None)
    if data.get("step") == "affiliation":
        if not text:
            return None
        return await _start(turn, text[:MAX_AFFILIATION])
    return None


async def _start(turn: Turn, affiliation: str | None) -> Response:
    data = _data(turn)
    contest = await turn.session.get(Contest, int(data.get("contest", 0)))
    if contest is None or not _is_open(contest, turn.deps.clock()):
        turn.state.flow = None
        return await entry(turn)
    learner = await lq.learner_of(turn.session, turn.user)
    attempt = await cq.attempt_of(turn.session, contest.id, learner.id)
    if attempt is None:
        attempt = await cq.start_attempt(
            turn.session, contest, learner.id, turn.msg.channel, data.get("name", ""), affiliation
        )
    data["step"] = "questions"
    return await _question(turn, contest, attempt)


async def _bank(turn: Turn, contest_id: int) -> dict[int, ContestQuestion]:
    return {q.id: q for q in await cq.questions(turn.session, contest_id)}


async def _question(turn: Turn, contest: Contest, attempt: ContestAttempt) -> Response:
    position = len(attempt.answers)
    question_id, order = attempt.plan[position]
    question = (await _bank(turn, contest.id))[question_id]
    text = f"Câu {position + 1}/{attempt.total}: {question.question}"
    buttons = [
        Button(question.options[original - 1], Action("quiz", f"ans:{shown}").pack())
        for shown, original in enumerate(order, 1)
    ]
    return _response(text, buttons)


async def _answer(turn: Turn, shown: int) -> Response:
    data = _data(turn)
    contest = await turn.session.get(Contest, int(data.get("contest", 0)))
    if contest is None or data.get("step") != "questions":
        return await entry(turn)
    learner = await lq.learner_of(turn.session, turn.user)
    attempt = await cq.attempt_of(turn.session, contest.id, learner.id)
    if attempt is None or attempt.finished_at is not None:
        return await entry(turn)
    _, order = attempt.plan[len(attempt.answers)]
    if not 1 <= shown <= len(order):
        return await _question(turn, contest, attempt)
    attempt.answers = [*attempt.answers, order[shown - 1]]  # a new list: JSON change tracked
    if len(attempt.answers) < attempt.total:
        return await _question(turn, contest, attempt)
    return await _finish(turn, contest, attempt)


async def _finish(turn: Turn, contest: Contest, attempt: ContestAttempt) -> Response:
    bank = await _bank(turn, contest.id)
    now = utcnow()
    missed = []
    score = 0
    for (question_id, _order), chosen in zip(attempt.plan, attempt.answers, strict=True):
        question = bank[question_id]
        if chosen == question.answer:
            score += 1
        else:
            missed.append(question)
    attempt.score, attempt.finished_at = score, now
    attempt.seconds = (now - attempt.started_at).total_seconds()
    turn.state.flow = None
    turn.state.data.pop(FLOW, None)
    passed = attempt.total and score * 100 >= contest.pass_percent * attempt.total
    lines = [
        f"Bạn đã hoàn thành “{contest.title}”: {score}/{attempt.total} câu đúng, "
        f"trong {int(attempt.seconds // 60)} phút {int(attempt.seconds % 60)} giây."
    ]
    for question in missed[:10]:
        lines.append(
            f"• {question.question}\n  Đáp án đúng: {question.options[question.answer - 1]}."
            + (f" {question.explanation}" if question.explanation else "")
        )
    image = None
    if passed:
        attempt.certificate = secrets.token_urlsafe(16)
        path = f"/chung-nhan/{attempt.certificate}.png"
        image = f"{turn.deps.public_url}{path}" if turn.deps.public_url else None
        lines.append(
            "🎉 Chúc mừng bạn đạt yêu cầu! Giấy chứng nhận của bạn:"
            + ("" if image else f" {path}")
        )
    else:
        lines.append(f"Cần đúng từ {contest.pass_percent}% số câu để nhận giấy chứng nhận.")
    response = _response("\n\n".join(lines), [MENU_BUTTON], image)
    response.content_id = f"contest:{contest.id}"
    return response


CONTEST_WORDS = {"thi", "du thi", "cuoc thi", "thi tim hieu", "tham gia cuoc thi"}


async def _entry(turn: Turn, _arg: str = "") -> Response:
    return await entry(turn)


async def _typed(turn: Turn) -> Response | None:
    return await entry(turn) if folded_phrase(turn.text) in CONTEST_WORDS else None


FEATURE = Feature(
    "contest",
    verbs={"quiz": on_button},
    commands={"/thi": _entry, "/cuoc_thi": _entry},
    typed=_typed,
    flows=frozenset({FLOW}),
    on_message=on_message,
)
