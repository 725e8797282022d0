"""Hand-built report figures for tests: October 2026 at phường Đăk Bla, round numbers that add up
(channel rows sum to the usage totals, days to the channel totals, gap counts to `unanswered`,
category statuses to `by_status`, satisfaction subjects to the distribution), and an empty
report with nothing in it."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.report.model import (
    AnnouncementFigures,
    AnnouncementRow,
    CategoryCount,
    ChannelUse,
    EntryCount,
    FeedbackFigures,
    GapGroup,
    Period,
    Report,
    Satisfaction,
    Subscribers,
    Usage,
)
from handlers.domain.vocabulary import CHANNEL_LABELS, STATUS_LABELS
from handlers.domain.vocabulary import TOPICS as TOPIC_LABELS

WARD = "Phường Đăk Bla"
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31), "tháng 10/2026")
# 08:30 on 3 November in Vietnam: the date line reads "ngày 03 tháng 11 năm 2026".
GENERATED = datetime(2026, 11, 3, 1, 30, tzinfo=UTC)

# channel: (conversations, inbound messages, residents) -> totals 150, 700, 112
CHANNELS = {
    "telegram": (40, 200, 30),
    "zalo_oa": (60, 300, 45),
    "zalo_bot": (20, 100, 15),
    "web": (25, 90, 20),
    "console": (5, 10, 2),
}


def spread(total: int, days: int) -> list[int]:
    """`total` over `days` as evenly as whole numbers allow (the first days get the rest)."""
    base, rest = divmod(total, days)
    return [base + (1 if i < rest else 0) for i in range(days)]


def _usage() -> Usage:
    by_channel = [
        ChannelUse(code, CHANNEL_LABELS[code], *figures) for code, figures in CHANNELS.items()
    ]
    days = OCTOBER.days
    per_channel = {
        code: spread(messages, len(days)) for code, (_, messages, _) in CHANNELS.items()
    }
    by_day = {d: {code: per_channel[code][i] for code in CHANNELS} for i, d in enumerate(days)}
    # 7 night hours x 5 + 10 day hours x 49 + 7 evening hours x 25 = 700
    by_hour = [5] * 7 + [49] * 10 + [25] * 7
    return Usage(
        conversations=150,
        messages_in=700,
        messages_out=720,
        residents=112,
        new_residents=70,
        returning_residents=42,
        outside_office_hours=210,
        by_channel=by_channel,
        by_day=by_day,
        by_hour=by_hour,
        by_intent={"procedure": 400, "howto": 150, "feedback": 60, "smalltalk": 65, "unknown": 25},
        unanswered=25,
    )


def _feedback() -> FeedbackFigures:
    categories = [
        CategoryCount(
            "thu-tuc-hanh-chinh",
            "Thủ tục hành chính",
            8,
            {"new": 1, "in_progress": 2, "answered": 3, "resolved": 2},
        ),
        CategoryCount(
            "ha-tang",
            "Hạ tầng: đường, điện, nước",
            6,
            {"in_progress": 1, "answered": 2, "resolved": 3},
        ),
        CategoryCount("moi-truong", "Môi trường – vệ sinh", 4, {"answered": 1, "resolved": 3}),
        CategoryCount(
            "gop-y-tro-ly", "Góp ý cho trang web và trợ lý", 2, {"new": 1, "resolved": 1}
        ),
    ]
    return FeedbackFigures(
        received=20,
        answered=15,
        resolved=9,
        open_overdue=2,
        by_category=categories,
        by_status={"new": 2, "in_progress": 3, "answered": 6, "resolved": 9},
        by_channel={"zalo_oa": 9, "telegram": 5, "web": 4, "zalo_bot": 2},
        median_hours_to_first_answer=12.5,
        median_hours_to_resolution=36.5,
        on_time=14,
        due_in_period=15,  # 93,3%
    )


def _announcements() -> AnnouncementFigures:
    lich = AnnouncementRow(
        id=1,
        title="Lịch tiếp công dân tháng 10",
        queued_at=datetime(2026, 10, 5, 1, 0, tzinfo=UTC),  # 08:00 on 5 October in Vietnam
        recipients=100,
        sent=95,
        failed=2,
        blocked=2,
        undeliverable=1,
        replies=4,
    )
    lua_dao = AnnouncementRow(
        id=2,
        title="Cảnh báo lừa đảo qua điện thoại",
        # 17:30 UTC on 20 October is already 21 October in Vietnam
        queued_at=datetime(2026, 10, 20, 17, 30, tzinfo=UTC),
        recipients=110,
        sent=100,
        failed=3,
        blocked=1,
        undeliverable=2,
        replies=6,
        awaiting=4,  # web visitors who have not opened the page since
    )
    return AnnouncementFigures([lich, lua_dao])


def sample_report() -> Report:
    """A full month: every list has rows, every optional figure is set."""
    return Report(
        ward_name=WARD,
        period=OCTOBER,
        generated_at=GENERATED,
        usage=_usage(),
        top_entries=[
            EntryCount("khai-sinh", "Đăng ký khai sinh", "procedure", 85),
            EntryCount("vneid-muc-2", "Kích hoạt tài khoản định danh điện tử mức 2", "howto", 60),
            EntryCount("ket-hon", "Đăng ký kết hôn", "procedure", 40),
            EntryCount("duong-day-nong", "Đường dây nóng UBND phường", "hotline", 20),
            EntryCount("chuyen-doi-so", "Chuyển đổi số", "topic", 15),
        ],
        gaps=[
            GapGroup(
                "Làm căn cước cho trẻ em ở đâu?",
                12,
                ["căn cước cho con dưới 6 tuổi", "cccd trẻ em làm ở đâu"],
                "Cấp thẻ căn cước",
            ),
            GapGroup("Lịch tiêm chủng tháng này?", 8, ["tiêm phòng cho bé ngày nào"], None),
            GapGroup("Đăng ký xe máy điện ở đâu", 5, [], "Đường dây nóng Công an phường"),
        ],
        feedback=_feedback(),
        satisfaction=Satisfaction(
            count=20,
            average=4.3,  # (2 + 2x3 + 7x4 + 10x5) / 20
            distribution={1: 0, 2: 1, 3: 2, 4: 7, 5: 10},
            by_subject={"answer": (15, 4.4), "feedback": (5, 4.0)},
        ),
        announcements=_announcements(),
        subscribers=Subscribers(
            at_start=100,
            gained=15,
            lost=5,
            # one more each day for ten days, then steady at 110
            by_day={d: 100 + min(i + 1, 10) for i, d in enumerate(OCTOBER.days)},
            by_topic={
                "chuyen-doi-so": 80,
                "cai-cach-hanh-chinh": 70,
                "lich-phat-thanh": 40,
                "canh-bao-lua-dao": 90,
                "tin-khan": 110,
            },
        ),
        channel_labels=dict(CHANNEL_LABELS),
        status_labels=dict(STATUS_LABELS),
        topic_labels=dict(TOPIC_LABELS),
    )


def empty_report() -> Report:
    """The same month with nothing in it: zeros, None and no rows."""
    return Report(
        ward_name=WARD,
        period=OCTOBER,
        generated_at=GENERATED,
        usage=Usage(0, 0, 0, 0, 0, 0, 0, [], {}, [0] * 24, {}, 0),
        top_entries=[],
        gaps=[],
        feedback=FeedbackFigures(0, 0, 0, 0, [], {}, {}, None, None, 0, 0),
        satisfaction=Satisfaction(0, None, {score: 0 for score in range(1, 6)}, {}),
        announcements=AnnouncementFigures([]),
        subscribers=Subscribers(0, 0, 0, {}, {}),
        channel_labels=dict(CHANNEL_LABELS),
        status_labels=dict(STATUS_LABELS),
        topic_labels=dict(TOPIC_LABELS),
    )


def unfinished_report() -> Report:
    """The sample month as seen at 08:00 on 15 October 2026 (Vietnam): not over yet."""
    report = sample_report()
    report.generated_at = datetime(2026, 10, 15, 1, 0, tzinfo=UTC)
    return report
