"""The report from the database to the files: a month of known activity (tests/report_data.py)
goes through the SQL figures into the workbook, the Word report and the charts, and every
figure is read back from the files exactly; then the command line writes the same files."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import docx
import openpyxl
from PIL import Image

from bot.report import build, figures, period
from content.loader import Catalogue
from db.session import create_engine, session_factory, upgrade
from handlers.deps import Deps
from tests.report_data import EXPECTED, fill

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 26, tzinfo=UTC)


def by_label(sheet, column: int = 1) -> dict:
    """Column-A labels (or `column`) to the value on their right."""
    return {
        row[column - 1].value: row[column].value
        for row in sheet.iter_rows()
        if isinstance(row[column - 1].value, str) and len(row) > column
    }


async def test_every_figure_reaches_the_workbook_and_the_word_report(
    deps: Deps, catalogue: Catalogue, tmp_path: Path
) -> None:
    async with deps.sessions() as session, session.begin():
        await fill(session)
    async with deps.sessions() as session:
        report = await figures.compute(session, catalogue, period.month("2026-10"), now=NOW)
    files = build.write(report, tmp_path)

    book = openpyxl.load_workbook(files.workbook)
    assert book.sheetnames == [
        "Tổng hợp", "Theo chủ đề", "Câu hỏi chưa trả lời được", "Phản ánh kiến nghị",
        "Thông báo", "Mức độ hài lòng", "Theo kênh",
    ]  # fmt: skip
    summary = by_label(book["Tổng hợp"])
    expected_summary = {
        "Số cuộc trò chuyện": EXPECTED["conversations"],
        "Tin nhắn người dân gửi": EXPECTED["messages_in"],
        "Tin nhắn trả lời": EXPECTED["messages_out"],
        "Số người dân sử dụng": EXPECTED["residents"],
        "Người dân mới": EXPECTED["new_residents"],
        "Người dân quay lại": EXPECTED["returning_residents"],
        "Tin nhắn ngoài giờ hành chính": EXPECTED["outside_office_hours"],
        "Câu hỏi chưa trả lời được": EXPECTED["unanswered"],
        "Phản ánh, kiến nghị nhận được": EXPECTED["feedback_received"],
        "Phản ánh, kiến nghị đã trả lời": EXPECTED["feedback_answered"],
        "Phản ánh, kiến nghị đã giải quyết": EXPECTED["feedback_resolved"],
        "Phản ánh, kiến nghị quá hạn": EXPECTED["feedback_overdue"],
        "Thời gian trả lời trung vị (giờ)": EXPECTED["median_first_answer"],
        "Thời gian giải quyết trung vị (giờ)": EXPECTED["median_resolution"],
        "Tỷ lệ trả lời đúng hạn": 0.5,
        "Mức hài lòng trung bình (1-5)": EXPECTED["rating_average"],
        "Số lượt đánh giá": EXPECTED["ratings"],
        "Thông báo đã gửi": 1,
        "Lượt gửi thành công": EXPECTED["announcement"]["sent"],
        "Lượt chờ người dân mở trang web": EXPECTED["announcement"]["awaiting"],
        "Lượt gửi lỗi": EXPECTED["announcement"]["failed"],
        "Lượt gửi bị chặn": EXPECTED["announcement"]["blocked"],
        "Người đăng ký nhận thông báo đầu kỳ": EXPECTED["subscribers_start"],
        "Người đăng ký tăng": EXPECTED["subscribers_gained"],
        "Người đăng ký giảm": EXPECTED["subscribers_lost"],
        "Người đăng ký nhận thông báo cuối kỳ": EXPECTED["subscribers_end"],
    }
    for label, value in expected_summary.items():
        assert summary[label] == value, label

    topics = [(row[1].value, row[3].value) for row in book["Theo chủ đề"].iter_rows(min_row=4)]
    assert topics[:2] == [("Đăng ký khai sinh", 3), (catalogue.get("dang-ky-thuong-tru").title, 2)]
    gaps = [
        (row[1].value, row[2].value)
        for row in book["Câu hỏi chưa trả lời được"].iter_rows(min_row=4)
    ]
    assert [(count, text) for text, count in gaps] == EXPECTED["gaps"]
    assert "0905123456" not in str(
        [c.value for r in book.worksheets for row in r.iter_rows() for c in row]
    )

    ratings = book["Mức độ hài lòng"]
    assert [ratings.cell(row, 2).value for row in range(4, 9)] == [
        EXPECTED["rating_distribution"][score] for score in range(1, 6)
    ]
    channels = {
        row[0].value: (row[1].value, row[2].value, row[3].value)
        for row in book["Theo kênh"].iter_rows(min_row=4, max_row=7)
    }
    assert channels == {report.channel_labels[c]: v for c, v in EXPECTED["by_channel"].items()}
    notices = book["Thông báo"]
    counts = ("recipients", "sent", "awaiting", "failed", "blocked", "replies")
    assert [notices.cell(4, col).value for col in (4, 5, 6, 7, 8, 10)] == [
        EXPECTED["announcement"][k] for k in counts
    ]

    feedback_sheet = book["Phản ánh kiến nghị"]
    header = [c.value for c in feedback_sheet[3]]
    totals = {
        row[1].value: row[header.index("Tổng số")].value
        for row in feedback_sheet.iter_rows(min_row=4)
        if row[1].value and row[header.index("Tổng số")].value is not None
    }
    titles = {c.code: c.title for c in catalogue.ward.feedback.categories}
    for code, count in EXPECTED["feedback_by_category"].items():
        assert totals[titles[code]] == count, code
    assert totals["Tổng cộng"] == EXPECTED["feedback_received"]
    subscribers = by_label(notices)
    assert [subscribers[k] for k in ("Đầu kỳ", "Tăng", "Giảm", "Cuối kỳ")] == [
        EXPECTED[k]
        for k in (
            "subscribers_start", "subscribers_gained", "subscribers_lost", "subscribers_end",
        )
    ]  # fmt: skip
    hours = {}
    in_hours = False
    for row in book["Theo kênh"].iter_rows():
        if row[0].value == "Giờ":
            in_hours = True
        elif in_hours and isinstance(row[0].value, int) and row[1].value:
            hours[row[0].value] = row[1].value
    assert hours == EXPECTED["by_hour"]

    document = docx.Document(str(files.document))
    body = "\n".join(p.text for p in document.paragraphs)
    tables = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert (
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in tables and "Độc lập - Tự do - Hạnh phúc" in tables
    )
    assert "PHƯỜNG ĐĂK BLA" in tables and "tháng 10/2026" in body
    for heading in ("I.", "II.", "III.", "IV.", "V.", "VI."):
        assert heading in body
    assert "50,0%" in body + tables  # the on-time rate, the Vietnamese way
    assert "gửi thành công 3 lượt, chờ người dân mở trang web 1 lượt" in body
    assert len(document.inline_shapes) >= 6
    assert "0905123456" not in body + tables

    assert set(files.charts) == {
        "daily_volume", "top_topics", "feedback_categories", "on_time", "satisfaction",
        "subscribers",
    }  # fmt: skip
    for path in files.charts.values():
        with Image.open(path) as picture:
            lo, hi = picture.convert("L").getextrema()
            assert picture.size[0] > 400 and hi - lo > 50  # drawn on, not one flat colour


def test_the_command_line_writes_the_report(tmp_path: Path) -> None:
    import asyncio

    async def seed() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/r.sqlite3")
        await upgrade(engine)
        async with session_factory(engine)() as session, session.begin():
            await fill(session)
        await engine.dispose()

    asyncio.run(seed())
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/r.sqlite3"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--month", "2026-10",
         "--out", str(tmp_path / "out")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Báo cáo tháng 10/2026" in result.stdout
    book = openpyxl.load_workbook(tmp_path / "out" / "bao-cao-2026-10-01_2026-10-31.xlsx")
    assert by_label(book["Tổng hợp"])["Tin nhắn người dân gửi"] == EXPECTED["messages_in"]
    assert (tmp_path / "out" / "bao-cao-2026-10-01_2026-10-31.docx").stat().st_size > 10_000
    bad = subprocess.run(
        [sys.executable, "-m", "bot", "report", "--month", "2026-13"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert bad.returncode != 0 and "2026-10" in bad.stderr
