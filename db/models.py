"""Database tables (SQLAlchemy 2 typed models). Changes go through Alembic migrations."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.feedback_search import search_text

MAX_STORED_TEXT = 4000  # characters of a message kept in the database


# Stored times are UTC; days, codes and due dates a person reads are Vietnam's.
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


def utcnow() -> datetime:
    """Current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use timezone-aware UTC")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    """Base of all tables."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime,
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class User(Base):
    """A resident as seen on one channel (Telegram chat id, Zalo user id, web anonymous id)."""

    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_users_channel_external"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    area: Mapped[str | None] = mapped_column(String(100))  # tổ dân phố, for area news
    area_key: Mapped[str | None] = mapped_column(String(100), index=True)  # content/areas.py
    # The person behind this chat, for courses and contests followed across channels.
    learner_id: Mapped[int | None] = mapped_column(
        ForeignKey("learners.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A staff answer could not be pushed (outside the platform's window): it comes with the
    # next reply. A flag on the row read anyway, so other messages cost no extra query.
    answers_waiting: Mapped[bool] = mapped_column(Boolean, default=False)


class ConversationState(Base):
    """Where a resident is in a multi-step flow; kept in the database so flows survive restarts."""

    __tablename__ = "conversation_states"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    conversation_id: Mapped[str] = mapped_column(String(32))
    flow: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    options: Mapped[list[Any]] = mapped_column(default=list)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Interaction(Base):
    """One message in or out, with what the assistant understood and how long it took."""

    __tablename__ = "interactions"
    __table_args__ = (
        Index("ix_interactions_created_at", "created_at"),
        # Covers every column the monthly report groups by: its scans never touch the table.
        Index(
            "ix_interactions_report",
            "direction",
            "created_at",
            "channel",
            "intent",
            "content_id",
            "conversation_id",
            "user_id",
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[str] = mapped_column(String(32), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(3))  # "in" or "out"
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[str | None] = mapped_column(String(128))
    intent: Mapped[str | None] = mapped_column(String(16))
    content_id: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float | None] = mapped_column(Float)
    latency_ms: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The title of the button pressed (the payload is code): what staff read in the thread.
    button_title: Mapped[str | None] = mapped_column(String(128))


class UnansweredQuestion(Base):
    """A question the assistant could not answer: shows staff where the catalogue has gaps."""

    __tablename__ = "unanswered_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interactions.id", ondelete="SET NULL")
    )
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(Text)
    best_guess: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Subscription(Base):
    """A resident's wish to receive announcements on a topic."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "topic", name="uq_subscriptions_user_topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubscriptionEvent(Base):
    """A topic added or removed, kept so the report can count subscribers at any past
    moment (the subscriptions table holds only the present)."""

    __tablename__ = "subscription_events"
    __table_args__ = (Index("ix_subscription_events_user_topic", "user_id", "topic"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(8))  # "add" or "remove"
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ChannelEvent(Base):
    """An update a channel delivered (Telegram update_id, Zalo event), kept as received.

    The webhook stores it before acknowledging, so nothing acknowledged is lost; handling
    marks `handled_at` in the same transaction as the conversation, so a re-delivered or
    re-queued update is handled once.
    """

    __tablename__ = "channel_events"
    __table_args__ = (UniqueConstraint("channel", "event_key", name="uq_channel_events_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    handled_at: Mapped[datetime | None] = mapped_column(index=True)
    error: Mapped[str | None] = mapped_column(String(300))


class ZaloOAToken(Base):
    """The Official Account's current OAuth pair. The refresh token is single-use, so a new
    pair replaces the old one in the same transaction that holds this row's lock."""

    __tablename__ = "zalo_oa_tokens"

    app_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    refresh_failed_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(300))


