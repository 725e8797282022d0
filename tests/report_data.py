"""A month of known activity (October 2026, phường Đăk Bla) written straight into the database,
with timestamps chosen to test the edges: local days that differ from UTC days, weekends, the
hours around office time, rows just outside the month. `EXPECTED` holds every figure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Announcement,
    Contest,
    ContestAttempt,
    CourseProgress,
    Feedback,
    Interaction,
    Learner,
    Outbox,
    Rating,
    SubscriptionEvent,
    UnansweredQuestion,
    User,
)

ICT = timedelta(hours=7)


def local(text: str) -> datetime:
    """A Vietnam wall-clock time ("2026-10-01 09:00") as aware UTC."""
    return (datetime.fromisoformat(text) - ICT).replace(tzinfo=UTC)


# (user, channel, conversation, local time, intent, content id) for each resident message.
MESSAGES = [
    ("u1", "telegram", "c-u1-1", "2026-10-01 09:00", "procedure", "dang-ky-khai-sinh"),
    ("u1", "telegram", "c-u1-1", "2026-10-01 09:01", "procedure", "dang-ky-khai-sinh"),
    ("u1", "telegram", "c-u1-1", "2026-10-01 09:02", "fallback", None),
    ("u1", "telegram", "c-u1-2", "2026-10-04 10:00", "howto", "vneid-kich-hoat"),  # Sunday
    ("u2", "telegram", "c-u2", "2026-10-06 20:30", "procedure", "dang-ky-khai-sinh"),
    ("u2", "telegram", "c-u2", "2026-10-06 20:31", "hotline", "khan-cap"),
    ("z1", "zalo_oa", "c-z1", "2026-10-07 06:30", "procedure", "dang-ky-thuong-tru"),  # UTC: 6th
    ("z1", "zalo_oa", "c-z1", "2026-10-07 06:31", "fallback", None),
    ("w1", "web", "c-w1", "2026-10-31 23:30", "greeting", None),  # last minutes of the month
    ("c1", "console", "c-c1", "2026-10-15 14:00", "procedure", "dang-ky-thuong-tru"),
    # Outside October: one minute before, and the first instant after.
    ("u1", "telegram", "c-u1-0", "2026-09-30 23:59", "procedure", "dang-ky-khai-sinh"),
    ("w1", "web", "c-w1-2", "2026-11-01 00:00", "procedure", "dang-ky-khai-sinh"),
]
USERS = {  # who, channel, first seen (local)
    "u1": ("telegram", "2026-09-15 08:00"),
    "u2": ("telegram", "2026-10-06 20:29"),
    "z1": ("zalo_oa", "2026-10-07 06:29"),
    "w1": ("web", "2026-08-01 10:00"),
    "c1": ("console", "2026-10-15 13:59"),
}
UNANSWERED = [  # (normalized, text, local time)
    ("cap lai so do bi mat", "Cấp lại sổ đỏ bị mất, gọi tôi 0905123456", "2026-10-01 09:02"),
    ("cap lai so do bi mat", "cap lai so do bi mat", "2026-10-09 10:00"),
    ("cap lai so do bi mat o dau", "Cấp lại sổ đỏ bị mất ở đâu", "2026-10-21 15:00"),
    ("gia han bang lai xe", "Gia hạn bằng lái xe", "2026-10-07 06:31"),
    ("doi bang lai", "Đổi bằng lái", "2026-09-29 10:00"),  # September: left out
]
FEEDBACK = [  # code, category, status, filed, due, first answered, resolved (local)
    ("PA-0210-AAAA", "ha-tang", "resolved", "2026-10-02 08:00", "2026-10-16 17:00",
     "2026-10-05 08:00", "2026-10-10 08:00"),
    ("PA-1010-BBBB", "moi-truong", "answered", "2026-10-10 09:00", "2026-10-24 17:00",
     "2026-10-30 09:00", None),
    ("PA-2010-CCCC", "ha-tang", "new", "2026-10-20 09:00", "2026-11-03 17:00", None, None),
    ("PA-0109-DDDD", "khac", "new", "2026-09-01 09:00", "2026-09-15 17:00", None, None),
    ("PA-0110-EEEE", "thong-bao", "new", "2026-10-01 09:00", "2026-10-15 17:00", None, None),
]  # fmt: skip
RATINGS = [("answer", 5), ("answer", 4), ("answer", 2), ("feedback", 5)]
SUBSCRIPTION_EVENTS = [  # who, topic, action, local time
    ("u1", "chuyen-doi-so", "add", "2026-09-20 10:00"),
    ("u1", "canh-bao-lua-dao", "add", "2026-09-20 10:00"),
    ("w1", "chuyen-doi-so", "add", "2026-08-02 10:00"),
    ("u2", "chuyen-doi-so", "add", "2026-10-06 20:40"),
    ("z1", "tin-khan", "add", "2026-10-07 06:40"),
    ("w1", "chuyen-doi-so", "remove", "2026-10-12 08:00"),
    ("z1", "tin-khan", "remove", "2026-10-20 08:00"),
]

EXPECTED = {
    "conversations": 6,  # c-u1-1, c-u1-2, c-u2, c-z1, c-w1, c-c1
    "messages_in": 10,
    "messages_out": 10,
    "residents": 5,
    "new_residents": 3,  # u2, z1, c1
    "returning_residents": 2,  # u1, w1
    # Sunday 10:00, 20:30, 20:31, 06:30, 06:31, 23:30
    "outside_office_hours": 6,
    "by_channel": {  # channel: (conversations, messages, residents)
        "telegram": (3, 6, 2),
        "zalo_oa": (1, 2, 1),
        "web": (1, 1, 1),
        "console": (1, 1, 1),
    },
    "by_day": {
        date(2026, 10, 1): {"telegram": 3},
        date(2026, 10, 4): {"telegram": 1},
        date(2026, 10, 6): {"telegram": 2},
        date(2026, 10, 7): {"zalo_oa": 2},
        date(2026, 10, 15): {"console": 1},
        date(2026, 10, 31): {"web": 1},
    },
    "by_hour": {9: 3, 10: 1, 20: 2, 6: 2, 14: 1, 23: 1},
    "unanswered": 4,
    "top_entries": [("dang-ky-khai-sinh", 3), ("dang-ky-thuong-tru", 2)],  # then 1-counts
    "gaps": [(3, "Cấp lại sổ đỏ bị mất, gọi tôi [số]"), (1, "Gia hạn bằng lái xe")],
    "feedback_received": 4,
    "feedback_answered": 2,
    "feedback_resolved": 1,
    "feedback_overdue": 2,  # PA-0109 (September) and PA-0110, both past due, unanswered
    "feedback_by_category": {"ha-tang": 2, "moi-truong": 1, "thong-bao": 1},
    "feedback_by_status": {"resolved": 1, "answered": 1, "new": 2},
    "median_first_answer": (72 + 480) / 2,  # 3 days and 20 days
    "median_resolution": 192.0,  # 8 days
    "on_time": 1,
    "due_in_period": 2,
    "ratings": 4,
    "rating_average": 4.0,
    "rating_distribution": {1: 0, 2: 1, 3: 0, 4: 1, 5: 2},
    # One web visitor has not opened the page since: waiting, not sent.
    "announcement": {
        "recipients": 6,
        "sent": 3,
        "awaiting": 1,
        "failed": 1,
        "blocked": 1,
        "replies": 1,
    },
    "subscribers_start": 2,  # u1, w1
    "subscribers_gained": 1,  # u2 (z1 came and went)
    "subscribers_lost": 1,  # w1
    "subscribers_end": 2,
    "subscribers_by_day": {
        date(2026, 10, 1): 2,
        date(2026, 10, 6): 3,
        date(2026, 10, 7): 4,
        date(2026, 10, 12): 3,
        date(2026, 10, 20): 2,
        date(2026, 10, 31): 2,
    },
    "subscribers_by_topic": {"chuyen-doi-so": 2, "canh-bao-lua-dao": 1, "tin-khan": 0},
    # One course begun in October; two finished in it (one begun in September).
    "courses_started": 1,
    "courses_completed": 2,
    "contest_entries": 2,  # finished in October (a third finishes in November)
    "contest_passed": 1,  # 4/5 passes at 60%, 2/5 does not
}


async def fill(session: AsyncSession) -> None:
    """Write the month into an empty, migrated database."""
    users = {}
    for name, (channel, seen) in USERS.items():
        user = User(
            channel=channel, external_id=name, created_at=local(seen), last_seen_at=local(seen)
        )
        session.add(user)
        users[name] = user
    await session.flush()
    for name, channel, conversation, when, intent, content_id in MESSAGES:
        for direction, shift in (("in", 0), ("out", 1)):
            session.add(
                Interaction(
                    user_id=users[name].id,
                    conversation_id=conversation,
                    channel=channel,
                    direction=direction,
                    text="…",
                    intent=intent,
                    content_id=content_id,
                    created_at=local(when) + timedelta(seconds=shift),
                )
            )
    for normalized, text, when in UNANSWERED:
        session.add(
            UnansweredQuestion(
                user_id=users["u1"].id,
                channel="telegram",
                text=text,
                normalized=normalized,
                created_at=local(when),
            )
        )
    announcement = Announcement(
        text="Lớp học số tối thứ Bảy\nTại nhà văn hóa.",
        topics=["chuyen-doi-so"],
        status="done",
        created_by="staff:chi",
        queued_at=local("2026-10-08 09:00"),
        recipients=6,
    )
    old = Announcement(
        text="Tin tháng Chín", topics=["chuyen-doi-so"], status="done", created_by="cli",
        queued_at=local("2026-09-20 09:00"),
    )  # fmt: skip
    session.add_all([announcement, old])
    await session.flush()
    statuses = ["sent", "sent", "sent", "awaiting_pickup", "blocked", "failed"]
    for i, status in enumerate(statuses):
        channel = "web" if status == "awaiting_pickup" else "telegram"
        session.add(
            Outbox(
                channel=channel, user_ref=f"r{i}", kind="announcement", text="x",
                status=status, announcement_id=announcement.id,
            )
        )  # fmt: skip
    session.add(
        Outbox(channel="telegram", user_ref="r0", kind="announcement", text="x", status="sent",
               announcement_id=old.id)
    )  # fmt: skip
    for code, category, status, filed, due, answered, resolved in FEEDBACK:
        session.add(
            Feedback(
                service_request_id=code,
                service_code=category,
                description="Nội dung",
                status=status,
                requested_datetime=local(filed),
                updated_datetime=local(filed),
                expected_datetime=local(due),
                first_answered_at=local(answered) if answered else None,
                resolved_at=local(resolved) if resolved else None,
                channel="telegram",
                user_id=users["u1"].id,
                announcement_id=announcement.id if category == "thong-bao" else None,
            )
        )
    for i, (subject, score) in enumerate(RATINGS):
        session.add(
            Rating(channel="telegram", subject=subject, score=score,
                   created_at=local(f"2026-10-{10 + i} 10:00"))
        )  # fmt: skip
    session.add(Rating(channel="telegram", subject="answer", score=1,
                       created_at=local("2026-11-01 00:00")))  # fmt: skip
    await _learning(session)
    for name, topic, action, when in SUBSCRIPTION_EVENTS:
        session.add(
            SubscriptionEvent(user_id=users[name].id, topic=topic, action=action,
                              created_at=local(when))
        )  # fmt: skip


async def _learning(session: AsyncSession) -> None:
    learners = [Learner(code=f"CODE{i}X", created_at=local("2026-09-01 08:00")) for i in range(4)]
    session.add_all(learners)
    await session.flush()
    for learner, course, started, completed in (
        (learners[0], "nhan-dien-lua-dao", "2026-10-05 09:00", "2026-10-06 09:00"),
        (learners[1], "thanh-toan-qr", "2026-09-28 09:00", "2026-10-03 09:00"),
        (learners[2], "thanh-toan-qr", "2026-09-20 09:00", None),
    ):
        session.add(
            CourseProgress(
                learner_id=learner.id, course_id=course, channel="telegram",
                started_at=local(started), updated_at=local(started),
                status="completed" if completed else "in_progress",
                completed_at=local(completed) if completed else None,
            )
        )  # fmt: skip
    contest = Contest(
        title="Thi", starts_at=local("2026-10-01 00:00"), ends_at=local("2026-11-30 00:00"),
        pass_percent=60, published=True, created_by="cli",
    )  # fmt: skip
    session.add(contest)
    await session.flush()
    for learner, score, finished in (
        (learners[0], 4, "2026-10-10 10:00"),
        (learners[1], 2, "2026-10-11 10:00"),
        (learners[2], 5, "2026-11-02 10:00"),
    ):
        session.add(
            ContestAttempt(
                contest_id=contest.id, learner_id=learner.id, channel="web", name="A",
                score=score, total=5, started_at=local(finished), finished_at=local(finished),
                seconds=60.0,
            )
        )  # fmt: skip
