"""An announcement as each channel shows it: the same words everywhere, with buttons where the
channel has them and typed commands where it does not. The console's preview uses this too,
so staff see exactly what residents will get."""

from __future__ import annotations

from typing import Protocol

from handlers.domain.actions import Action
from handlers.domain.types import Button, Reply
from handlers.domain.vocabulary import CHANNEL_LABELS, RESIDENT_CHANNELS

# Channels an announcement can go to, and their names for staff.
CHANNELS = {c: CHANNEL_LABELS[c] for c in RESIDENT_CHANNELS}
WITHOUT_BUTTONS = frozenset({"zalo_bot"})
# Channels that reach only some subscribers, said plainly wherever staff choose channels.
REACH_LIMITS = {
    "messenger": "Messenger chỉ cho Trang nhắn tới người dân trong 24 giờ sau tin nhắn cuối "
    "của họ: ai nhắn lâu hơn sẽ không nhận được tin này (ghi là “không gửi được”). Hãy đăng "
    "tin lên Trang Facebook của phường nữa.",
}
# The same limit, told to a resident who subscribes on that channel.
RESIDENT_REACH_NOTES = {
    "messenger": "Lưu ý: trên Messenger, phường chỉ gửi được thông báo cho bạn trong 24 giờ sau "
    "tin nhắn gần nhất của bạn. Để không lỡ tin, bạn theo dõi Trang Facebook của phường hoặc "
    "nhận tin qua Zalo, Telegram.",
}


class AnnouncementLike(Protocol):
    id: int
    text: str
    image_url: str | None
    link_url: str | None
    emergency: bool
    invite: str | None


def ask_button(announcement_id: int) -> Button:
    return Button("💬 Hỏi phường về tin này", Action("annq", str(announcement_id)).pack())


def render(announcement: AnnouncementLike, channel: str, ward_name: str) -> Reply:
    """The message one resident on `channel` receives."""
    head = f"🚨 TIN KHẨN – {ward_name}" if announcement.emergency else f"📢 {ward_name} thông báo"
    lines = [head, "", announcement.text.strip()]
    if announcement.link_url:
        lines += ["", f"Xem thêm: {announcement.link_url}"]
    image = announcement.image_url  # every channel shows it (bot/channels/base.py)
    invite = _invite(announcement.invite)
    if channel in WITHOUT_BUTTONS:
        lines.append("")
        if invite:
            lines.append(invite[2])
        lines += [
            f"Muốn hỏi phường về tin này, bạn gõ: hỏi tin {announcement.id}",
            "Muốn thôi nhận tin, bạn gõ: ngừng",
        ]
        return Reply("\n".join(lines), (), image)
    buttons = [
        ask_button(announcement.id),
        Button("Ngừng nhận thông báo", Action("unsub").pack()),
    ]
    if invite:
        buttons.insert(0, Button(invite[0], invite[1]))
    return Reply("\n".join(lines), tuple(buttons), image)


def _invite(invite: str | None) -> tuple[str, str, str] | None:
    """(button title, payload, the typed way) into a lesson or the contest."""
    kind, _, target = (invite or "").partition(":")
    if kind == "course":
        return (
            "📘 Học ngay",
            Action("learn", f"open:{target}").pack(),
            "Muốn học, bạn gõ: học kỹ năng số",
        )
    if kind == "contest":
        return (
            "🏆 Tham gia cuộc thi",
            Action("quiz", f"open:{target}").pack(),
            "Muốn dự thi, bạn gõ: thi",
        )
    return None