class Feedback(Base):
    """A phản ánh/kiến nghị, modelled on Open311 GeoReport v2 (service request)."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_request_id: Mapped[str] = mapped_column(String(16), unique=True)  # tracking code
    service_code: Mapped[str] = mapped_column(String(32), index=True)  # category
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    status_notes: Mapped[str | None] = mapped_column(Text)
    agency_responsible: Mapped[str | None] = mapped_column(String(128))
    requested_datetime: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_datetime: Mapped[datetime] = mapped_column(default=utcnow)
    expected_datetime: Mapped[datetime] = mapped_column()
    media_url: Mapped[str | None] = mapped_column(String(500))
    channel: Mapped[str] = mapped_column(String(16), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    area: Mapped[str | None] = mapped_column(String(200))  # tổ dân phố or address given
    phone: Mapped[str | None] = mapped_column(String(20))  # only after explicit consent
    phone_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    assigned_to: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    filed_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))  # walk-in/phone
    first_answered_at: Mapped[datetime | None] = mapped_column()
    resolved_at: Mapped[datetime | None] = mapped_column()
    announcement_id: Mapped[int | None] = mapped_column(  # a reply to this announcement
        ForeignKey("announcements.id", ondelete="SET NULL"), index=True
    )
    # Folded words and phone digits for the console's search (db/feedback_search.py).
    search_text: Mapped[str] = mapped_column(Text, default="")
    # The ward's answer as anyone with the code may read it on /tra-cuu once resolved: staff
    # choose to publish it (a reply to the resident may name them), phone numbers masked.
    public_answer: Mapped[str | None] = mapped_column(Text)


@event.listens_for(Feedback, "before_insert")
@event.listens_for(Feedback, "before_update")
def _fill_search_text(_mapper: Any, _connection: Any, feedback: Feedback) -> None:
    """Every write keeps the search column current, masking by erasure included."""
    folded = search_text(
        feedback.service_request_id, feedback.description, feedback.area, feedback.phone
    )
    if feedback.search_text != folded:
        feedback.search_text = folded


class FeedbackPhoto(Base):
    """A photo a website visitor attached to a phản ánh (`media_url` "web:file:<token>").

    Kept in the database, not on disk: every process of a deployment (web processes and the
    console on several machines) reads it, backups carry it, and erasure or retention removes
    it in the same transaction as the record. At most 5 MB (bot/web/images.py)."""

    __tablename__ = "feedback_photos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(32), unique=True)  # random: the record names it
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )  # erasing the resident erases their photos
    content_type: Mapped[str] = mapped_column(String(16))  # read from the bytes, not declared
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class FeedbackEvent(Base):
    """The audit trail: every change to a feedback record, and who made it."""

    __tablename__ = "feedback_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(
        ForeignKey("feedback.id", ondelete="CASCADE"), index=True
    )
    actor: Mapped[str] = mapped_column(String(64))  # "resident", "system" or "staff:<username>"
    # created, reply (with its status change, if any), status, assign, note (internal: the
    # resident never sees it)
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Announcement(Base):
    """News the ward pushes to subscribers: drafted by the tech team, approved by an admin,
    then queued as one outbox row per recipient. A recurring one (`recurrence`, an RFC 5545
    RRULE read in the ward's time zone) is a series: each occurrence becomes its own row with
    `series_id` set, so every send has its own delivery figures."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    image_url: Mapped[str | None] = mapped_column(String(500))
    link_url: Mapped[str | None] = mapped_column(String(500))
    # "course:<id>" or "contest:<id>": a button straight into a lesson or the contest
    invite: Mapped[str | None] = mapped_column(String(80))
    topics: Mapped[list[Any]] = mapped_column(default=list)  # empty with emergency only
    areas: Mapped[list[Any]] = mapped_column(default=list)  # tổ dân phố; empty = every area
    channels: Mapped[list[Any]] = mapped_column(default=list)  # empty = every channel
    emergency: Mapped[bool] = mapped_column(Boolean, default=False)
    # draft -> submitted -> approved -> sending -> done; or cancelled
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    send_at: Mapped[datetime | None] = mapped_column()  # None: as soon as approved
    recurrence: Mapped[str | None] = mapped_column(String(200))
    next_run_at: Mapped[datetime | None] = mapped_column(index=True)  # series only
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("announcements.id", ondelete="SET NULL"), index=True
    )
    created_by: Mapped[str] = mapped_column(String(64))  # staff:<name>, telegram:<id>, cli
    approved_by: Mapped[str | None] = mapped_column(String(64))
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column()
    queued_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()


class SenderHeartbeat(Base):
    """A running sender's sign of life: rows it claimed stay its own while it beats, and
    go back to the others when it stops beating (killed, crashed, host gone)."""

    __tablename__ = "sender_heartbeats"

    owner: Mapped[str] = mapped_column(String(36), primary_key=True)
    beat_at: Mapped[datetime] = mapped_column(default=utcnow)


