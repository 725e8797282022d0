"""Personal data under Nghị định 13/2023/NĐ-CP, in the chat: a resident sees what the ward holds
about them (/du_lieu_cua_toi) and erases it (/xoa_du_lieu, after a confirmation). A new
resident's first reply ends with one short line saying so.

Erasing runs in the turn's own transaction; the engine then stores nothing of that turn, so
the next message from the chat starts fresh, as a new resident."""

from __future__ import annotations

from content.normalize import folded_phrase
from db import privacy_queries as pq
from handlers.cards import MENU_BUTTON
from handlers.domain.actions import Action, number_arg
from handlers.domain.types import Button, Reply, Response
from handlers.domain.vocabulary import CHANNEL_LABELS, STATUS_LABELS, TOPICS
from handlers.feature import Feature
from handlers.render import local_date, with_buttons
from handlers.turn import Turn

FLOW = "privacy_erase"
SHOW_COMMANDS = ("/du_lieu_cua_toi", "/dulieucuatoi", "/du_lieu")
ERASE_COMMANDS = ("/xoa_du_lieu", "/xoadulieu")
SHOW_PHRASES = {"du lieu cua toi", "xem du lieu cua toi", "xem du lieu", "du lieu ca nhan"}
ERASE_PHRASES = {"xoa du lieu cua toi", "xoa du lieu", "xoa du lieu ca nhan"}
CONFIRM_PHRASES = {"dong y xoa", "dong y xoa du lieu"}
ERASE_BUTTON = Button("Xóa dữ liệu của tôi", Action("priv", "ask").pack())
YES = Button("Xóa", Action("priv", "yes").pack())
NO = Button("Không xóa", Action("priv", "no").pack())
CHANNEL_NAMES = CHANNEL_LABELS
NO_NOTICE_CHANNELS = frozenset({"cli"})  # `ask`: staff checking answers, not a resident


def notice(days: int) -> str:
    """The one line a new resident reads under their first reply."""
    kept = f", xóa sau {days} ngày" if days > 0 else ""
    return (
        f"Phường chỉ lưu tin nhắn để trả lời và cải thiện dịch vụ{kept}; "
        "gõ /du_lieu_cua_toi để xem, /xoa_du_lieu để xóa."
    )


async def add_notice(turn: Turn, response: Response) -> None:
    """End the first reply a resident ever gets with the privacy notice. "First" means no
    message of this chat is stored yet: shown once per resident, and again only to someone
    whose history was erased (they asked, or retention removed it)."""
    if response.forget or turn.msg.channel in NO_NOTICE_CHANNELS or not response.replies:
        return
    if not turn.state.is_new_conversation:  # a resident's first message always is one
        return
    if await pq.has_stored_messages(turn.session, turn.user.id):
        return
    last = response.replies[-1]
    text = f"{last.text}\n\n{notice(turn.deps.retention_days)}"
    response.replies[-1] = Reply(text, last.buttons, last.image_url)


def typed(turn: Turn) -> str | None:
    """ "show" or "erase" when the message asks for it in words ("dữ liệu của tôi")."""
    phrase = folded_phrase(turn.text)
    if phrase in SHOW_PHRASES:
        return "show"
    if phrase in ERASE_PHRASES:
        return "ask"
    return None


async def on_button(turn: Turn, arg: str) -> Response:
    """The buttons: show the data, ask to erase it, confirm (only while asked), keep it."""
    if arg == "show":
        return await show(turn)
    if arg in ("ask", "yes"):  # "Xóa" outside the confirmation (an old button) asks again
        return ask(turn)
    return kept(turn)


def _names(turn: Turn, course_ids: list[str]) -> str:
    courses = turn.deps.catalogue.courses
    return ", ".join(f"“{courses[c].title}”" if c in courses else c for c in course_ids)


