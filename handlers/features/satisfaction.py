"""One 1-5 question: after an answer (asked when the resident says thanks or goodbye, once per
conversation) and when feedback is resolved. Ratings feed the monthly report."""

from __future__ import annotations

from db import feedback_queries as fq
from handlers.cards import MENU_BUTTON
from handlers.domain.actions import Action, number_arg
from handlers.domain.types import Button, Reply, Response
from handlers.domain.vocabulary import RATING_LABELS
from handlers.feature import Feature
from handlers.render import with_buttons
from handlers.turn import Turn

QUESTION = (
    "Câu trả lời vừa rồi có giúp được bạn không? Bạn chấm giúp phường từ 1 (rất không hài "
    "lòng) đến 5 (rất hài lòng)."
)
SUBJECTS = {"a": "answer", "f": "feedback"}
RATING_FOR, RATED = "rating_for", "rated"  # the answer asked about, and that it was rated
ALREADY = "Bạn đã chấm điểm rồi. Cảm ơn bạn!"


RESOLVED_QUESTION = (
    "Bạn chấm giúp phường mức hài lòng từ 1 (rất không hài lòng) đến 5 (rất hài lòng)."
)


def rating_buttons(subject: str, ref: str) -> list[Button]:
    """Five buttons whose payloads carry what is being rated ("a" answer, "f" feedback)."""
    return [
        Button(f"{n} - {label}", Action("rate", f"{subject}:{ref}:{n}").pack())
        for n, label in RATING_LABELS.items()
    ]


def maybe_ask(turn: Turn) -> Reply | None:
    """The rating question, if an answer was given in this conversation and not yet rated."""
    answered = turn.state.data.get("answered")
    if not answered or turn.state.data.get("rating_asked"):
        return None
    turn.state.data["rating_asked"] = True
    turn.state.data[RATING_FOR] = answered  # the one answer a rating is accepted for
    return Reply(QUESTION, tuple(rating_buttons("a", answered)))


async def on_rating(turn: Turn, arg: str) -> Response:
    """Store a rating given by button (or by typing its number)."""
    subject, _, rest = arg.partition(":")
    ref, _, score_text = rest.rpartition(":")
    score = number_arg(score_text)
    if subject not in SUBJECTS or score is None or not 1 <= score <= 5:
        return Response(
            [with_buttons("Mình chưa hiểu điểm đánh giá này.", [MENU_BUTTON])], intent="menu"
        )
    feedback_id = None
    if subject == "a" and (
        turn.state.data.get(RATING_FOR) != ref or turn.state.data.get(RATED) == ref
    ):  # a rating is stored only when one was asked, and once
        return Response([with_buttons(ALREADY, [MENU_BUTTON])], intent="greeting")
    if subject == "f":
        record = await fq.by_code(turn.session, ref)
        if record is None or record.user_id != turn.user.id:
            return Response(
                [with_buttons("Không tìm thấy phản ánh này.", [MENU_BUTTON])], intent="feedback"
            )
        if record.status != "resolved" or await fq.rated(turn.session, record.id):
            return Response([with_buttons(ALREADY, [MENU_BUTTON])], intent="greeting")
        feedback_id = record.id
    await fq.add_rating(
        turn.session,
        user_id=turn.user.id,
        channel=turn.msg.channel,
        subject=SUBJECTS[subject],
        content_id=ref if subject == "a" else None,
        feedback_id=feedback_id,
        score=score,
    )
    turn.state.data["rating_asked"] = True
    if subject == "a":
        turn.state.data[RATED] = ref
    text = f"Cảm ơn bạn đã chấm {score}/5! Ý kiến của bạn giúp phường phục vụ tốt hơn."
    return Response([with_buttons(text, [MENU_BUTTON])], intent="greeting")


FEATURE = Feature("satisfaction", verbs={"rate": on_rating})
