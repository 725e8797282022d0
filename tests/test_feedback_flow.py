"""Filing feedback in the chat, looking it up, and rating, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from db.models import Feedback, FeedbackEvent, Rating
from handlers.deps import Deps
from handlers.domain.calendar import add_working_days, is_working_day
from handlers.domain.types import Attachment, IncomingMessage, Response
from handlers.engine import handle
from handlers.features.feedback import SEND

CODE = re.compile(r"PA-\d{4}-[2-9A-HJ-NP-Z]{4}")


async def say(
    deps: Deps,
    text: str | None = None,
    user: str = "r1",
    attachment: Attachment | None = None,
    channel: str = "telegram",
) -> Response:
    return await handle(IncomingMessage(channel, user, text=text, attachment=attachment), deps)


async def press(deps: Deps, response: Response, title: str, user: str = "r1") -> Response:
    button = next(b for b in response.replies[-1].buttons if b.title.startswith(title))
    return await handle(IncomingMessage("telegram", user, payload=button.payload), deps)


async def file_feedback(deps: Deps, user: str = "r1") -> tuple[Response, str]:
    start = await say(deps, "toi muon phan anh", user=user)
    assert start.intent == "feedback" and "Phản ánh của bạn thuộc nhóm nào" in start.text
    described = await press(deps, start, "Hạ tầng", user=user)
    assert "mô tả" in described.text
    photo = await say(deps, "Đèn đường hỏng cả tuần nay, tối đi lại rất nguy hiểm", user=user)
    assert "ảnh" in photo.text
    place = await say(deps, user=user, attachment=Attachment("image", url="https://x.vn/1.jpg"))
    assert "ở đâu" in place.text
    consent = await say(deps, "Tổ dân phố 3", user=user)
    assert "số điện thoại" in consent.text
    ask_phone = await press(deps, consent, "Có", user=user)
    confirm = await say(deps, "0905 123 456", user=user)
    assert "Bạn kiểm tra lại" in confirm.text and "0905123456" in confirm.text
    done = await press(deps, confirm, "Gửi phản ánh", user=user)
    assert ask_phone.intent == "feedback"
    code = CODE.search(done.text)
    assert code, done.text
    return done, code.group(0)


async def test_the_whole_intake_creates_one_record_with_a_code(deps: Deps) -> None:
    done, code = await file_feedback(deps)
    assert "chậm nhất ngày" in done.text
    async with deps.sessions() as session:
        record = (await session.execute(select(Feedback))).scalar_one()
        events = (await session.execute(select(FeedbackEvent))).scalars().all()
    assert record.service_request_id == code
    assert record.service_code == "ha-tang" and record.status == "new"
    assert record.media_url == "https://x.vn/1.jpg" and record.area == "Tổ dân phố 3"
    assert record.phone == "0905123456" and record.phone_consent
    assert record.agency_responsible == "Phòng Kinh tế, Hạ tầng và Đô thị phường"
    assert record.expected_datetime > record.requested_datetime
    assert [e.action for e in events] == ["created"] and events[0].actor == "resident"


async def test_send_tapped_again_gives_the_same_code_and_stores_nothing_more(
    deps: Deps,
) -> None:
    """A second tap on "Gửi phản ánh", or a client repeating the request whose answer was
    lost when the server stopped after storing it: the same report, told again."""
    _, code = await file_feedback(deps)
    again = await handle(IncomingMessage("telegram", "r1", payload=SEND.payload), deps)
    assert again.intent == "feedback" and code in again.text and "đã được gửi rồi" in again.text
    other = await handle(IncomingMessage("telegram", "r2", payload=SEND.payload), deps)
    assert "Phản ánh của bạn thuộc nhóm nào" in other.text  # nothing of theirs sent: start
    async with deps.sessions() as session:
        assert len((await session.execute(select(Feedback))).scalars().all()) == 1


async def test_no_phone_is_kept_without_consent(deps: Deps) -> None:
    start = await say(deps, "gửi phản ánh", user="r2")
    await press(deps, start, "Môi trường", user="r2")
    await say(deps, "Rác đổ bừa bãi ở đầu hẻm 45 nhiều ngày", user="r2")
    # The place is in the description; a button's words typed work like the button.
    consent = await say(deps, "bỏ qua", user="r2")
    assert "số điện thoại" in consent.text
    confirm = await press(deps, consent, "Không", user="r2")
    done = await press(deps, confirm, "Gửi phản ánh", user="r2")
    assert CODE.search(done.text)
    async with deps.sessions() as session:
        record = (await session.execute(select(Feedback))).scalar_one()
    assert record.phone is None and not record.phone_consent and record.media_url is None


async def test_a_told_problem_becomes_a_draft_confirmed_with_one_tap(deps: Deps) -> None:
    start = await say(
        deps, "đường hẻm 12 nhà tôi bị ngập, đèn đường hư cả tháng nay rồi, báo ai", user="r3"
    )
    assert start.intent == "feedback" and "Mình ghi lại phản ánh" in start.text
    assert "Hạ tầng" in start.text and "hẻm 12" in start.text  # category and place guessed
    photo_step = await press(deps, start, "Gửi phản ánh này", user="r3")
    assert "ảnh" in photo_step.text


async def test_cancel_leaves_no_record(deps: Deps) -> None:
    start = await say(deps, "phản ánh", user="r4")
    await press(deps, start, "Thái độ", user="r4")
    cancelled = await say(deps, "hủy", user="r4")
    assert cancelled.text.startswith("Đã hủy")
    async with deps.sessions() as session:
        assert (await session.execute(select(Feedback))).first() is None


async def test_lookup_by_code_shows_status_to_the_owner_only(deps: Deps) -> None:
    _, code = await file_feedback(deps, user="owner")
    mine = await say(deps, f"tra cứu {code.lower()}", user="owner")
    assert "Mới tiếp nhận" in mine.text and code in mine.text
    slash = await say(deps, f"/tra_cuu {code}", user="owner")
    assert "Mới tiếp nhận" in slash.text
    other = await say(deps, code, user="stranger")
    assert "Không tìm thấy" in other.text and "Mới tiếp nhận" not in other.text
    listing = await say(deps, "/tra_cuu", user="owner")
    assert code in listing.text


async def test_rating_is_asked_once_after_an_answer(deps: Deps) -> None:
    await say(deps, "khai sinh", user="rt")
    thanks = await say(deps, "cảm ơn", user="rt")
    assert "chấm" in thanks.text
    rated = await say(deps, "5", user="rt")  # typing the number works like the button
    assert "5/5" in rated.text
    again = await say(deps, "cảm ơn nhiều", user="rt")
    assert "chấm" not in again.text
    async with deps.sessions() as session:
        rating = (await session.execute(select(Rating))).scalar_one()
    assert (rating.subject, rating.content_id, rating.score) == ("answer", "dang-ky-khai-sinh", 5)


def test_due_dates_skip_weekends_and_lunar_new_year() -> None:
    assert not is_working_day(date(2027, 2, 8))  # Tết 2027
    assert not is_working_day(date(2026, 11, 28))  # a Saturday
    assert add_working_days(date(2027, 2, 3), 3) == date(2027, 2, 15)
    assert add_working_days(date(2026, 11, 26), 10) == date(2026, 12, 10)
