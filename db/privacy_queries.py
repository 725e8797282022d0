"""A resident's personal data under Nghị định 13/2023/NĐ-CP: what the ward holds about one chat
(`export`), erasing it (`forget_user`), and anonymising feedback records, which the ward keeps
for its duties and its report but without anything that points to the person.

Session-first like the other query modules: the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, bindparam, delete, func, null, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import photo_queries
from db.learning_queries import new_code
from db.masking import mask, mask_phone
from db.models import (
    ChannelEvent,
    Contest,
    ContestAttempt,
    ConversationState,
    CourseProgress,
    Feedback,
    FeedbackEvent,
    Interaction,
    Learner,
    Outbox,
    Question,
    Rating,
    Subscription,
    SubscriptionEvent,
    UnansweredQuestion,
    User,
)

# Outbox rows not tried yet are deleted with the resident. Rows already tried keep their status
# (the announcement figures count them) but lose text and address; so do rows a sender holds
# right now ("sending"), since it records the result by id and already has the text.
UNSENT = ("pending",)
STAFF_ALERT = "staff_alert"  # to the staff group, quoting the feedback: masked, not deleted


def blanked_outbox_values() -> dict[str, Any]:
    """An outbox row emptied of its text and address; its status stays for the figures."""
    return {"text": "", "buttons": [], "image_url": None, "user_ref": "", "user_id": None}


@dataclass(frozen=True)
class FeedbackItem:
    code: str
    status: str
    requested_at: datetime
    phone: str | None  # masked, e.g. 0905***456; None when no phone is kept


@dataclass(frozen=True)
class AttemptItem:
    contest: str
    name: str | None
    affiliation: str | None
    score: int
    total: int
    finished: bool


@dataclass
class PersonalData:
    """Everything stored about one chat's resident, summarised (counts, never all messages)."""

    channel: str
    since: datetime
    display_name: str | None
    area: str | None
    topics: list[str] = field(default_factory=list)
    messages_in: int = 0
    messages_out: int = 0
    oldest_message: datetime | None = None
    unanswered: int = 0
    questions: int = 0  # questions handed over to staff
    feedback: list[FeedbackItem] = field(default_factory=list)
    ratings: int = 0
    courses_in_progress: list[str] = field(default_factory=list)  # course ids
    courses_completed: list[str] = field(default_factory=list)
    attempts: list[AttemptItem] = field(default_factory=list)
    other_chats: int = 0  # other chats joined to the same learner (courses, contest)
    pending_messages: int = 0  # messages from the ward not delivered yet


async def _count(session: AsyncSession, table: type, *where: ColumnElement[bool]) -> int:
    return int(await session.scalar(select(func.count()).select_from(table).where(*where)) or 0)


async def has_stored_messages(session: AsyncSession, user_id: int) -> bool:
    """True once any message of this chat is stored (in or out)."""
    stored = await session.scalar(_ANY_STORED_MESSAGE, {"user_id": user_id})
    return stored is not None


# Asked of every resident's first message in a conversation: built once.
_ANY_STORED_MESSAGE = (
    select(Interaction.__table__.c.id)
    .where(Interaction.__table__.c.user_id == bindparam("user_id"))
    .limit(1)
)