class Outbox(Base):
    """A message to send that is not a direct reply (staff answers, status changes,
    announcements): stored first, sent by the channel's sender, result recorded."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "status", "next_attempt_at"),
        Index("ix_outbox_lane", "channel", "status", "next_attempt_at"),
        # An announcement is queued for a resident once, however often queueing runs.
        UniqueConstraint("announcement_id", "user_id", name="uq_outbox_announcement_user"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_ref: Mapped[str] = mapped_column(String(128))  # the channel's id for the recipient
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(32))  # feedback_reply, feedback_status, staff_alert
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[Any]] = mapped_column(default=list)
    image_url: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    announcement_id: Mapped[int | None] = mapped_column(
        ForeignKey("announcements.id", ondelete="CASCADE"), index=True
    )
    claimed_by: Mapped[str | None] = mapped_column(String(36))  # a SenderHeartbeat owner
    platform_message_id: Mapped[str | None] = mapped_column(String(64))  # to map replies


class StaffUser(Base):
    """A ward staff account for the console."""

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))  # admin, staff, tech_team
    telegram_user_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    # Linking proves the Telegram account: a code sent to that chat, typed back here.
    telegram_pending_id: Mapped[str | None] = mapped_column(String(32))
    telegram_code_hash: Mapped[str | None] = mapped_column(String(64))
    telegram_code_expires: Mapped[datetime | None] = mapped_column()
    telegram_code_tries: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()


class StaffSession(Base):
    """A signed-in console session; the cookie holds a random token, only its hash is kept."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LoginAttempt(Base):
    """Failed console logins, for rate limiting across processes."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), index=True)  # "ip:<addr>" or "user:<name>"
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class Rating(Base):
    """A 1-5 satisfaction answer, for the monthly report."""

    __tablename__ = "ratings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(16))  # "answer" or "feedback"
    content_id: Mapped[str | None] = mapped_column(String(64))
    feedback_id: Mapped[int | None] = mapped_column(ForeignKey("feedback.id", ondelete="SET NULL"))
    score: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class CannedReply(Base):
    """A reply template the ward edits in the console."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Its author edits it (and any admin); the ward's older replies have none: admins only.
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), index=True
    )


