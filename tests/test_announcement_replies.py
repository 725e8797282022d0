"""Residents answering an announcement reach the staff inbox (button, typed "hỏi tin N",
Telegram's reply), and the tech team drafts an announcement from Telegram, on SQLite and
PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.staff import auth
from bot.staff_commands import draft_from_chat, is_draft_command
from db import queries
from db.models import Announcement, Feedback, Outbox, StaffUser
from handlers.deps import Deps
from handlers.domain import announcements as service
from handlers.domain.actions import Action
from handlers.domain.types import IncomingMessage, Response
from handlers.engine import handle

TEXT = "Lớp Bình dân học vụ số mở tối thứ Bảy tại nhà văn hóa tổ dân phố 3."


async def sent_announcement(deps: Deps) -> int:
    async with deps.sessions() as session, session.begin():
        for channel, ref in (("telegram", "501"), ("zalo_bot", "zb1"), ("web", "v" * 16)):
            user = await queries.get_or_create_user(session, channel, ref)
            await queries.subscribe(session, user.id, ["chuyen-doi-so"])
        announcement = await service.create(
            session, service.Draft(text=TEXT, topics=["chuyen-doi-so"]), "staff:chi"
        )
        await service.approve(announcement, "staff:an")
        announcement_id = announcement.id
    await service.Queuer("Phường Đăk Bla").run_due(deps.sessions)
    async with deps.sessions() as session, session.begin():  # as if Telegram had sent it
        await session.execute(
            update(Outbox)
            .where(Outbox.announcement_id == announcement_id, Outbox.channel == "telegram")
            .values(status="sent", platform_message_id="77")
        )
    return announcement_id


async def send(deps: Deps, channel: str, user: str, **fields: object) -> Response:
    return await handle(IncomingMessage(channel, user, **fields), deps)  # type: ignore[arg-type]


async def replies_to(deps: Deps, announcement_id: int) -> list[Feedback]:
    async with deps.sessions() as session:
        rows = await session.execute(
            select(Feedback).where(Feedback.announcement_id == announcement_id)
        )
        return list(rows.scalars())


async def test_the_button_asks_then_files_the_question_for_staff(deps: Deps) -> None:
    announcement_id = await sent_announcement(deps)
    asked = await send(deps, "web", "v" * 16, payload=Action("annq", str(announcement_id)).pack())
    assert "Lớp Bình dân học vụ số" in asked.text and asked.intent == "feedback"
    filed = await send(deps, "web", "v" * 16, text="Cho hỏi người già có được học không ạ?")
    assert "Mã tra cứu: PA-" in filed.text
    (record,) = await replies_to(deps, announcement_id)
    assert record.service_code == "thong-bao" and record.channel == "web"
    assert record.description == "Cho hỏi người già có được học không ạ?"
    assert filed.content_id == record.service_request_id


async def test_typing_the_number_works_where_there_are_no_buttons(deps: Deps) -> None:
    announcement_id = await sent_announcement(deps)
    asked = await send(deps, "zalo_bot", "zb1", text=f"hoi tin {announcement_id}")
    assert "Bạn gõ nội dung" in asked.text
    too_short = await send(deps, "zalo_bot", "zb1", text="ok")
    assert "rõ hơn" in too_short.text
    await send(deps, "zalo_bot", "zb1", text="Tôi đăng ký học cho mẹ tôi được không")
    (record,) = await replies_to(deps, announcement_id)
    assert record.channel == "zalo_bot"


async def test_a_telegram_reply_on_the_announcement_goes_straight_to_staff(deps: Deps) -> None:
    announcement_id = await sent_announcement(deps)
    filed = await send(deps, "telegram", "501", text="Có cần mang CCCD không?", reply_to="77")
    assert "Đã chuyển câu hỏi của bạn tới cán bộ phường" in filed.text
    assert len(await replies_to(deps, announcement_id)) == 1
    # A reply on any other message is an ordinary question.
    other = await send(deps, "telegram", "501", text="làm căn cước ở đâu", reply_to="5")
    assert other.intent != "feedback"
    assert len(await replies_to(deps, announcement_id)) == 1


async def test_an_unknown_announcement_gets_a_kind_answer(deps: Deps) -> None:
    await sent_announcement(deps)
    answer = await send(deps, "web", "v" * 16, payload=Action("annq", "99999").pack())
    assert "không tìm thấy thông báo" in answer.text
    garbled = await send(deps, "web", "v" * 16, payload=Action("annq", "x'; drop").pack())
    assert "không tìm thấy thông báo" in garbled.text


async def test_the_announcement_category_is_not_offered_in_the_feedback_list(deps: Deps) -> None:
    start = await send(deps, "web", "w" * 16, text="/phan_anh")
    titles = [b.title for b in start.replies[-1].buttons]
    assert "Hỏi về thông báo của phường" not in titles and "Việc khác" in titles


async def test_the_tech_team_drafts_from_telegram(deps: Deps) -> None:
    async with deps.sessions() as session, session.begin():
        await auth.add_staff(session, "chi", "Chi", "mat-khau-dai-1", "tech_team")
        await auth.add_staff(session, "binh", "Bình", "mat-khau-dai-1", "staff")
        await session.execute(
            update(StaffUser).where(StaffUser.username == "chi").values(telegram_user_id="42")
        )
        await session.execute(
            update(StaffUser).where(StaffUser.username == "binh").values(telegram_user_id="43")
        )
    assert is_draft_command("/thongbao@ward_bot Tin mới") and not is_draft_command("thong bao")
    answer = await draft_from_chat(
        deps.sessions, "telegram", "42", "/thongbao Mời bà con dự lớp học số.", event_key="9"
    )
    assert answer is not None and "bản nháp thông báo số" in answer
    again = await draft_from_chat(
        deps.sessions, "telegram", "42", "/thongbao Mời bà con dự lớp học số.", event_key="9"
    )
    assert again is None  # the same update delivered twice makes one draft
    usage = await draft_from_chat(deps.sessions, "telegram", "42", "/thongbao")
    assert usage is not None and "Cách soạn" in usage
    for not_allowed in ("43", "44"):  # a staff role that does not draft; a resident
        assert await draft_from_chat(deps.sessions, "telegram", not_allowed, "/thongbao X") is None
    async with deps.sessions() as session:
        drafts = list((await session.execute(select(Announcement))).scalars())
    assert [(a.status, a.created_by, a.text) for a in drafts] == [
        ("draft", "staff:chi", "Mời bà con dự lớp học số.")
    ]


async def test_an_announcement_can_invite_into_a_lesson(deps: Deps) -> None:
    from handlers.domain.announcement_card import render

    course = next(iter(deps.catalogue.courses.values()))
    async with deps.sessions() as session, session.begin():
        announcement = await service.create(
            session,
            service.Draft(text=TEXT, topics=["chuyen-doi-so"], invite=f"course:{course.id}"),
            "staff:chi",
        )
    telegram = render(announcement, "telegram", "Phường Đăk Bla")
    assert telegram.buttons[0].title == "📘 Học ngay"
    assert "học kỹ năng số" in render(announcement, "zalo_bot", "Phường Đăk Bla").text
    opened = await send(deps, "telegram", "501", payload=telegram.buttons[0].payload)
    assert course.title in opened.text and "Bắt đầu" in [
        b.title for b in opened.replies[-1].buttons
    ]
    async with deps.sessions() as session, session.begin():
        import pytest

        with pytest.raises(service.AnnouncementError):
            await service.create(
                session, service.Draft(text=TEXT, topics=["chuyen-doi-so"], invite="x:1"), "cli"
            )