async def export(session: AsyncSession, user_id: int) -> PersonalData | None:
    """What the ward holds about this chat's resident; None if the chat is unknown."""
    user = await session.get(User, user_id)
    if user is None:
        return None
    data = PersonalData(user.channel, user.created_at, user.display_name, user.area)
    data.topics = list(
        (
            await session.scalars(
                select(Subscription.topic)
                .where(Subscription.user_id == user_id)
                .order_by(Subscription.topic)
            )
        ).all()
    )
    rows = await session.execute(
        select(Interaction.direction, func.count(), func.min(Interaction.created_at))
        .where(Interaction.user_id == user_id)
        .group_by(Interaction.direction)
    )
    for direction, count, oldest in rows.all():
        if direction == "in":
            data.messages_in = int(count)
        else:
            data.messages_out = int(count)
        if oldest is not None and (data.oldest_message is None or oldest < data.oldest_message):
            data.oldest_message = oldest
    data.unanswered = await _count(
        session, UnansweredQuestion, UnansweredQuestion.user_id == user_id
    )
    data.questions = await _count(session, Question, Question.user_id == user_id)
    data.feedback = [
        FeedbackItem(
            f.service_request_id,
            f.status,
            f.requested_datetime,
            mask_phone(f.phone) if f.phone else None,
        )
        for f in await session.scalars(
            select(Feedback)
            .where(Feedback.user_id == user_id)
            .order_by(Feedback.requested_datetime)
        )
    ]
    data.ratings = await _count(session, Rating, Rating.user_id == user_id)
    data.pending_messages = await _count(
        session, Outbox, Outbox.user_id == user_id, Outbox.status.in_(UNSENT)
    )
    if user.learner_id is not None:
        data.other_chats = await _count(
            session, User, User.learner_id == user.learner_id, User.id != user_id
        )
        for course_id, status in (
            await session.execute(
                select(CourseProgress.course_id, CourseProgress.status)
                .where(CourseProgress.learner_id == user.learner_id)
                .order_by(CourseProgress.started_at)
            )
        ).all():
            done = status == "completed"
            (data.courses_completed if done else data.courses_in_progress).append(course_id)
        data.attempts = [
            AttemptItem(title, name, affiliation, score, total, finished is not None)
            for title, name, affiliation, score, total, finished in (
                await session.execute(
                    select(
                        Contest.title,
                        ContestAttempt.name,
                        ContestAttempt.affiliation,
                        ContestAttempt.score,
                        ContestAttempt.total,
                        ContestAttempt.finished_at,
                    )
                    .join(Contest, Contest.id == ContestAttempt.contest_id)
                    .where(ContestAttempt.learner_id == user.learner_id)
                    .order_by(ContestAttempt.started_at)
                )
            ).all()
        ]
    return data


async def anonymise_feedback(session: AsyncSession, feedback_ids: Sequence[int]) -> int:
    """Keep the records (the ward's duty, the report's counts) but cut every link to the
    person: no resident, no phone, phone and ID numbers and emails masked in the description,
    the staff notes and the audit trail, and in the staff alert that quoted it; a photo sent
    from the website is deleted."""
    ids = list(feedback_ids)
    if not ids:
        return 0
    records = list(await session.scalars(select(Feedback).where(Feedback.id.in_(ids))))
    await photo_queries.delete_photos(session, [record.media_url for record in records])
    for record in records:
        record.user_id, record.phone, record.phone_consent = None, None, False
        record.description = mask(record.description)
        record.area = mask(record.area) if record.area else None  # "nhà số 12, 0905…"
        record.media_url = None  # a photo of the resident's place or of them
        if record.status_notes:
            record.status_notes = mask(record.status_notes)
        alerts = await session.scalars(
            select(Outbox).where(
                Outbox.kind == STAFF_ALERT, Outbox.text.contains(record.service_request_id)
            )
        )
        for alert in alerts:
            alert.text = mask(alert.text)
    events = await session.scalars(
        select(FeedbackEvent).where(
            FeedbackEvent.feedback_id.in_(ids), FeedbackEvent.note.is_not(None)
        )
    )
    for event in events:
        event.note = mask(event.note or "")
    await session.flush()
    return len(records)


async def _free_learner_code(session: AsyncSession) -> str:
    while True:
        code = new_code()
        if await session.scalar(select(Learner.id).where(Learner.code == code)) is None:
            return code


