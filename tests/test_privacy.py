"""Personal data under Nghị định 13/2023/NĐ-CP, on SQLite and PostgreSQL: a resident sees what
the ward holds about them, erases it after a confirmation (feedback kept, anonymised), data is
kept no longer than RETENTION_DAYS, and a new resident reads the notice once."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta

from click.testing import CliRunner
from sqlalchemy import func, select, update

from bot.channels.telegram import COMMANDS
from bot.report import figures, period
from bot.scheduler import Scheduler
from db import feedback_queries as fq
from db.masking import mask, mask_phone
from db.models import (
    ChannelEvent,
    Contest,
    ContestAttempt,
    ContestQuestion,
    ConversationState,
    CourseProgress,
    Feedback,
    FeedbackEvent,
    Interaction,
    Learner,
    LoginAttempt,
    Outbox,
    Question,
    Rating,
    StaffSession,
    StaffUser,
    Subscription,
    SubscriptionEvent,
    UnansweredQuestion,
    User,
    utcnow,
)
from handlers.deps import Deps
from handlers.domain.actions import Action
from handlers.domain.retention import apply_retention
from handlers.domain.types import Attachment, IncomingMessage, Response
from handlers.engine import handle
from handlers.features.privacy import notice

NOTICE = "gõ /du_lieu_cua_toi để xem, /xoa_du_lieu để xóa"
CODE = re.compile(r"PA-\d{4}-[2-9A-HJ-NP-Z]{4}")
STAFF_GROUP = "-1001"


async def send(deps: Deps, user: str = "r1", channel: str = "telegram", **fields) -> Response:
    return await handle(IncomingMessage(channel, user, **fields), deps)  # type: ignore[arg-type]


async def tap(deps: Deps, last: Response, title: str, user: str = "r1") -> Response:
    button = next(b for b in last.replies[-1].buttons if b.title.startswith(title))
    return await send(deps, user, payload=button.payload)


async def count(deps: Deps, table: type, *where) -> int:
    async with deps.sessions() as session:
        query = select(func.count()).select_from(table).where(*where)
        return int(await session.scalar(query) or 0)


async def open_contest(deps: Deps) -> int:
    async with deps.sessions() as session, session.begin():
        contest = Contest(
            title="Tìm hiểu chuyển đổi số",
            starts_at=utcnow() - timedelta(days=1),
            ends_at=utcnow() + timedelta(days=7),
            pass_percent=50,
            affiliation_question="Bạn thuộc tổ dân phố nào?",
            published=True,
            created_by="staff:chi",
        )
        session.add(contest)
        await session.flush()
        for position in range(3):
            session.add(
                ContestQuestion(
                    contest_id=contest.id,
                    position=position,
                    question=f"Câu hỏi {position + 1}?",
                    options=["Đúng", "Sai"],
                    answer=1,
                )
            )
        return contest.id


async def file_feedback(deps: Deps, user: str) -> str:
    start = await send(deps, user, text="toi muon phan anh")
    await tap(deps, start, "Hạ tầng", user)
    await send(deps, user, text="Đèn đường hỏng cả tuần, gọi tôi 0905 123 456 hoặc lan@mail.vn")
    place = await send(deps, user, attachment=Attachment("image", url="https://x.vn/1.jpg"))
    assert "ở đâu" in place.text
    consent = await send(deps, user, text="Tổ dân phố 3")
    await tap(deps, consent, "Có", user)
    confirm = await send(deps, user, text="0905 123 456")
    done = await tap(deps, confirm, "Gửi phản ánh", user)
    code = CODE.search(done.text)
    assert code, done.text
    return code.group(0)


async def resident_with_everything(deps: Deps, user: str = "r1") -> dict:
    """Messages, a question without answer, a subscription with an area, feedback with
    phone consent, a rating, a finished contest and a course in progress."""
    first = await send(deps, user, text="Xin chào", display_name="Lan")
    await send(deps, user, text="làm giấy khai sinh cho con")
    await send(deps, user, text="cảm ơn")  # the 1-5 question, answered just below
    await send(deps, user, payload=Action("rate", "a:dang-ky-khai-sinh:5").pack())
    await send(deps, user, text="cach nau canh chua ca loc")  # stored as unanswered
    await send(deps, user, payload=Action("sub", "toggle:tin-khan").pack())
    await send(deps, user, payload=Action("sub", "area").pack())
    await send(deps, user, text="Tổ dân phố 3")
    code = await file_feedback(deps, user)
    contest_id = await open_contest(deps)
    await send(deps, user, text="thi")
    await send(deps, user, payload=Action("quiz", f"go:{contest_id}").pack())
    await send(deps, user, text="Nguyễn Thị Lan")
    await send(deps, user, text="Tổ dân phố 3")
    for _ in range(3):
        last = await send(deps, user, payload=Action("quiz", "ans:1").pack())
    assert "/3" in last.text, last.text
    course = next(iter(deps.catalogue.courses.values()))
    menu = await send(deps, user, text="/hoc")
    opened = await tap(deps, menu, course.title, user)
    await tap(deps, opened, "Bắt đầu", user)
    async with deps.sessions() as session, session.begin():
        row = (await session.execute(select(User).where(User.external_id == user))).scalar_one()
        await fq.enqueue(
            session, "telegram", user, "Phường trả lời: đã sửa.", "feedback_reply", row.id
        )
        session.add(
            Outbox(
                channel="telegram", user_ref=user, user_id=row.id, kind="announcement",
                text="Lịch phát thanh tuần này", status="sent", sent_at=utcnow(),
            )
        )  # fmt: skip
        session.add_all(
            [
                ChannelEvent(
                    channel="telegram", event_key=f"{user}-old", handled_at=utcnow(),
                    payload={"message": {"chat": {"id": user}, "text": "số tôi 0905123456"}},
                ),
                ChannelEvent(
                    channel="telegram", event_key=f"{user}-waiting",
                    payload={"message": {"chat": {"id": user}, "text": "chưa xử lý"}},
                ),
            ]
        )  # fmt: skip
        score = await session.scalar(
            select(ContestAttempt.score).where(ContestAttempt.learner_id == row.learner_id)
        )
    return {
        "first": first,
        "code": code,
        "user_id": row.id,
        "course": course.title,
        "score": score,
    }


# --- seeing -------------------------------------------------------------------------------


async def test_a_resident_sees_everything_summarised_with_the_phone_masked(deps: Deps) -> None:
    made = await resident_with_everything(deps)
    shown = await send(deps, text="/du_lieu_cua_toi")
    text = shown.text
    assert text.startswith("Dữ liệu phường đang lưu về bạn:")
    assert "Kênh: Telegram, từ ngày" in text and "Tên hiển thị: Lan" in text
    assert "Tổ dân phố: Tổ dân phố 3" in text and "Nhận thông báo: Tin khẩn" in text
    assert re.search(
        r"Tin nhắn: \d+ tin của bạn và \d+ tin trả lời, từ ngày \d\d/\d\d/\d{4}", text
    )
    assert "Câu hỏi chưa trả lời được (để phường bổ sung): 1" in text
    assert f"Phản ánh {made['code']}: mới tiếp nhận, số điện thoại 0905***456" in text
    assert "0905123456" not in text and "0905 123 456" not in text
    assert "Đánh giá mức hài lòng: 1 lần" in text
    assert f"Đang học: “{made['course']}”" in text
    contest = "Cuộc thi “Tìm hiểu chuyển đổi số”: tên “Nguyễn Thị Lan”, Tổ dân phố 3"
    assert f"{contest}, {made['score']}/3 điểm" in text
    assert "Tin phường chưa gửi tới bạn: 1" in text
    assert "giữ 365 ngày rồi tự xóa" in text
    assert "làm giấy khai sinh" not in text  # counts, never the messages themselves
    assert [b.title for b in shown.replies[-1].buttons] == ["Xóa dữ liệu của tôi", "Về menu chính"]
    for typed in ("dữ liệu của tôi", "xem dữ liệu của tôi", "du lieu cua toi"):
        again = await send(deps, text=typed)
        assert again.text.startswith("Dữ liệu phường đang lưu về bạn:"), typed


# --- erasing ------------------------------------------------------------------------------


async def _everything_kept(deps: Deps, user_id: int) -> None:
    assert await count(deps, User, User.id == user_id) == 1
    assert await count(deps, Subscription, Subscription.user_id == user_id) == 1
    assert await count(deps, Feedback, Feedback.user_id == user_id, Feedback.phone.is_not(None))
    assert await count(deps, UnansweredQuestion, UnansweredQuestion.user_id == user_id) >= 1


async def test_erasing_needs_the_confirmation_and_anything_else_cancels(deps: Deps) -> None:
    made = await resident_with_everything(deps)
    uid = made["user_id"]
    asked = await send(deps, text="/xoa_du_lieu")
    assert "Sẽ xóa:" in asked.text and "vẫn giữ" in asked.text and "đồng ý xóa" in asked.text
    assert [b.title for b in asked.replies[-1].buttons] == ["Xóa", "Không xóa"]
    kept = await send(deps, text="thôi để sau")
    assert "chưa xóa gì" in kept.text
    await _everything_kept(deps, uid)
    late = await send(deps, text="đồng ý xóa")  # the confirmation is over: not an erasure
    assert "Phường đã xóa" not in late.text
    await _everything_kept(deps, uid)
    asked = await send(deps, text="xóa dữ liệu của tôi")
    kept = await tap(deps, asked, "Không xóa")
    assert "chưa xóa gì" in kept.text
    stale = await send(deps, payload=Action("priv", "yes").pack())  # an old "Xóa" button
    assert "Bạn muốn xóa dữ liệu của mình?" in stale.text
    menu = await send(deps, text="/menu")  # a command cancels too, and does what it says
    assert menu.intent == "menu"
    await _everything_kept(deps, uid)


async def test_erasing_removes_every_link_and_keeps_feedback_anonymised(
    deps: Deps, catalogue
) -> None:
    deps = dataclasses.replace(deps, staff_alerts=(("telegram", STAFF_GROUP),))
    made = await resident_with_everything(deps)
    other = await resident_with_everything(deps, "r2")
    uid, code = made["user_id"], made["code"]
    month = period.month(utcnow().astimezone(UTC).strftime("%Y-%m"))
    async with deps.sessions() as session:
        before = await figures.compute(session, catalogue, month)
        learner_id = (await session.get(User, uid)).learner_id
        old_code = (await session.get(Learner, learner_id)).code
    ratings = await count(deps, Rating)
    async with deps.sessions() as session, session.begin():  # as if taken on the website
        await session.execute(
            update(ContestAttempt)
            .where(ContestAttempt.learner_id == learner_id)
            .values(address_key="a" * 32, device_key="d" * 32)
        )

    shown = await send(deps, text="/du_lieu_cua_toi")
    asked = await tap(deps, shown, "Xóa dữ liệu của tôi")
    done = await tap(deps, asked, "Xóa")
    assert done.text.startswith("Phường đã xóa dữ liệu của bạn:")
    assert "1 phản ánh (đã bỏ số điện thoại)" in done.text and "1 điểm đánh giá" in done.text
    assert "1 điểm bài thi (đã bỏ tên)" in done.text and "lần đầu" in done.text

    # Nothing links to the resident any more.
    assert await count(deps, User, User.external_id == "r1") == 0
    for table in (Interaction, UnansweredQuestion, Subscription, SubscriptionEvent, Rating):
        assert await count(deps, table, table.user_id == uid) == 0, table
    assert await count(deps, ConversationState, ConversationState.user_id == uid) == 0
    assert await count(deps, Outbox, Outbox.user_id == uid) == 0
    assert await count(deps, Outbox, Outbox.user_ref == "r1") == 0
    assert await count(deps, Feedback, Feedback.user_id == uid) == 0
    assert await count(deps, CourseProgress, CourseProgress.learner_id == learner_id) == 0
    assert await count(deps, Rating) == ratings  # the anonymous score stays for the report
    async with deps.sessions() as session:
        record = await fq.by_code(session, code)
        attempt = await session.scalar(
            select(ContestAttempt).where(ContestAttempt.learner_id == learner_id)
        )
        learner = await session.get(Learner, learner_id)
        sent, others = (
            await session.scalars(
                select(Outbox).where(Outbox.kind == "announcement").order_by(Outbox.id)
            )
        ).all()
        alert = await session.scalar(
            select(Outbox).where(Outbox.kind == "staff_alert", Outbox.text.contains(code))
        )
        events = {e.event_key: e.payload for e in await session.scalars(select(ChannelEvent))}
        after = await figures.compute(session, catalogue, month)
    # Feedback kept, anonymised; the report's feedback figures do not move.
    assert record is not None and record.user_id is None
    assert record.phone is None and record.phone_consent is False
    assert record.description == "Đèn đường hỏng cả tuần, gọi tôi [số] hoặc [email]"
    assert await count(deps, FeedbackEvent, FeedbackEvent.feedback_id == record.id) == 1
    assert alert is not None and "0905" not in alert.text and "[số]" in alert.text
    assert after.feedback == before.feedback
    assert after.satisfaction == before.satisfaction
    # The contest score stays without the name; the old learner code resumes nothing.
    assert (attempt.name, attempt.affiliation, attempt.certificate) == ("", None, None)
    assert (attempt.address_key, attempt.device_key) == (None, None)
    assert attempt.score == made["score"] and learner.code != old_code
    # Pending messages to them are gone; one already sent is kept, blank.
    assert await count(deps, Outbox, Outbox.kind == "feedback_reply") == 1  # the other's
    assert sent.text == "" and sent.user_ref == "" and sent.user_id is None
    assert (others.text, others.user_ref) == ("Lịch phát thanh tuần này", "r2")
    # Raw updates: handled ones lose their payload, waiting ones keep it to be answered.
    assert events["r1-old"] is None and events["r2-old"] is None
    assert events["r1-waiting"] is not None
    # The other resident is untouched.
    r2 = other["user_id"]
    assert await count(deps, User, User.id == r2) == 1
    assert await count(deps, Subscription, Subscription.user_id == r2) == 1
    assert await count(deps, Feedback, Feedback.user_id == r2, Feedback.phone.is_not(None)) == 1
    assert await count(deps, Interaction, Interaction.user_id == r2) > 0

    # The same chat writes again: a new resident, told about privacy again.
    fresh = await send(deps, text="xin chào")
    assert NOTICE in fresh.text
    async with deps.sessions() as session:
        again = await session.scalar(select(User).where(User.external_id == "r1"))
    assert again is not None and again.id != uid and again.learner_id is None
    mine = await send(deps, text=code)  # the erased record no longer answers to this chat
    assert "Không tìm thấy" in mine.text


async def test_typing_the_number_or_the_words_confirms_on_a_chat_without_buttons(
    deps: Deps,
) -> None:
    await send(deps, "z1", "zalo_bot", text="làm căn cước ở đâu")
    asked = await send(deps, "z1", "zalo_bot", text="xoa du lieu cua toi")
    assert asked.replies[-1].buttons[0].title == "Xóa"
    done = await send(deps, "z1", "zalo_bot", text="1")
    assert done.text.startswith("Phường đã xóa dữ liệu của bạn:")
    assert await count(deps, User, User.external_id == "z1") == 0
    assert await count(deps, Interaction) == 0

    await send(deps, "z2", "zalo_bot", text="làm căn cước ở đâu")
    await send(deps, "z2", "zalo_bot", text="/xoa_du_lieu")
    done = await send(deps, "z2", "zalo_bot", text="Đồng ý xóa")
    assert done.text.startswith("Phường đã xóa dữ liệu của bạn:")
    assert await count(deps, User) == 0


async def test_a_learner_shared_with_another_chat_keeps_courses_for_that_chat(
    deps: Deps,
) -> None:
    course = next(iter(deps.catalogue.courses.values()))
    menu = await send(deps, "t1", text="/hoc")
    opened = await tap(deps, menu, course.title, "t1")
    await tap(deps, opened, "Bắt đầu", "t1")
    stopped = await send(deps, "t1", text="dừng")
    code = re.search(r"học tiếp ([2-9A-HJ-NP-Z]{6})", stopped.text).group(1)
    await send(deps, "z1", "zalo_bot", text=f"hoc tiep {code}")
    shown = await send(deps, "t1", text="/du_lieu_cua_toi")
    assert "dùng chung với 1 kênh khác" in shown.text
    await send(deps, "t1", text="/xoa_du_lieu")
    done = await send(deps, "t1", text="đồng ý xóa")
    assert "dùng chung với kênh khác" in done.text
    assert await count(deps, CourseProgress) == 1
    assert await count(deps, Learner, Learner.code == code) == 1


# --- the notice ---------------------------------------------------------------------------


async def test_the_notice_ends_the_first_reply_exactly_once(deps: Deps) -> None:
    first = await send(deps, "n1", text="xin chào")
    assert first.replies[-1].text.endswith(notice(365))
    assert "xóa sau 365 ngày" in first.text
    assert first.replies[-1].buttons[0].title == "Thủ tục hành chính"
    second = await send(deps, "n1", text="làm giấy khai sinh cho con")
    assert NOTICE not in second.text
    later = dataclasses.replace(deps, clock=lambda: utcnow() + timedelta(hours=2))
    new_conversation = await send(later, "n1", text="xin chào")
    assert NOTICE not in new_conversation.text

    question = await send(deps, "n2", text="làm giấy khai sinh cho con")  # first is a question
    assert question.content_id == "dang-ky-khai-sinh"
    assert question.text.count(NOTICE) == 1 and question.replies[-1].text.endswith(notice(365))
    assert NOTICE not in (await send(deps, "n2", text="cảm ơn")).text

    forever = dataclasses.replace(deps, retention_days=0)
    kept = await send(forever, "n3", text="xin chào")
    assert NOTICE in kept.text and "xóa sau" not in kept.text
    assert NOTICE not in (await send(deps, "q1", "cli", text="làm căn cước")).text


# --- retention ----------------------------------------------------------------------------


async def test_retention_removes_only_what_is_older_than_the_limit(deps: Deps) -> None:
    now = utcnow()
    old, recent = now - timedelta(days=400), now - timedelta(days=10)
    async with deps.sessions() as session, session.begin():
        user = User(channel="telegram", external_id="old1", created_at=old, last_seen_at=now)
        staff = StaffUser(username="chi", display_name="Chi", password_hash="x", role="staff")
        session.add_all([user, staff])
        await session.flush()
        for when, text in ((old, "câu cũ 0905123456"), (recent, "câu mới")):
            row = Interaction(
                user_id=user.id, conversation_id="c", channel="telegram", direction="in",
                text=text, created_at=when,
            )  # fmt: skip
            session.add(row)
            await session.flush()
            session.add(
                UnansweredQuestion(
                    user_id=user.id, interaction_id=row.id, channel="telegram", text=text,
                    normalized=text, created_at=when,
                )
            )  # fmt: skip
            session.add(
                Question(
                    code=f"CH-0101-{'OLDQ' if when == old else 'NEWQ'}", user_id=user.id,
                    channel="telegram", text=text, normalized=text, context=[], additions=[],
                    created_at=when, due_at=when,
                )
            )  # fmt: skip

        def feedback(code: str, status: str, resolved: datetime | None) -> Feedback:
            return Feedback(
                service_request_id=code, service_code="ha-tang", status=status,
                description="Gọi 0905 123 456", requested_datetime=old, updated_datetime=old,
                expected_datetime=old, channel="telegram", user_id=user.id,
                phone="0905123456", phone_consent=True, resolved_at=resolved,
            )  # fmt: skip

        session.add_all(
            [
                feedback("PA-0101-AAAA", "resolved", old),
                feedback("PA-0101-BBBB", "resolved", recent),
                feedback("PA-0101-CCCC", "in_progress", None),
                ChannelEvent(
                    channel="telegram", event_key="1", payload={"a": 1}, handled_at=recent
                ),
                ChannelEvent(
                    channel="telegram", event_key="2", payload={"a": 2}, handled_at=now
                ),
                ChannelEvent(channel="telegram", event_key="3", payload={"a": 3}, received_at=old),
                LoginAttempt(key="ip:1", created_at=now - timedelta(days=2)),
                LoginAttempt(key="ip:1", created_at=now - timedelta(hours=1)),
                StaffSession(
                    token_hash="a" * 64, staff_id=staff.id, csrf_token="c",
                    expires_at=now - timedelta(minutes=1),
                ),
                StaffSession(
                    token_hash="b" * 64, staff_id=staff.id, csrf_token="c",
                    expires_at=now + timedelta(hours=1),
                ),
            ]
        )  # fmt: skip
    expected = {
        "unanswered": 1,
        "questions": 1,
        "messages": 1,
        "feedback_anonymised": 1,
        "outbox_blanked": 0,
        "residents_forgotten": 0,
        "channel_events": 1,
        "login_attempts": 1,
        "staff_sessions": 1,
        "photos_unused": 0,
    }
    assert await apply_retention(deps.sessions, 365, now, dry_run=True) == expected
    assert await count(deps, Interaction) == 2  # a dry run changes nothing
    assert await apply_retention(deps.sessions, 365, now) == expected
    assert await apply_retention(deps.sessions, 365, now) == dict.fromkeys(expected, 0)

    async with deps.sessions() as session:
        texts = list(await session.scalars(select(Interaction.text)))
        questions = list(await session.scalars(select(UnansweredQuestion.text)))
        records = {f.service_request_id: f for f in await session.scalars(select(Feedback))}
        events = {e.event_key: e.payload for e in await session.scalars(select(ChannelEvent))}
    assert texts == ["câu mới"] and questions == ["câu mới"]
    gone = records["PA-0101-AAAA"]
    assert (gone.user_id, gone.phone, gone.phone_consent) == (None, None, False)
    assert gone.description == "Gọi [số]"
    for code in ("PA-0101-BBBB", "PA-0101-CCCC"):  # resolved lately, or still open
        assert records[code].user_id is not None and records[code].phone == "0905123456"
    assert events == {"1": None, "2": {"a": 2}, "3": {"a": 3}}  # rows and keys stay
    assert await count(deps, LoginAttempt) == 1 and await count(deps, StaffSession) == 1

    # 0 keeps messages and feedback; the technical rules still run.
    done = await apply_retention(deps.sessions, 0, now + timedelta(days=3650))
    assert "messages" not in done and await count(deps, Interaction) == 1
    assert done["channel_events"] == 1


async def test_retention_empties_old_sent_messages_and_forgets_idle_residents(
    deps: Deps,
) -> None:
    now = utcnow()
    old, recent = now - timedelta(days=400), now - timedelta(days=10)
    async with deps.sessions() as session, session.begin():
        idle = User(channel="telegram", external_id="idle", last_seen_at=old, area="Tổ 3")
        subscribed = User(channel="telegram", external_id="sub", last_seen_at=old)
        waiting = User(channel="zalo_bot", external_id="waits", last_seen_at=old)
        seen = User(channel="web", external_id="seen-lately-0000", last_seen_at=recent)
        session.add_all([idle, subscribed, waiting, seen])
        await session.flush()
        session.add(Subscription(user_id=subscribed.id, topic="canh-bao-lua-dao"))
        session.add(
            Feedback(
                service_request_id="PA-0101-DDDD", service_code="ha-tang", status="in_progress",
                description="Cống nghẹt", requested_datetime=old, updated_datetime=old,
                expected_datetime=old, channel="zalo_bot", user_id=waiting.id,
            )
        )  # fmt: skip

        def sent(user: User, text: str, when: datetime, status: str = "sent") -> Outbox:
            return Outbox(
                channel=user.channel, user_ref=user.external_id, user_id=user.id,
                kind="feedback_reply", text=text, status=status, created_at=when,
                sent_at=when if status == "sent" else None,
            )  # fmt: skip

        session.add_all(
            [
                sent(subscribed, "Trả lời cũ: gọi 0905123456", old),
                sent(subscribed, "Trả lời mới", recent),
                sent(seen, "Chưa gửi được", old, status="pending"),
            ]
        )
    done = await apply_retention(deps.sessions, 365, now)
    assert done["outbox_blanked"] == 1 and done["residents_forgotten"] == 1
    async with deps.sessions() as session:
        refs = set(await session.scalars(select(User.external_id)))
        rows = {o.status: o for o in await session.scalars(select(Outbox)) if o.status != "sent"}
        texts = sorted(o.text for o in await session.scalars(select(Outbox)))
    assert refs == {"sub", "waits", "seen-lately-0000"}  # subscribed, waiting, or seen lately
    assert texts == ["", "Chưa gửi được", "Trả lời mới"]  # the old one kept its status only
    assert rows["pending"].user_ref == "seen-lately-0000"  # not tried yet: left alone
    again = await apply_retention(deps.sessions, 365, now)
    assert again["outbox_blanked"] == 0 and again["residents_forgotten"] == 0


async def test_housekeeping_runs_at_most_once_a_day(deps: Deps) -> None:
    class Idle:
        async def run_due(self, _sessions) -> list[int]:
            return []

    runs: list[int] = []

    async def housekeeping() -> dict[str, int]:
        runs.append(1)
        return {}

    def scheduler(**timing: float) -> Scheduler:
        return Scheduler(
            deps.sessions,
            Idle(),  # type: ignore[arg-type]
            lambda: None,
            housekeeping=housekeeping,
            **timing,
        )

    waiting = scheduler()  # the first run waits a while after start
    await waiting.run_once()
    assert runs == []
    daily = scheduler(housekeeping_delay=0)
    await daily.run_once()
    await daily.run_once()
    assert len(runs) == 1
    eager = scheduler(housekeeping_delay=0, housekeeping_every=0)
    await eager.run_once()
    await eager.run_once()
    assert len(runs) == 3


def test_retention_command_counts_in_a_dry_run(tmp_path, monkeypatch) -> None:
    from bot.cli import main

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite3")
    result = CliRunner().invoke(main, ["retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "messages deleted" in result.output and "Dry run" in result.output


# --- pieces -------------------------------------------------------------------------------


def test_masking_helpers() -> None:
    assert mask_phone("0905123456") == "0905***456"
    assert mask_phone("+84 905 123 456") == "8490***456"
    assert mask("CCCD 001234567890, email a.b@c.vn") == "CCCD [số], email [email]"
    # The ward's codes stay, even with a tail of digits (PA-<day><month>-<4>).
    assert mask("PA-0412-5835 gọi 0905 123 456") == "PA-0412-5835 gọi [số]"
    assert mask("CH-0412-2345, PA-0412-7K3Q: 0905123456") == "CH-0412-2345, PA-0412-7K3Q: [số]"


def test_the_two_privacy_commands_are_registered_on_telegram() -> None:
    commands = {c.command: c.description for c in COMMANDS}
    assert commands["du_lieu_cua_toi"] == "Xem dữ liệu phường lưu về bạn"
    assert commands["xoa_du_lieu"] == "Xóa dữ liệu của bạn"
