"""The quiz contest in the chat: name, affiliation (when the contest asks), then the questions in
an order shuffled for each participant, one attempt per person. At the end: the score and a
certificate picture for those who pass; what was missed, with its explanation, once the
contest is over (or at once, when the contest says so), so answers cannot be passed around
or learnt for a second try.

The shuffled order is fixed in the attempt when it starts, and answers are stored as the
original option numbers, so shuffling can never change which answer is right. Website
visitors can renew their id at will: their attempts are also counted per device and per
address. How long each answer took is kept, for the leaderboard's flags.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from content.normalize import folded_phrase
from db import contest_queries as cq
from db import learning_queries as lq
from db.models import Contest, ContestAttempt, ContestQuestion, utcnow
from handlers.cards import CANCEL_BUTTON, MENU_BUTTON
from handlers.domain.actions import Action, number_arg
from handlers.domain.calendar import VIETNAM
from handlers.domain.types import Button, Reply, Response
from handlers.feature import Feature
from handlers.render import with_buttons
from handlers.turn import Turn

FLOW = "quiz"
MAX_NAME, MAX_AFFILIATION = 60, 100
MISSED_SHOWN = 10
REVIEW_DAYS = 30  # answers of a contest stay on offer this long after it closes


def _response(text: str, buttons: list[Button], image: str | None = None) -> Response:
    reply = with_buttons(text, buttons)
    return Response([Reply(reply.text, reply.buttons, image)], intent="learn")


def in_flow(turn: Turn) -> bool:
    return turn.state.flow == FLOW


def _data(turn: Turn) -> dict:
    return turn.state.data.setdefault(FLOW, {})


async def entry(turn: Turn) -> Response:
    """The contests open now, and the answers of those this resident took that are over."""
    now = turn.deps.clock()
    contests = await cq.open_contests(turn.session, now)
    reviews = await _reviewable(turn, now)
    if len(contests) == 1 and not reviews:
        return await _intro(turn, contests[0])
    buttons = [Button(f"🏆 {c.title}", Action("quiz", f"open:{c.id}").pack()) for c in contests]
    buttons += [_review_button(c) for c in reviews]
    if not contests:
        text = "Hiện chưa có cuộc thi nào đang mở. Bạn quay lại sau nhé."
        if reviews:
            text += "\nBạn có thể xem đáp án cuộc thi bạn đã tham gia:"
        return _response(text, [*buttons, MENU_BUTTON])
    text = "Các cuộc thi đang mở:" + (" (và đáp án cuộc thi bạn đã tham gia)" if reviews else "")
    return _response(text, [*buttons, MENU_BUTTON])


async def _reviewable(turn: Turn, now: datetime) -> list[Contest]:
    if turn.user.learner_id is None:  # never took part: no learner to make just to look
        return []
    since = now - timedelta(days=REVIEW_DAYS)
    return await cq.reviewable(turn.session, turn.user.learner_id, now, since)


def _review_button(contest: Contest) -> Button:
    return Button(f"📖 Đáp án: {contest.title}", Action("quiz", f"review:{contest.id}").pack())


async def on_button(turn: Turn, arg: str) -> Response:
    """quiz:open:<id>, quiz:go:<id>, quiz:ans:<shown option>, quiz:skip, quiz:review:<id>."""
    verb, _, rest = arg.partition(":")
    number = number_arg(rest)
    if verb == "review" and number is not None:
        return await _review(turn, number)
    if verb in ("open", "go") and number is not None:
        contest = await turn.session.get(Contest, number)
        if contest is None or not _is_open(contest, turn.deps.clock()):
            return await entry(turn)
        if not await cq.has_questions(turn.session, contest.id):  # published before its bank
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
        + (" Đáp án được công bố khi cuộc thi kết thúc." if contest.reveal_after_close else "")
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
        origin = turn.msg.origin
        keys = cq.visitor_keys(contest, origin.address, origin.agent) if origin else None
        if keys is not None and (limit := await cq.web_limit_reached(turn.session, contest, keys)):
            turn.state.flow = None
            turn.state.data.pop(FLOW, None)
            return _response(_limit_text(contest, limit), [MENU_BUTTON])
        attempt = await cq.start_attempt(
            turn.session,
            contest,
            learner.id,
            turn.msg.channel,
            data.get("name", ""),
            affiliation,
            keys=keys,
        )
    data["step"] = "questions"
    return await _question(turn, contest, attempt)


def _limit_text(contest: Contest, limit: str) -> str:
    where = (
        f"Thiết bị này đã có {contest.web_attempts_per_device} lượt thi"
        if limit == "device"
        else f"Mạng Internet bạn đang dùng đã có {contest.web_attempts_per_address} lượt thi"
    )
    return (
        f"{where} “{contest.title}” trên trang web, là mức tối đa. Mỗi người chỉ thi một lần. "
        "Nếu bạn chưa thi, bạn có thể thi qua Zalo hoặc Telegram của phường, hoặc nhờ Tổ công "
        "nghệ số cộng đồng giúp."
    )


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
    took = cq.seconds_on_question(attempt, utcnow())
    attempt.answers = [*attempt.answers, order[shown - 1]]  # a new list: JSON change tracked
    attempt.answer_seconds = [*(attempt.answer_seconds or []), took]
    if len(attempt.answers) < attempt.total:
        return await _question(turn, contest, attempt)
    return await _finish(turn, contest, attempt)


async def _finish(turn: Turn, contest: Contest, attempt: ContestAttempt) -> Response:
    missed = await _missed(turn, contest, attempt)
    now = utcnow()
    score = attempt.total - len(missed)
    attempt.score, attempt.finished_at = score, now
    attempt.seconds = (now - attempt.started_at).total_seconds()
    turn.state.flow = None
    turn.state.data.pop(FLOW, None)
    passed = cq.passes(score, attempt.total, contest.pass_percent)
    lines = [
        f"Bạn đã hoàn thành “{contest.title}”: {score}/{attempt.total} câu đúng, "
        f"trong {int(attempt.seconds // 60)} phút {int(attempt.seconds % 60)} giây."
    ]
    if _answers_shown(contest, turn.deps.clock()):
        lines += _explained(missed)
    elif missed:
        lines.append(
            f"Đáp án và giải thích sẽ có khi cuộc thi kết thúc ({_local(contest.ends_at)}). "
            "Khi đó, bạn nhắn “xem đáp án” để xem lại bài của mình."
        )
    image = None
    if passed:
        attempt.certificate = secrets.token_urlsafe(16)
        path = f"/chung-nhan/{attempt.certificate}.png"
        image = f"{turn.deps.public_url}{path}" if turn.deps.public_url else None
        if image is None and turn.msg.channel == "web":
            image = path  # the widget fetches it from the server that serves the chat
        lines.append(
            "🎉 Chúc mừng bạn đạt yêu cầu! Giấy chứng nhận của bạn:"
            + ("" if image else f" {path}")
        )
    else:
        lines.append(f"Cần đúng từ {contest.pass_percent}% số câu để nhận giấy chứng nhận.")
    response = _response("\n\n".join(lines), [MENU_BUTTON], image)
    response.content_id = f"contest:{contest.id}"
    return response


async def _missed(turn: Turn, contest: Contest, attempt: ContestAttempt) -> list[ContestQuestion]:
    bank = await _bank(turn, contest.id)
    return [
        bank[question_id]
        for (question_id, _order), chosen in zip(attempt.plan, attempt.answers, strict=False)
        if chosen != bank[question_id].answer
    ]


def _answers_shown(contest: Contest, now: datetime) -> bool:
    return not contest.reveal_after_close or now >= contest.ends_at


def _explained(missed: list[ContestQuestion]) -> list[str]:
    lines = [
        f"• {question.question}\n  Đáp án đúng: {question.options[question.answer - 1]}."
        + (f" {question.explanation}" if question.explanation else "")
        for question in missed[:MISSED_SHOWN]
    ]
    if len(missed) > MISSED_SHOWN:
        lines.append(f"… và {len(missed) - MISSED_SHOWN} câu khác chưa đúng.")
    return lines


async def _review(turn: Turn, contest_id: int) -> Response:
    """quiz:review:<id>: the answers and explanations of a finished attempt, once they may
    be shown."""
    contest = await turn.session.get(Contest, contest_id)
    learner = await lq.learner_of(turn.session, turn.user)
    attempt = await cq.attempt_of(turn.session, contest_id, learner.id) if contest else None
    if contest is None or attempt is None or attempt.finished_at is None:
        return await review_entry(turn)
    if not _answers_shown(contest, turn.deps.clock()):
        return _response(
            f"Đáp án “{contest.title}” sẽ có khi cuộc thi kết thúc ({_local(contest.ends_at)}). "
            "Bạn quay lại sau nhé.",
            [MENU_BUTTON],
        )
    missed = await _missed(turn, contest, attempt)
    lines = [f"📖 Đáp án “{contest.title}”: bài của bạn đúng {attempt.score}/{attempt.total} câu."]
    lines += _explained(missed) or ["Bạn trả lời đúng tất cả các câu. Xin chúc mừng!"]
    return _response("\n\n".join(lines), [MENU_BUTTON])


async def review_entry(turn: Turn) -> Response:
    """ "xem đáp án": the contests over whose answers this resident may see."""
    now = turn.deps.clock()
    reviews = await _reviewable(turn, now)
    if len(reviews) == 1:
        return await _review(turn, reviews[0].id)
    if reviews:
        buttons = [_review_button(c) for c in reviews]
        return _response("Bạn muốn xem đáp án cuộc thi nào?", [*buttons, MENU_BUTTON])
    learner = await lq.learner_of(turn.session, turn.user)
    for contest in await cq.open_contests(turn.session, now):
        attempt = await cq.attempt_of(turn.session, contest.id, learner.id)
        if attempt is not None and attempt.finished_at is not None:
            return await _review(turn, contest.id)  # says when its answers come
    return _response(
        "Chưa có đáp án nào để xem: đáp án có khi cuộc thi bạn đã làm bài kết thúc.",
        [MENU_BUTTON],
    )


CONTEST_WORDS = {"thi", "du thi", "cuoc thi", "thi tim hieu", "tham gia cuoc thi"}
REVIEW_WORDS = {
    "dap an",
    "xem dap an",
    "dap an cuoc thi",
    "xem dap an cuoc thi",
    "dap an bai thi",
    "xem lai bai thi",
    "ket qua cuoc thi",
    "xem ket qua thi",
}


async def _entry(turn: Turn, _arg: str = "") -> Response:
    return await entry(turn)


async def _typed(turn: Turn) -> Response | None:
    phrase = folded_phrase(turn.text)
    if phrase in CONTEST_WORDS:
        return await entry(turn)
    return await review_entry(turn) if phrase in REVIEW_WORDS else None


FEATURE = Feature(
    "contest",
    verbs={"quiz": on_button},
    commands={"/thi": _entry, "/cuoc_thi": _entry},
    typed=_typed,
    flows=frozenset({FLOW}),
    on_message=on_message,
)
