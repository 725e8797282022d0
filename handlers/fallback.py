"""When the assistant cannot help: say so honestly, offer what is closest, and a person.

Three kinds: a message without words (ask for text), a ward matter the catalogue does not
cover ("mình chưa có thông tin này", the closest cards and a way to ask a person), and chatter
that has nothing to do with the ward (the friendly out-of-scope reply).
"""

from __future__ import annotations

from collections.abc import Sequence

from content.models import AnswerEntry
from handlers.cards import MENU_BUTTON
from handlers.domain.actions import Action, open_entry
from handlers.domain.types import Button, Response
from handlers.features.menu import menu_buttons
from handlers.render import with_buttons
from handlers.turn import Turn

OUT_OF_SCOPE = (
    "Xin lỗi, câu hỏi này nằm ngoài phạm vi hỗ trợ của mình. Mình chỉ hỗ trợ thủ tục hành chính, "
    "đường dây nóng, VNeID, dịch vụ công trực tuyến và phản ánh, kiến nghị của {ward}."
)
OUT_OF_SCOPE_PERSON = ' Nếu đây là việc của phường, bạn bấm "Hỏi cán bộ phường".'
UNKNOWN = (
    "Xin lỗi, mình chưa có thông tin về việc này. Câu hỏi đã được ghi lại để cán bộ phường "
    "bổ sung."
)
RELATED = "Các mục gần nhất mình có:"
NOT_FOUND = (
    "Xin lỗi, mình chưa hiểu rõ ý bạn và cũng chưa có thông tin phù hợp. Câu hỏi đã được ghi "
    'lại để cán bộ phường bổ sung. Bạn thử hỏi ngắn gọn hơn, ví dụ "đăng ký tạm trú" hoặc '
    '"cấp lại căn cước", hoặc chọn một mục bên dưới.'
)
BY_ATTACHMENT = {
    "image": "Mình đã nhận được ảnh. Hiện mình chỉ đọc được tin nhắn chữ; bạn mô tả bằng chữ "
    "giúp mình nhé, hoặc chọn một mục bên dưới.",
    "sticker": "Cảm ơn bạn! Bạn cần mình giúp gì cứ nhắn nhé, hoặc chọn một mục bên dưới.",
    "unsupported": "Mình đã nhận được tin nhắn nhưng chưa xem được nội dung này. Bạn có thể gõ "
    "câu hỏi, hoặc chọn một mục bên dưới.",
}
NO_TEXT = (
    "Mình chưa đọc được nội dung tin nhắn. Bạn gõ câu hỏi bằng chữ giúp mình nhé, ví dụ "
    '"làm giấy khai sinh cho con", hoặc chọn một mục bên dưới.'
)
# The way to a person; the handover feature answers it (the next step: a question ticket).
ASK_PERSON = Button("Hỏi cán bộ phường", Action("human").pack())


def human_help(turn: Turn) -> str:
    """The one-stop desk's phone, or a plain word that it is not filled in yet."""
    desk = turn.deps.catalogue.ward.contacts.get("mot_cua")
    if desk is None:
        return ""
    if desk.phone:
        return f"Cần gặp cán bộ: {desk.label}, điện thoại {desk.phone}."
    return f"Cần gặp cán bộ: bạn đến trực tiếp {desk.label} (phường đang cập nhật số điện thoại)."


def unreadable(turn: Turn) -> Response:
    """No words at all (empty, a sticker, a picture outside a flow): ask for text, kindly."""
    attachment = turn.msg.attachment
    text = BY_ATTACHMENT.get(attachment.kind, NO_TEXT) if attachment else NO_TEXT
    return Response([with_buttons(text, menu_buttons(turn))], intent="fallback")


def out_of_scope(turn: Turn) -> Response:
    """Chatter unrelated to the ward: a friendly word on what the assistant does."""
    text = OUT_OF_SCOPE.replace("{ward}", turn.deps.catalogue.ward.name) + OUT_OF_SCOPE_PERSON
    # Never a dead end: what the assistant takes for chatter may be a ward matter after all.
    return Response([with_buttons(text, [ASK_PERSON, MENU_BUTTON])], intent="fallback")


def unknown(turn: Turn, closest: Sequence[AnswerEntry] = ()) -> Response:
    """A ward matter the catalogue lacks: say so, offer the closest cards and a person."""
    parts = [UNKNOWN if closest else NOT_FOUND, human_help(turn)]
    if closest:
        parts.append(RELATED)
    buttons = [Button(e.title, open_entry(e.id)) for e in closest]
    if closest:
        buttons += [ASK_PERSON, MENU_BUTTON]
    else:
        buttons += [ASK_PERSON, *menu_buttons(turn)]
    text = "\n\n".join(p for p in parts if p)
    return Response([with_buttons(text, buttons)], intent="fallback")
