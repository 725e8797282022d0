"""One name for each channel, the same in the chat, the console and the report."""

from __future__ import annotations

CHANNEL_LABELS = {
    "telegram": "Telegram",
    "zalo_oa": "Zalo OA",
    "zalo_bot": "Zalo Bot",
    "web": "Trang web phường",
    "console": "Dòng lệnh",
    "cli": "Dòng lệnh",
    "staff": "Cán bộ nhập",  # feedback typed in by staff (a phone call, a visit)
}
RESIDENT_CHANNELS = ("telegram", "zalo_oa", "zalo_bot", "web")  # where announcements go
