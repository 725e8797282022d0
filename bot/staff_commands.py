"""Staff commands typed in a chat: the tech team drafts an announcement from Telegram with
`/thongbao <nội dung>`. The draft waits in the console for its audience, preview and approval,
like one written there."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import queries
from handlers.domain import announcements as service

COMMAND = "/thongbao"
DRAFTERS = frozenset({"tech_team", "admin"})
USAGE = (
    "Cách soạn thông báo: /thongbao <nội dung>.\n"
    "Bản nháp sẽ chờ trên trang cán bộ để chọn người nhận, xem trước và gửi duyệt."
)


def is_draft_command(text: str | None) -> bool:
    return bool(text) and text.split(maxsplit=1)[0].split("@")[0].lower() == COMMAND


async def draft_from_chat(
    sessions: async_sessionmaker[AsyncSession],
    channel: str,
    sender_id: str,
    text: str,
    event_key: str | None = None,
) -> str | None:
    """The reply to a /thongbao command, or None when the sender is not linked to a staff
    account allowed to draft (the message is then handled as a resident's)."""
    async with sessions() as session, session.begin():
        staff = await queries.active_staff_by_telegram(session, sender_id)
        if staff is None or staff.role not in DRAFTERS:
            return None
        if event_key and not await queries.claim_event(session, channel, event_key):
            return None  # a re-delivered update: the draft exists already
        body = text.split(maxsplit=1)[1].strip() if len(text.split(maxsplit=1)) > 1 else ""
        if not body:
            return USAGE
        try:
            draft = service.Draft(text=body, topics=["chuyen-doi-so"])
            announcement = await service.create(session, draft, f"staff:{staff.username}")
        except service.AnnouncementError as exc:
            return f"Chưa tạo được bản nháp: {exc}"
        return (
            f"Đã tạo bản nháp thông báo số {announcement.id} (chủ đề tạm: Chuyển đổi số).\n"
            f"Mở trang cán bộ, mục Thông báo → số {announcement.id}, để chọn chủ đề, người "
            "nhận, giờ gửi, xem trước trên từng kênh rồi gửi duyệt."
        )