async def forget_user(session: AsyncSession, user_id: int) -> dict[str, int]:
    """Erase one chat's resident in the caller's transaction; returns what was done, by kind.

    Deleted: messages, unanswered questions, questions handed over to staff, subscriptions and
    their history, conversation state, messages not sent yet, course progress (and the learner
    when no other chat uses it), and the resident. Kept without the link: ratings, feedback
    (anonymised), messages already sent (text and address blanked), contest scores (name and
    affiliation blanked). Raw updates: every handled update of the resident's channel loses its
    payload (see `clear_event_payloads`)."""
    await session.flush()  # nothing of this turn may be written after the rows are gone
    user = await session.get(User, user_id)
    if user is None:
        return {}
    done: dict[str, int] = {}

    async def run(name: str, stmt: object) -> None:
        done[name] = (await session.execute(stmt)).rowcount or 0  # type: ignore[arg-type]

    await run(
        "unanswered", delete(UnansweredQuestion).where(UnansweredQuestion.user_id == user_id)
    )
    await run("questions", delete(Question).where(Question.user_id == user_id))
    await run("messages", delete(Interaction).where(Interaction.user_id == user_id))
    await run("subscriptions", delete(Subscription).where(Subscription.user_id == user_id))
    await run(
        "subscription_history",
        delete(SubscriptionEvent).where(SubscriptionEvent.user_id == user_id),
    )
    await run("state", delete(ConversationState).where(ConversationState.user_id == user_id))
    await run("ratings", update(Rating).where(Rating.user_id == user_id).values(user_id=None))
    addressed = or_(
        Outbox.user_id == user_id,
        (Outbox.channel == user.channel)
        & (Outbox.user_ref == user.external_id)
        & (Outbox.kind != STAFF_ALERT),
    )
    await run("outbox_deleted", delete(Outbox).where(addressed, Outbox.status.in_(UNSENT)))
    await run(
        "outbox_blanked",
        update(Outbox).where(addressed).values(**blanked_outbox_values()),
    )
    feedback_ids = list(
        await session.scalars(select(Feedback.id).where(Feedback.user_id == user_id))
    )
    done["feedback_anonymised"] = await anonymise_feedback(session, feedback_ids)
    await _forget_learner(session, user, done)
    done["channel_events"] = await clear_event_payloads(session, user.channel)
    await session.execute(delete(User).where(User.id == user_id))
    session.expunge(user)
    done["resident"] = 1
    return done


async def _forget_learner(session: AsyncSession, user: User, done: dict[str, int]) -> None:
    """Courses and contest of this chat's learner, unless another chat is the same learner
    (typed its code): then they are that chat's too and stay with it."""
    done["courses"] = done["contest_attempts"] = 0
    learner_id = user.learner_id
    if learner_id is None:
        return
    others = await _count(session, User, User.learner_id == learner_id, User.id != user.id)
    if others:
        done["learner_shared"] = others
        return
    await session.execute(update(User).where(User.id == user.id).values(learner_id=None))
    done["courses"] = (
        await session.execute(
            delete(CourseProgress).where(CourseProgress.learner_id == learner_id)
        )
    ).rowcount or 0
    done["contest_attempts"] = (
        await session.execute(
            update(ContestAttempt)
            .where(ContestAttempt.learner_id == learner_id)
            .values(
                name="",
                affiliation=None,
                affiliation_key=None,
                certificate=None,
                address_key=None,  # hashed, but still the visitor's address and browser
                device_key=None,
            )
        )
    ).rowcount or 0
    if done["contest_attempts"]:
        # The scores stay (results must add up), so their learner stays, under a fresh code
        # nobody knows: the old code can no longer resume anything.
        await session.execute(
            update(Learner)
            .where(Learner.id == learner_id)
            .values(code=await _free_learner_code(session))
        )
    else:
        await session.execute(delete(Learner).where(Learner.id == learner_id))


async def clear_event_payloads(
    session: AsyncSession, channel: str | None = None, before: datetime | None = None
) -> int:
    """Drop the stored raw updates (they contain what residents wrote) of handled events,
    keeping the row and its key, which is all de-duplication needs. Updates not handled yet
    keep theirs: they still have to be answered."""
    stmt = update(ChannelEvent).where(
        ChannelEvent.handled_at.is_not(None), ChannelEvent.payload.is_not(null())
    )
    if channel is not None:
        stmt = stmt.where(ChannelEvent.channel == channel)
    if before is not None:
        stmt = stmt.where(ChannelEvent.handled_at < before)
    return (await session.execute(stmt.values(payload=null()))).rowcount or 0
