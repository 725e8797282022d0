"""Every conversation path through the core, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from db.models import ConversationState, Interaction, Subscription, User
from handlers.deps import Deps
from handlers.domain.actions import Action
from handlers.domain.types import IncomingMessage, Response
from handlers.engine import handle


def msg(text: str | None = None, payload: str | None = None, user: str = "u1") -> IncomingMessage:
    return IncomingMessage(channel="telegram", user_ref=user, text=text, payload=payload)


async def say(deps: Deps, text: str, user: str = "u1") -> Response:
    return await handle(msg(text, user=user), deps)


async def press(deps: Deps, payload: str, user: str = "u1") -> Response:
    return await handle(msg(payload=payload, user=user), deps)


async def test_greeting_shows_main_menu_with_six_sections(deps: Deps) -> None:
    response = await say(deps, "Xin chào")
    assert response.intent == "greeting"
    assert "Phường Đăk Bla" in response.text
    titles = [b.title for b in response.replies[-1].buttons]
    assert titles == [
        "Thủ tục hành chính",
        "Đường dây nóng",
        "VNeID và dịch vụ công",
        "Học kỹ năng số",
        "Gửi phản ánh",
        "Nhận thông báo",
    ]


async def test_typing_a_number_chooses_like_a_button(deps: Deps) -> None:
    await say(deps, "menu")
    by_number = await say(deps, "2")
    await say(deps, "menu", user="u2")
    by_button = await press(deps, Action("section", "hotline").pack(), user="u2")
    assert by_number.intent == by_button.intent == "hotline"
    assert by_number.text == by_button.text
    assert "113" in by_number.text


async def test_numbers_follow_the_last_choice_shown(deps: Deps) -> None:
    await say(deps, "menu")
    section = await say(deps, "1")  # Thủ tục hành chính -> a list of subjects
    assert section.intent == "menu"
    first_subject = section.replies[-1].buttons[0].title
    picked = await say(deps, "1")
    assert picked.title == first_subject


async def test_procedure_card_is_short_then_details_on_request(deps: Deps) -> None:
    card = await say(deps, "làm giấy khai sinh cho con")
    assert card.intent == "procedure" and card.content_id == "dang-ky-khai-sinh"
    assert card.text.startswith("ĐĂNG KÝ KHAI SINH")
    assert "kiểm tra ngày" in card.text and "Căn cứ:" not in card.text  # basis: "Xem thêm"
    more = card.replies[-1].buttons[0]
    assert more.title.startswith("Xem thêm")
    details = await press(deps, more.payload)
    assert "Hồ sơ cần chuẩn bị" in details.text and "Giấy chứng sinh" in details.text
    assert "Căn cứ:" in details.text
    assert details.text.rstrip().splitlines()[-1].startswith("Nguồn:")


async def test_question_about_time_leads_with_the_time_limit(deps: Deps) -> None:
    response = await say(deps, "đăng ký hộ kinh doanh mất bao lâu")
    assert response.content_id == "dang-ky-ho-kinh-doanh"
    assert response.text.splitlines()[1].startswith("Thời hạn:")


async def test_ambiguous_question_offers_a_choice_and_the_number_picks_it(deps: Deps) -> None:
    response = await say(deps, "bản sao")
    if response.intent != "clarify":  # the catalogue may resolve it; then nothing to test
        assert response.intent in ("procedure", "howto")
        return
    assert response.text.startswith("Ý bạn là")
    picked = await say(deps, "2")
    assert picked.title == response.options[1]


async def test_hotline_never_invents_a_ward_number(deps: Deps) -> None:
    response = await say(deps, "so dien thoai ubnd phuong")
    assert response.intent == "hotline"
    assert "đang cập nhật" in response.text


async def test_feedback_question_gets_feedback_guidance(deps: Deps) -> None:
    response = await say(deps, "muốn phản ánh cán bộ làm chậm hồ sơ")
    assert response.intent == "feedback"
    assert "phản ánh" in response.text.lower()


async def test_subscribe_and_unsubscribe(deps: Deps) -> None:
    offer = await press(deps, Action("section", "subscribe").pack())
    assert offer.intent == "subscribe"
    everything = next(b for b in offer.replies[-1].buttons if b.title == "Nhận tất cả")
    await press(deps, everything.payload)
    async with deps.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Subscription)) == 5
    stop = await say(deps, "hủy nhận tin")
    assert "ngừng" in stop.text.lower()
    async with deps.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Subscription)) == 0


async def test_thanks_and_goodbye_are_answered_kindly(deps: Deps) -> None:
    thanks = await say(deps, "cảm ơn bạn nhiều")
    bye = await say(deps, "tạm biệt")
    assert "không có gì" in thanks.text
    assert "Chào bạn" in bye.text


async def test_cancel_always_works(deps: Deps) -> None:
    await say(deps, "menu")
    for word in ("hủy", "/huy", "huy"):
        response = await say(deps, word)
        assert response.text.startswith("Đã hủy")
        assert response.intent == "menu"


async def test_out_of_scope_gets_a_kind_fallback_and_is_stored(deps: Deps) -> None:
    response = await say(deps, "cach nau canh chua ca loc")
    assert response.intent == "fallback"
    assert "ngoài phạm vi" in response.text or "chưa tìm" in response.text


async def test_state_survives_a_restart(deps: Deps, catalogue, lexicon, index) -> None:
    """A fresh Deps over the same database (a restarted or second process) continues the flow."""
    await say(deps, "menu")
    from db.session import session_factory

    other = Deps(
        sessions=session_factory(deps.sessions.kw["bind"]),
        catalogue=catalogue,
        lexicon=lexicon,
        index=index,
        acts=deps.acts,
    )
    response = await say(other, "2")
    assert response.intent == "hotline"


async def test_every_message_and_reply_is_logged(deps: Deps) -> None:
    await say(deps, "khai sinh")
    async with deps.sessions() as session:
        rows = (
            (await session.execute(select(Interaction).order_by(Interaction.id))).scalars().all()
        )
        states = (await session.execute(select(ConversationState))).scalars().all()
    assert [r.direction for r in rows] == ["in", "out"]
    assert rows[0].intent == "procedure" and rows[0].content_id == "dang-ky-khai-sinh"
    assert rows[0].latency_ms is not None and rows[0].score is not None
    assert len(states) == 1 and states[0].options


async def test_topics_are_chosen_one_by_one_and_area_remembered(deps: Deps) -> None:
    offer = await say(deps, "nhận thông báo", user="sub2")
    assert offer.intent == "subscribe"
    titles = [b.title for b in offer.replies[-1].buttons]
    assert titles[0] == "☐ Chuyển đổi số" and "Nhận tất cả" in titles
    ticked = await say(deps, "4", user="sub2")  # ☐ Cảnh báo lừa đảo, by typing its number
    assert "☑ Cảnh báo lừa đảo" in [b.title for b in ticked.replies[-1].buttons]
    area_button = next(b for b in ticked.replies[-1].buttons if "tổ dân phố" in b.title)
    await press(deps, area_button.payload, user="sub2")
    saved = await say(deps, "Tổ dân phố 3", user="sub2")
    assert "Tổ dân phố của bạn: Tổ dân phố 3" in saved.text
    async with deps.sessions() as session:
        topics = (await session.execute(select(Subscription.topic))).scalars().all()
        area = (
            await session.execute(select(User.area).where(User.external_id == "sub2"))
        ).scalar_one()
    assert topics == ["canh-bao-lua-dao"] and area == "Tổ dân phố 3"
    untick = next(b for b in saved.replies[-1].buttons if b.title == "☑ Cảnh báo lừa đảo")
    await press(deps, untick.payload, user="sub2")
    async with deps.sessions() as session:
        assert (await session.execute(select(Subscription))).first() is None


async def test_one_word_stops_every_announcement(deps: Deps) -> None:
    offer = await say(deps, "nhận thông báo", user="sub3")
    everything = next(b for b in offer.replies[-1].buttons if b.title == "Nhận tất cả")
    await press(deps, everything.payload, user="sub3")
    stopped = await say(deps, "NGỪNG", user="sub3")
    assert "Đã ngừng gửi thông báo" in stopped.text
    async with deps.sessions() as session:
        assert (await session.execute(select(Subscription))).first() is None
