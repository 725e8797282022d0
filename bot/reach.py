"""Whether a message from staff can still reach a resident in their chat, by the platform's
messaging window (docs: ../shared/reference/platforms.md).

- Telegram and Zalo Bot: no window; a bot may write to anyone who started it.
- Zalo OA: consultation messages within 7 days of the resident's last message (free within
  48 hours under the 2026 rule; -230/-213 refusals outside it are recorded as undeliverable).
- Messenger: 24 hours after the resident's last message; a staff member's own answer up to
  7 days when the ward's app has Meta's Human Agent permission (MESSENGER_HUMAN_AGENT).
- Website: kept for the widget, which fetches it when the resident opens the chat again.
- Terminal chats (console, cli): nothing to deliver to later.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from db.models import User

REPLY_WINDOWS = {"zalo_oa": timedelta(days=7), "messenger": timedelta(hours=24)}
HUMAN_AGENT_WINDOW = timedelta(days=7)
NOT_DELIVERED = frozenset({"console", "cli"})


def staff_windows(human_agent: bool) -> Mapping[str, timedelta]:
    """How long after their last message a staff answer reaches a resident, per channel."""
    return {**REPLY_WINDOWS, "messenger": HUMAN_AGENT_WINDOW} if human_agent else REPLY_WINDOWS


def unreachable(
    resident: User | None, now: datetime, windows: Mapping[str, timedelta] = REPLY_WINDOWS
) -> str | None:
    """Why a staff answer cannot be sent to this resident now (None: it can)."""
    if resident is None:
        return "Người dân đã xóa dữ liệu trò chuyện: không còn nơi để gửi."
    if resident.channel in NOT_DELIVERED:
        return "Câu hỏi gửi từ dòng lệnh: không có cuộc trò chuyện để gửi tới."
    if not resident.active:
        return "Người dân đã chặn hoặc ngừng nhận tin của trợ lý."
    window = windows.get(resident.channel)
    if window is not None and now - resident.last_seen_at > window:
        hours = int(window.total_seconds() // 3600)
        span = f"{hours // 24} ngày" if hours >= 48 else f"{hours} giờ"
        return (
            f"Người dân nhắn lần cuối quá {span} trước: nền tảng chỉ cho trả lời trong {span}. "
            "Câu trả lời được lưu; người dân nhắn mã câu hỏi sẽ xem được."
        )
    return None
