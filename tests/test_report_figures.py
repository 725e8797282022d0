"""Every figure of the monthly report against a month of known activity, on SQLite and
PostgreSQL (see tests/report_data.py for the month and why each number is what it is)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.report import figures, period
from bot.report.gaps import mask
from content.loader import Catalogue
from handlers.deps import Deps
from tests.report_data import EXPECTED, fill

NOW = datetime(2026, 11, 26, tzinfo=UTC)


@pytest.fixture
async def report(deps: Deps, catalogue: Catalogue):
    async with deps.sessions() as session, session.begin():
        await fill(session)
    async with deps.sessions() as session:
        return await figures.compute(session, catalogue, period.month("2026-10"), now=NOW)


async def test_usage_counts_every_channel_in_local_time(report) -> None:
    usage = report.usage
    for name in (
        "conversations", "messages_in", "messages_out", "residents", "new_residents",
        "returning_residents", "outside_office_hours", "unanswered",
    ):  # fmt: skip
        assert getattr(usage, name) == EXPECTED[name], name
    assert {
        c.channel: (c.conversations, c.messages_in, c.residents) for c in usage.by_channel
    } == EXPECTED["by_channel"]
    assert usage.by_day == EXPECTED["by_day"]
    assert {h: n for h, n in enumerate(usage.by_hour) if n} == EXPECTED["by_hour"]
    assert usage.by_intent["procedure"] == 5 and usage.by_intent["fallback"] == 2


async def test_top_entries_and_content_gaps(report) -> None:
    assert [(e.content_id, e.count) for e in report.top_entries[:2]] == EXPECTED["top_entries"]
    assert report.top_entries[0].title == "Đăng ký khai sinh"
    assert {e.content_id for e in report.top_entries[2:]} == {"vneid-kich-hoat", "khan-cap"}
    assert [(g.count, g.example) for g in report.gaps] == EXPECTED["gaps"]
    assert report.gaps[0].variants == ["Cấp lại sổ đỏ bị mất ở đâu"]


async def test_feedback_figures(report) -> None:
    feedback = report.feedback
    assert feedback.received == EXPECTED["feedback_received"]
    assert feedback.answered == EXPECTED["feedback_answered"]
    assert feedback.resolved == EXPECTED["feedback_resolved"]
    assert feedback.open_overdue == EXPECTED["feedback_overdue"]
    assert {c.code: c.count for c in feedback.by_category} == EXPECTED["feedback_by_category"]
    assert feedback.by_status == EXPECTED["feedback_by_status"]
    assert feedback.median_hours_to_first_answer == pytest.approx(EXPECTED["median_first_answer"])
    assert feedback.median_hours_to_resolution == pytest.approx(EXPECTED["median_resolution"])
    assert (feedback.on_time, feedback.due_in_period) == (
        EXPECTED["on_time"],
        EXPECTED["due_in_period"],
    )
    assert feedback.on_time_rate == 0.5


async def test_satisfaction_announcements_and_subscribers(report) -> None:
    assert report.satisfaction.count == EXPECTED["ratings"]
    assert report.satisfaction.average == EXPECTED["rating_average"]
    assert report.satisfaction.distribution == EXPECTED["rating_distribution"]
    assert report.satisfaction.by_subject == {"answer": (3, 11 / 3), "feedback": (1, 5.0)}
    (row,) = report.announcements.rows
    assert row.title == "Lớp học số tối thứ Bảy"
    assert {k: getattr(row, k) for k in EXPECTED["announcement"]} == EXPECTED["announcement"]
    subscribers = report.subscribers
    assert (subscribers.at_start, subscribers.gained, subscribers.lost, subscribers.at_end) == (
        EXPECTED["subscribers_start"],
        EXPECTED["subscribers_gained"],
        EXPECTED["subscribers_lost"],
        EXPECTED["subscribers_end"],
    )
    for day, count in EXPECTED["subscribers_by_day"].items():
        assert subscribers.by_day[day] == count, day
    assert len(subscribers.by_day) == 31
    for topic, count in EXPECTED["subscribers_by_topic"].items():
        assert subscribers.by_topic[topic] == count, topic


async def test_an_empty_period_has_zeros_not_errors(deps: Deps, catalogue: Catalogue) -> None:
    async with deps.sessions() as session:
        empty = await figures.compute(session, catalogue, period.month("2026-02"), now=NOW)
    assert empty.usage.messages_in == 0 and empty.usage.by_channel == []
    assert empty.feedback.median_hours_to_first_answer is None
    assert empty.feedback.on_time_rate is None and empty.satisfaction.average is None
    assert empty.announcements.rows == [] and empty.subscribers.at_end == 0


def test_personal_data_is_masked() -> None:
    text = "Tôi tên Lan, sđt 0905 123 456, CCCD 048095001234, email lan.nguyen@gmail.com"
    assert mask(text) == "Tôi tên Lan, sđt [số], CCCD [số], email [email]"
    assert mask("Lệ phí 8.000 đồng, năm 2026") == "Lệ phí 8.000 đồng, năm 2026"


def test_periods() -> None:
    october = period.month("2026-10")
    assert (october.start.day, october.end.day, october.label) == (1, 31, "tháng 10/2026")
    assert october.bounds()[0] == datetime(2026, 9, 30, 17, tzinfo=UTC)
    assert period.quarter("2026-Q4").label == "quý IV/2026"
    assert period.month("2026-12").end.isoformat() == "2026-12-31"
    with pytest.raises(period.PeriodError):
        period.month("2026-13")
    with pytest.raises(period.PeriodError):
        period.between("2026-10-10", "2026-10-01")


async def test_lessons_and_the_contest_are_counted(report) -> None:
    learning = report.learning
    assert (learning.started, learning.completed) == (
        EXPECTED["courses_started"],
        EXPECTED["courses_completed"],
    )
    assert (learning.contest_entries, learning.contest_passed) == (
        EXPECTED["contest_entries"],
        EXPECTED["contest_passed"],
    )
    by_course = {c.course_id: (c.started, c.completed) for c in learning.by_course}
    assert by_course == {"nhan-dien-lua-dao": (1, 1), "thanh-toan-qr": (0, 1)}
