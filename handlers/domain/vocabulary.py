"""One name for each thing, the same in the chat, the console and the report: channels and
announcement topics."""

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

# Announcement topics a resident subscribes to: the same names in chat, console and report.
TOPICS = {
    "chuyen-doi-so": "Chuyển đổi số",
    "cai-cach-hanh-chinh": "Cải cách hành chính",
    "lich-phat-thanh": "Lịch phát thanh",
    "canh-bao-lua-dao": "Cảnh báo lừa đảo",
    "tin-khan": "Tin khẩn",
}