def _summary(turn: Turn, data: pq.PersonalData) -> str:
    channel = CHANNEL_NAMES.get(data.channel, data.channel)
    lines = [
        "Dữ liệu phường đang lưu về bạn:",
        f"• Kênh: {channel}, từ ngày {local_date(data.since)}",
    ]
    if data.display_name:
        lines.append(f"• Tên hiển thị: {data.display_name}")
    if data.area:
        lines.append(f"• Tổ dân phố: {data.area}")
    if data.topics:
        lines.append("• Nhận thông báo: " + ", ".join(TOPICS.get(t, t) for t in data.topics))
    if data.messages_in or data.messages_out:
        since = f", từ ngày {local_date(data.oldest_message)}" if data.oldest_message else ""
        lines.append(
            f"• Tin nhắn: {data.messages_in} tin của bạn và {data.messages_out} tin trả lời"
            + since
        )
    if data.unanswered:
        lines.append(f"• Câu hỏi chưa trả lời được (để phường bổ sung): {data.unanswered}")
    if data.questions:
        lines.append(f"• Câu hỏi đã gửi cán bộ phường: {data.questions}")
    for item in data.feedback:
        phone = f", số điện thoại {item.phone}" if item.phone else ", không lưu số điện thoại"
        status = STATUS_LABELS.get(item.status, item.status)
        lines.append(f"• Phản ánh {item.code}: {status.lower()}{phone}")
    if data.ratings:
        lines.append(f"• Đánh giá mức hài lòng: {data.ratings} lần")
    if data.courses_in_progress:
        lines.append(f"• Đang học: {_names(turn, data.courses_in_progress)}")
    if data.courses_completed:
        lines.append(f"• Đã học xong: {_names(turn, data.courses_completed)}")
    for attempt in data.attempts:
        who = f"tên “{attempt.name}”" if attempt.name else "không ghi tên"
        if attempt.affiliation:
            who += f", {attempt.affiliation}"
        score = f"{attempt.score}/{attempt.total} điểm" if attempt.finished else "đang làm bài"
        lines.append(f"• Cuộc thi “{attempt.contest}”: {who}, {score}")
    if data.other_chats:
        lines.append(f"• Việc học và bài thi dùng chung với {data.other_chats} kênh khác của bạn")
    if data.pending_messages:
        lines.append(f"• Tin phường chưa gửi tới bạn: {data.pending_messages}")
    days = turn.deps.retention_days
    kept = f"giữ {days} ngày rồi tự xóa" if days > 0 else "giữ cho đến khi bạn xóa"
    lines.append(f"\nTin nhắn và câu hỏi được {kept}. Phản ánh được phường lưu để giải quyết.")
    return "\n".join(lines)


async def show(turn: Turn) -> Response:
    """What the ward holds about this chat's resident, summarised."""
    data = await pq.export(turn.session, turn.user.id)
    assert data is not None  # the engine created the resident for this very message
    return Response(
        [with_buttons(_summary(turn, data), [ERASE_BUTTON, MENU_BUTTON])], intent="menu"
    )


def ask(turn: Turn) -> Response:
    """The confirmation: what goes, what stays; the next message decides."""
    turn.state.flow = FLOW
    text = (
        "Bạn muốn xóa dữ liệu của mình?\n"
        "• Sẽ xóa: tin nhắn, câu hỏi, tên, tổ dân phố, các mục nhận thông báo (bạn sẽ không "
        "nhận thông báo nữa), tiến độ học và tên bạn ghi khi dự thi.\n"
        "• Phường vẫn giữ nhưng không còn gắn với bạn: phản ánh đã gửi (bỏ số điện thoại; "
        "phường vẫn giải quyết nhưng không gửi trả lời cho bạn được nữa), điểm đánh giá, "
        "điểm bài thi.\n"
        "Xóa rồi thì không lấy lại được. Chọn “Xóa” hoặc gõ “đồng ý xóa”; gõ điều khác là hủy."
    )
    return Response([with_buttons(text, [YES, NO])], intent="menu")


