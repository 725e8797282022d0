"""The report's charts: every picture is written, is a real PNG with something drawn on it,
and an empty report still gives every picture (a "Chưa có số liệu" placeholder).

`tests/report_sample.py` gives the shared full and empty months; `full_report` here adds what
that sample has not: long titles, more than ten entries, quarters and single days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from bot.report import charts
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
from bot.report.period import month
from handlers.domain.vocabulary import STATUS_LABELS, TOPICS, rating_label
from tests import report_sample

CHANNELS = {"telegram": "Telegram", "zalo_oa": "Zalo OA", "web": "Trang web"}
KEYS = {"daily_volume", "top_topics", "feedback_categories", "on_time", "satisfaction"}
KEYS |= {"subscribers"}


def full_report(period: Period | None = None) -> Report:
    """A month with figures in every section (long Vietnamese titles included)."""
    period = period or month("2026-10")
    days = period.days
    by_day = {
        day: {"telegram": 5 + i % 7, "zalo_oa": 3 + i % 4, "web": i % 3}
        for i, day in enumerate(days)
        if i % 9 != 4  # a few quiet days
    }
    messages = sum(sum(v.values()) for v in by_day.values())
    titles = [
        "Đăng ký thường trú cho công dân chuyển đến từ tỉnh khác",
        "Cấp bản sao trích lục khai sinh",
        "Hướng dẫn kích hoạt tài khoản định danh điện tử VNeID mức 2",
        "Chứng thực bản sao từ bản chính",
        "Đăng ký kết hôn",
        "Xác nhận tình trạng hôn nhân",
        "Đường dây nóng công an phường",
        "Đăng ký khai tử",
        "Cài đặt ứng dụng VNeID trên điện thoại",
        "Đăng ký tạm trú",
        "Đổi giấy phép lái xe",
    ]
    return Report(
        ward_name="Phường Đăk Bla",
        period=period,
        generated_at=datetime(2026, 11, 1, 2, 0, tzinfo=UTC),
        usage=Usage(
            conversations=180,
            messages_in=messages,
            messages_out=messages + 40,
            residents=120,
            new_residents=70,
            returning_residents=50,
            outside_office_hours=95,
            by_channel=[
                ChannelUse("telegram", "Telegram", 90, 150, 60),
                ChannelUse("zalo_oa", "Zalo OA", 60, 90, 40),
                ChannelUse("web", "Trang web", 30, 30, 20),
            ],
            by_day=by_day,
            by_hour=[i % 5 for i in range(24)],
            by_intent={"procedure": 120, "howto": 60, "fallback": 20},
            unanswered=20,
        ),
        top_entries=[
            EntryCount(f"entry-{i}", title, "procedure" if i % 2 else "howto", 40 - 3 * i)
            for i, title in enumerate(titles)
        ],
        gaps=[GapGroup("đóng tiền rác ở đâu", 6, ["nộp phí rác chỗ nào"], "Phí vệ sinh")],
        feedback=FeedbackFigures(
            received=23,
            answered=15,
            resolved=9,
            open_overdue=2,
            by_category=[
                CategoryCount(
                    "ha-tang",
                    "Hạ tầng, giao thông, chiếu sáng",
                    10,
                    {"new": 2, "in_progress": 3, "answered": 2, "resolved": 3},
                ),
                CategoryCount(
                    "moi-truong",
                    "Môi trường, rác thải",
                    8,
                    {"new": 1, "answered": 3, "resolved": 4},
                ),
                CategoryCount("an-ninh", "An ninh trật tự", 5, {"in_progress": 2, "resolved": 3}),
            ],
            by_status={"new": 3, "in_progress": 5, "answered": 5, "resolved": 10},
            by_channel={"telegram": 12, "zalo_oa": 8, "staff": 3},
            median_hours_to_first_answer=20.5,
            median_hours_to_resolution=70.25,
            on_time=13,
            due_in_period=15,
        ),
        satisfaction=Satisfaction(
            count=40,
            average=4.1,
            distribution={1: 2, 2: 3, 3: 4, 4: 11, 5: 20},
            by_subject={"answer": (30, 4.2), "feedback": (10, 3.8)},
        ),
        announcements=AnnouncementFigures(
            [
                AnnouncementRow(
                    1,
                    "Lịch tiêm chủng mở rộng tháng 10",
                    datetime(2026, 10, 5, 1, 0, tzinfo=UTC),
                    200,
                    190,
                    4,
                    3,
                    3,
                    5,
                )
            ]
        ),
        subscribers=Subscribers(
            at_start=100,
            gained=40,
            lost=6,
            by_day={day: 100 + 34 * (i + 1) // len(days) for i, day in enumerate(days)},
            by_topic={"chuyen-doi-so": 80, "canh-bao-lua-dao": 60},
        ),
        channel_labels=CHANNELS,
        status_labels=STATUS_LABELS,
        topic_labels=TOPICS,
    )


def empty_report(period: Period | None = None) -> Report:
    """A period when nothing happened at all."""
    period = period or month("2026-10")
    return Report(
        ward_name="Phường Đăk Bla",
        period=period,
        generated_at=datetime(2026, 11, 1, 2, 0, tzinfo=UTC),
        usage=Usage(0, 0, 0, 0, 0, 0, 0, [], {}, [0] * 24, {}, 0),
        top_entries=[],
        gaps=[],
        feedback=FeedbackFigures(0, 0, 0, 0, [], {}, {}, None, None, 0, 0),
        satisfaction=Satisfaction(0, None, dict.fromkeys(range(1, 6), 0), {}),
        announcements=AnnouncementFigures([]),
        subscribers=Subscribers(0, 0, 0, dict.fromkeys(period.days, 0), {}),
        channel_labels=CHANNELS,
        status_labels=STATUS_LABELS,
        topic_labels=TOPICS,
    )


def assert_real_picture(path: Path) -> None:
    with Image.open(path) as image:
        assert image.format == "PNG"
        width, height = image.size
        assert width > 400 and height > 300, image.size
        low, high = zip(*ImageStat.Stat(image.convert("L")).extrema, strict=True)
        assert max(high) - min(low) > 50, "a single flat colour"


def test_every_chart_is_written_from_a_full_report(tmp_path: Path) -> None:
    written = charts.render_all(report_sample.sample_report(), tmp_path / "charts")
    assert set(written) == KEYS
    for name, path in written.items():
        assert path == tmp_path / "charts" / f"{name}.png"
        assert_real_picture(path)
        with Image.open(path) as image:
            assert image.size == (1600, 900)


def test_an_empty_report_still_gives_every_chart(tmp_path: Path) -> None:
    written = charts.render_all(report_sample.empty_report(), tmp_path)
    assert set(written) == KEYS
    for path in written.values():
        assert_real_picture(path)


@pytest.mark.parametrize("period", [month("2026-10"), month("2026-02")])
def test_a_month_of_zeros_gives_placeholders(tmp_path: Path, period: Period) -> None:
    """Zeros on every day (not just no rows) still count as no figures."""
    written = charts.render_all(empty_report(period), tmp_path)
    assert set(written) == KEYS
    for path in written.values():
        assert_real_picture(path)
    # The placeholder is a picture of its own, not the chart with no bars.
    empty = charts.png("daily_volume", empty_report(period))
    assert empty != charts.png("daily_volume", full_report(period))


def test_a_quarter_and_a_single_day_render(tmp_path: Path) -> None:
    quarter = Period(date(2026, 10, 1), date(2026, 12, 31), "quý IV/2026")
    one_day = Period(date(2026, 10, 7), date(2026, 10, 7), "từ 07/10/2026 đến 07/10/2026")
    for index, period in enumerate((quarter, one_day)):
        written = charts.render_all(full_report(period), tmp_path / str(index))
        assert set(written) == KEYS
        for path in written.values():
            assert_real_picture(path)


def test_sparse_and_partial_figures_render(tmp_path: Path) -> None:
    """Odd but possible data: a channel only seen on one day, a status outside the labels, a
    count without an average, no feedback due but some filed."""
    report = empty_report()
    report.usage.by_day = {report.period.start + timedelta(days=3): {"zalo_bot": 4}}
    report.feedback.by_category = [CategoryCount("khac", "Khác", 2, {"archived": 2})]
    report.satisfaction = Satisfaction(1, None, {1: 0, 2: 0, 3: 1, 4: 0, 5: 0}, {})
    report.top_entries = [EntryCount("x", "Một mục rất dài " * 10, "topic", 1)]
    written = charts.render_all(report, tmp_path)
    assert set(written) == KEYS
    for path in written.values():
        assert_real_picture(path)


def test_png_in_memory_and_unknown_names() -> None:
    data = charts.png("on_time", full_report())
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(KeyError):
        charts.png("nope", full_report())


def test_a_failing_chart_is_left_out(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(report: Report) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(charts.CHARTS, "on_time", broken)
    written = charts.render_all(full_report(), tmp_path)
    assert set(written) == KEYS - {"on_time"}
    assert not (tmp_path / "on_time.png").exists()


def test_charts_of_a_period_not_over_stop_today() -> None:
    """Seen on 15 October, October's charts end on the 15th: no empty days after it, no flat
    line of subscribers into the future."""
    report = full_report()
    report.generated_at = datetime(2026, 10, 15, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam
    daily = charts.daily_volume(report).axes[0]
    centres = {round(bar.get_x() + bar.get_width() / 2) for bar in daily.patches}
    assert max(centres) == 14  # the 15th day, counted from 0
    assert daily.get_xticklabels()[0].get_text() == "01/10"
    line = charts.subscribers(report).axes[0].lines[0]
    assert list(line.get_xdata())[-1] == date(2026, 10, 15)
    finished = charts.daily_volume(full_report()).axes[0]  # seen on 1 November: every day
    assert max(round(b.get_x() + b.get_width() / 2) for b in finished.patches) == 30


def test_the_satisfaction_chart_names_scores_as_the_chat_does() -> None:
    axes = charts.satisfaction(full_report()).axes[0]
    labels = [tick.get_text().replace("\n", " ") for tick in axes.get_xticklabels()]
    assert labels == [rating_label(score) for score in range(1, 6)]
