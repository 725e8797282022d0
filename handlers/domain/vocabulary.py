"""One name for each thing, the same in the chat, the console and the report: channels,
announcement topics, feedback and question statuses, satisfaction scores, staff roles."""

from __future__ import annotations

from db import question_queries as qq

CHANNEL_LABELS = {
    "telegram": "Telegram",
    "zalo_oa": "Zalo OA",
    "zalo_bot": "Zalo Bot",
    "messenger": "Messenger",
    "web": "Trang web phường",
    "console": "Dòng lệnh",
    "cli": "Dòng lệnh",
    "staff": "Cán bộ nhập",  # feedback typed in by staff (a phone call, a visit)
}
# Console roles as people read them (the codes stay in the database and the command line).
ROLE_LABELS = {"admin": "Quản trị", "staff": "Cán bộ", "tech_team": "Tổ công nghệ số"}
# Who changed a phản ánh, when it was not a console account ("staff:<username>").
ACTOR_LABELS = {"resident": "Người dân", "system": "Hệ thống"}
# Where announcements go.
RESIDENT_CHANNELS = ("telegram", "zalo_oa", "zalo_bot", "messenger", "web")

# Announcement topics a resident subscribes to: the same names in chat, console and report.
TOPICS = {
    "chuyen-doi-so": "Chuyển đổi số",
    "cai-cach-hanh-chinh": "Cải cách hành chính",
    "lich-phat-thanh": "Lịch phát thanh",
    "canh-bao-lua-dao": "Cảnh báo lừa đảo",
    "tin-khan": "Tin khẩn",
}

# A phản ánh's status as residents and staff read it.
STATUS_LABELS = {
    "new": "Mới tiếp nhận",
    "in_progress": "Đang xử lý",
    "answered": "Đã trả lời",
    "resolved": "Đã giải quyết xong",
}
# A question handed to staff (CH-... codes).
QUESTION_LABELS = {qq.OPEN: "Đang chờ cán bộ trả lời", qq.ANSWERED: "Cán bộ đã trả lời"}
# The 1-5 satisfaction score: the rating buttons and the report's table use the same words.
RATING_LABELS = {
    1: "Rất không hài lòng",
    2: "Không hài lòng",
    3: "Bình thường",
    4: "Hài lòng",
    5: "Rất hài lòng",
}


def rating_label(score: int) -> str:
    """ "4 - Hài lòng": a score as the chat's rating buttons and the report write it."""
    return f"{score} - {RATING_LABELS[score]}"


# A console account's role, wherever a page or a document names it.
ROLE_LABELS = {"admin": "Quản trị", "staff": "Cán bộ", "tech_team": "Tổ công nghệ số"}