def kept(turn: Turn) -> Response:
    turn.state.flow = None
    text = "Mình chưa xóa gì cả, dữ liệu của bạn vẫn giữ nguyên."
    return Response([with_buttons(text, [MENU_BUTTON])], intent="menu")


def in_flow(turn: Turn) -> bool:
    return turn.state.flow == FLOW


async def confirmation(turn: Turn) -> Response | None:
    """The message after the confirmation: "Xóa" (button, its number, or "đồng ý xóa")
    erases; anything else cancels (another button, number or command then does what it
    says; other words get a word that nothing was erased)."""
    turn.state.flow = None
    chosen = turn.msg.payload
    number = number_arg(turn.text.strip()) if chosen is None else None
    if number is not None:
        options = turn.state.options
        chosen = options[number - 1] if 1 <= number <= len(options) else None
    if chosen == YES.payload or (
        turn.msg.payload is None and folded_phrase(turn.text) in CONFIRM_PHRASES
    ):
        return await erase(turn)
    if chosen is not None or turn.text.startswith("/"):
        return None  # cancelled; the button, number or command does what it says
    return kept(turn)


def _done_text(done: dict[str, int]) -> str:
    gone = []
    if done.get("messages"):
        gone.append(f"{done['messages']} tin nhắn")
    if done.get("unanswered"):
        gone.append(f"{done['unanswered']} câu hỏi chưa trả lời được")
    if done.get("questions"):
        gone.append(f"{done['questions']} câu hỏi đã gửi cán bộ")
    if done.get("subscriptions"):
        gone.append(f"{done['subscriptions']} mục nhận thông báo")
    if done.get("courses"):
        gone.append(f"tiến độ {done['courses']} khóa học")
    if done.get("outbox_deleted"):
        gone.append(f"{done['outbox_deleted']} tin chưa gửi")
    gone.append("tên, tổ dân phố và trạng thái trò chuyện")
    lines = ["Phường đã xóa dữ liệu của bạn: " + ", ".join(gone) + "."]
    kept_items = []
    if done.get("feedback_anonymised"):
        kept_items.append(f"{done['feedback_anonymised']} phản ánh (đã bỏ số điện thoại)")
    if done.get("ratings"):
        kept_items.append(f"{done['ratings']} điểm đánh giá")
    if done.get("contest_attempts"):
        kept_items.append(f"{done['contest_attempts']} điểm bài thi (đã bỏ tên)")
    if kept_items:
        lines.append("Phường giữ lại, không còn gắn với bạn: " + ", ".join(kept_items) + ".")
    if done.get("learner_shared"):
        lines.append(
            "Tiến độ học và bài thi dùng chung với kênh khác của bạn vẫn được giữ cho kênh đó."
        )
    lines.append("Nếu bạn nhắn tiếp, phường sẽ coi như lần đầu bạn liên hệ. Cảm ơn bạn!")
    return "\n".join(lines)


async def erase(turn: Turn) -> Response:
    """Erase this chat's resident now, in the turn's transaction."""
    done = await pq.forget_user(turn.session, turn.user.id)
    return Response([with_buttons(_done_text(done), [MENU_BUTTON])], intent="menu", forget=True)


async def _show(turn: Turn, _arg: str = "") -> Response:
    return await show(turn)


async def _ask(turn: Turn, _arg: str = "") -> Response:
    return ask(turn)


async def _typed(turn: Turn) -> Response | None:
    wish = typed(turn)  # "dữ liệu của tôi", "xóa dữ liệu của tôi"
    return await on_button(turn, wish) if wish is not None else None


async def _first(turn: Turn) -> Response | None:
    return await confirmation(turn) if in_flow(turn) else None


FEATURE = Feature(
    "privacy",
    verbs={"priv": on_button},
    commands={
        **{name: _show for name in SHOW_COMMANDS},
        **{name: _ask for name in ERASE_COMMANDS},
    },
    typed=_typed,
    flows=frozenset({FLOW}),
    first=_first,
)
