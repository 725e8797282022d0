"""When the assistant cannot help: say so kindly, say what it can do, offer a human."""

from __future__ import annotations

from handlers.cards import MENU_BUTTON
from handlers.menu import menu_buttons
from handlers.render import NOT_SET, with_buttons
from handlers.turn import Turn
from handlers.types import Response

OUT_OF_SCOPE = (
    "Xin lỗi, câu hỏi này nằm ngoài phạm vi hỗ trợ của mình. Mình chỉ hỗ trợ thủ tục hành chính, "
    "đường dây nóng, VNeID, dịch vụ công trực tuyến và phản ánh, kiến nghị của {ward}."
)
NOT_FOUND = (
    "Xin lỗi, mình chưa tìm được thông tin phù hợp với câu hỏi này. Câu hỏi đã được ghi lại để "
    'cán bộ phường bổ sung. Bạn thử hỏi ngắn gọn hơn, ví dụ "đăng ký tạm trú" hoặc '
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


def _human_help(turn: Turn) -> str:
    desk = turn.deps.catalogue.ward.contacts.get("mot_cua")
    if desk is None:
        return ""
    phone = desk.phone or f"{NOT_SET}, bạn có thể đến trực tiếp"
    return f"Cần gặp cán bộ: {desk.label}, điện thoại {phone}."


def fallback(turn: Turn, out_of_scope: bool = False, unreadable: bool = False) -> Response:
    """The kind reply when nothing fits; the menu is always offered."""
    ward = turn.deps.catalogue.ward
    if unreadable:
        attachment = turn.msg.attachment
        text = BY_ATTACHMENT.get(attachment.kind, NO_TEXT) if attachment else NO_TEXT
    else:
        text = (OUT_OF_SCOPE if out_of_scope else NOT_FOUND).replace("{ward}", ward.name)
        text = f"{text}\n\n{_human_help(turn)}".strip()
    buttons = [*menu_buttons(turn)] if unreadable or not out_of_scope else [MENU_BUTTON]
    return Response([with_buttons(text, buttons)], intent="fallback")