class Learner(Base):
    """A person taking courses or a contest. Each chat gets one on first use; typing its code
    on another channel ("học tiếp K7M2QX") joins that chat to the same learner."""

    __tablename__ = "learners"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CourseProgress(Base):
    """Where a learner is in a course: `position` counts the steps, then the check questions."""

    __tablename__ = "course_progress"
    __table_args__ = (UniqueConstraint("learner_id", "course_id", name="uq_course_progress"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="in_progress")  # or "completed"
    remind: Mapped[bool] = mapped_column(Boolean, default=False)  # the learner asked for it
    reminded_at: Mapped[datetime | None] = mapped_column()
    channel: Mapped[str] = mapped_column(String(16))  # where it was started
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(index=True)


class Contest(Base):
    """A quiz contest on digital transformation, open during [starts_at, ends_at)."""

    __tablename__ = "contests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    pass_percent: Mapped[int] = mapped_column(Integer, default=50)
    affiliation_question: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Integrity: answers and explanations only once the contest is over (else a participant
    # shares them, or retries with what they learnt); answers faster than this are flagged;
    # web visitors (who can make a fresh id at will) are limited per device and per address.
    reveal_after_close: Mapped[bool] = mapped_column(Boolean, default=True)
    min_seconds_per_answer: Mapped[int] = mapped_column(Integer, default=2)
    web_attempts_per_device: Mapped[int] = mapped_column(Integer, default=2)
    web_attempts_per_address: Mapped[int] = mapped_column(Integer, default=20)
    salt: Mapped[str | None] = mapped_column(  # keys addresses: no raw IP is kept
        String(32), default=lambda: secrets.token_hex(16)
    )


class ContestQuestion(Base):
    """One question of a contest's bank; `answer` counts the options from 1."""

    __tablename__ = "contest_questions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contest_id: Mapped[int] = mapped_column(
        ForeignKey("contests.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    question: Mapped[str] = mapped_column(Text)
    options: Mapped[list[Any]] = mapped_column()
    answer: Mapped[int] = mapped_column(Integer)
    explanation: Mapped[str] = mapped_column(Text, default="")


class ContestAttempt(Base):
    """A learner's one attempt. `plan` fixes the shuffled order of questions and options when
    the attempt starts; `answers` holds the original option number chosen for each."""

    __tablename__ = "contest_attempts"
    __table_args__ = (
        UniqueConstraint("contest_id", "learner_id", name="uq_contest_attempt"),
        Index("ix_contest_attempts_address", "contest_id", "address_key"),
        Index("ix_contest_attempts_device", "contest_id", "device_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(100))
    affiliation: Mapped[str | None] = mapped_column(String(200))
    # "Tổ dân phố 3", "TDP 3" and "tổ 03" group together (content/areas.py)
    affiliation_key: Mapped[str | None] = mapped_column(String(200))
    plan: Mapped[list[Any]] = mapped_column(default=list)
    answers: Mapped[list[Any]] = mapped_column(default=list)
    score: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(index=True)
    seconds: Mapped[float | None] = mapped_column(Float)
    certificate: Mapped[str | None] = mapped_column(String(32), unique=True)  # URL token
    # Web attempts: keyed hashes of the visitor's address, and of address and browser.
    address_key: Mapped[str | None] = mapped_column(String(32))
    device_key: Mapped[str | None] = mapped_column(String(32))
    answer_seconds: Mapped[list[Any]] = mapped_column(default=list)  # per answer, from shown


class WardValueChange(Base):
    """One change to the ward's own data made in the console (`contacts.cong_an.phone`,
    `facts.le_phi_can_cuoc`): kept for good, so the page shows who changed what and when,
    and the newest change of a key is its value. `value` None: cleared (not filled in)."""

    __tablename__ = "ward_value_changes"
    __table_args__ = (Index("ix_ward_value_changes_ward_key", "ward_id", "key", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ward_id: Mapped[str] = mapped_column(String(48))
    key: Mapped[str] = mapped_column(String(120))
    value: Mapped[str | None] = mapped_column(Text)
    changed_by: Mapped[str] = mapped_column(String(64))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Question(Base):
    """A resident's question handed over to ward staff (a question ticket): staff answer it
    in the console, the answer goes back to the resident's own chat, and what staff teach
    from it answers the next resident at once. Open questions alike are answered together."""

    __tablename__ = "questions"
    __table_args__ = (Index("ix_questions_queue", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)  # CH-0312-7K3Q, asked about
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    normalized: Mapped[str] = mapped_column(Text)  # as the search reads it: for grouping
    # The few messages before it ({"direction", "text"}), and what the resident added later.
    context: Mapped[list[Any]] = mapped_column(default=list)
    additions: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, answered
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    due_at: Mapped[datetime] = mapped_column()
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(64))  # staff:<username>
    answered_at: Mapped[datetime | None] = mapped_column(index=True)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"))
    # Answered together with others alike: the id of the question the answer was written on.
    group_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Why the answer could not be sent to the chat (outside the platform's window...).
    unreachable: Mapped[str | None] = mapped_column(String(200))


class LearnedEntry(Base):
    """An answer ward staff wrote for a question the catalogue lacked, taught to the assistant
    (a ward entry, id `hoi-dap-<id>`); withdrawn entries are kept for the history."""

    __tablename__ = "learned_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ward_id: Mapped[str] = mapped_column(String(48), index=True)
    title: Mapped[str] = mapped_column(String(200))
    answer: Mapped[str] = mapped_column(Text)
    source: Mapped[str | None] = mapped_column(String(300))
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL")
    )
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime | None] = mapped_column()
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column()


class LearnedAlias(Base):
    """A resident's wording taught as another way to ask for an entry (a catalogue entry or a
    learned one)."""

    __tablename__ = "learned_aliases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ward_id: Mapped[str] = mapped_column(String(48), index=True)
    entry_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("questions.id", ondelete="SET NULL")
    )
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_by: Mapped[str | None] = mapped_column(String(64))
    withdrawn_at: Mapped[datetime | None] = mapped_column()


class LearnedChange(Base):
    """Every teaching, edit and withdrawal, append-only: the newest id tells every process
    whether its copy of what was taught is current."""

    __tablename__ = "learned_changes"
    __table_args__ = (Index("ix_learned_changes_ward", "ward_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ward_id: Mapped[str] = mapped_column(String(48))
    subject: Mapped[str] = mapped_column(String(80))  # "entry:3", "alias:12"
    action: Mapped[str] = mapped_column(String(16))  # taught, edited, withdrawn
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(default=utcnow)
