"""The report workbook and Word document: written from the sample figures, read back with
openpyxl and python-docx, checked cell by cell and sentence by sentence."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Mm
from matplotlib.figure import Figure
from openpyxl import load_workbook
from openpyxl.cell import Cell
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from bot.report import document, text, workbook
from bot.report.gaps import group_gaps
from bot.report.model import Report, Signing
from handlers.domain.vocabulary import rating_label
from handlers.features.satisfaction import rating_buttons
from tests.report_sample import empty_report, sample_report, unfinished_report

CHART_KEYS = (
    "daily_volume",
    "top_topics",
    "feedback_categories",
    "on_time",
    "satisfaction",
    "subscribers",
)
SHEET_NAMES = [
    "Tổng hợp",
    "Theo chủ đề",
    "Câu hỏi chưa trả lời được",
    "Phản ánh kiến nghị",
    "Thông báo",
    "Mức độ hài lòng",
    "Theo kênh",
]
# Sheet -> charts embedded in it
SHEET_PICTURES = {
    "Tổng hợp": 1,
    "Theo chủ đề": 1,
    "Câu hỏi chưa trả lời được": 0,
    "Phản ánh kiến nghị": 2,
    "Thông báo": 1,
    "Mức độ hài lòng": 1,
    "Theo kênh": 0,
}


def _png(path: Path) -> Path:
    """A real one-bar chart, drawn without pyplot (Agg canvas)."""
    figure = Figure(figsize=(4, 2.5), dpi=40)
    figure.subplots().bar([0], [1])
    figure.savefig(path, format="png")
    return path


@pytest.fixture(scope="module")
def pictures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bieu-do")
    return {key: _png(folder / f"{key}.png") for key in CHART_KEYS}


@pytest.fixture(scope="module")
def report() -> Report:
    return sample_report()


@pytest.fixture(scope="module")
def book(
    report: Report, pictures: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> Workbook:
    path = workbook.write(report, pictures, tmp_path_factory.mktemp("xlsx") / "bao-cao.xlsx")
    return load_workbook(path)


@pytest.fixture(scope="module")
def doc(
    report: Report, pictures: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> DocumentType:
    path = document.write(report, pictures, tmp_path_factory.mktemp("docx") / "bao-cao.docx")
    return Document(str(path))


def _row_of(ws: Worksheet, label: str, start: int = 1) -> int:
    """The first row from `start` whose column A (or B, for total rows) reads `label`."""
    for row in range(start, ws.max_row + 1):
        if label in (ws.cell(row, 1).value, ws.cell(row, 2).value):
            return row
    raise AssertionError(f"{label!r} not in {ws.title}")


def _value(ws: Worksheet, label: str, start: int = 1) -> Cell:
    return ws.cell(_row_of(ws, label, start), 2)


def _row_values(ws: Worksheet, row: int, first: int = 1, last: int | None = None) -> list:
    last = last or ws.max_column
    return [ws.cell(row, col).value for col in range(first, last + 1)]


def _all_text(doc: DocumentType) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


# --- the sample and the helpers ---------------------------------------------------------------


def test_sample_report_adds_up(report: Report) -> None:
    usage, feedback = report.usage, report.feedback
    assert sum(u.messages_in for u in usage.by_channel) == usage.messages_in == 700
    assert sum(u.conversations for u in usage.by_channel) == usage.conversations
    assert sum(sum(day.values()) for day in usage.by_day.values()) == usage.messages_in
    assert sorted(usage.by_day) == report.period.days
    assert sum(usage.by_hour) == usage.messages_in and len(usage.by_hour) == 24
    assert usage.new_residents + usage.returning_residents == usage.residents
    assert sum(g.count for g in report.gaps) == usage.unanswered
    assert sum(c.count for c in feedback.by_category) == feedback.received
    for status, n in feedback.by_status.items():
        assert sum(c.by_status.get(status, 0) for c in feedback.by_category) == n
    assert sum(feedback.by_channel.values()) == feedback.received
    rating = report.satisfaction
    assert sum(rating.distribution.values()) == rating.count
    total = sum(score * n for score, n in rating.distribution.items())
    assert total / rating.count == pytest.approx(rating.average)
    assert sum(n * avg for n, avg in rating.by_subject.values()) == pytest.approx(total)
    assert report.subscribers.by_day[report.period.end] == report.subscribers.at_end == 110


def test_vietnamese_formats() -> None:
    assert text.number(1234567) == "1.234.567"
    assert text.number(None) == "chưa có số liệu"
    assert text.percent(20 / 21) == "95,2%"
    assert text.hours(12.5) == "12,5 giờ"
    assert text.decimal(1234.56) == "1.234,6"
    assert text.day(date(2026, 10, 5)) == "05/10/2026"
    assert text.dated(date(2026, 2, 3)) == "ngày 03 tháng 02 năm 2026"
    assert text.dated(date(2026, 11, 13)) == "ngày 13 tháng 11 năm 2026"
    assert text.place_name("Phường Đăk Bla") == "Đăk Bla"
    # naive datetimes are UTC, as stored: 17:30 UTC is already the next day in Vietnam
    assert text.local_date(datetime(2026, 10, 20, 17, 30)) == date(2026, 10, 21)


# --- workbook ---------------------------------------------------------------------------------


def test_workbook_sheets_in_order(book: Workbook) -> None:
    assert book.sheetnames == SHEET_NAMES


def test_workbook_summary_holds_every_key_figure(book: Workbook, report: Report) -> None:
    ws = book["Tổng hợp"]
    assert ws["A1"].font.bold
    assert _value(ws, "Đơn vị").value == "Phường Đăk Bla"
    assert _value(ws, "Kỳ báo cáo").value == "tháng 10/2026"
    assert _value(ws, "Từ ngày").value == datetime(2026, 10, 1)
    assert _value(ws, "Từ ngày").number_format == "dd/mm/yyyy"
    assert _value(ws, "Thời điểm lập").value == datetime(2026, 11, 3, 8, 30)  # Vietnam time
    assert [ws.cell(8, 1).value, ws.cell(8, 2).value] == ["Chỉ số", "Giá trị"]
    assert ws.cell(8, 1).font.bold
    expected = {
        "Số cuộc trò chuyện": 150,
        "Tin nhắn người dân gửi": 700,
        "Tin nhắn trả lời": 720,
        "Số người dân sử dụng": 112,
        "Người dân mới": 70,
        "Người dân quay lại": 42,
        "Tin nhắn ngoài giờ hành chính": 210,
        "Câu hỏi chưa trả lời được": 25,
        "Phản ánh, kiến nghị nhận được": 20,
        "Phản ánh, kiến nghị đã trả lời": 15,
        "Phản ánh, kiến nghị đã giải quyết": 9,
        "Phản ánh, kiến nghị quá hạn": 2,
        "Số lượt đánh giá": 20,
        "Thông báo đã gửi": 2,
        "Lượt gửi thành công": 195,
        "Lượt chờ người dân mở trang web": 4,
        "Lượt gửi lỗi": 5,
        "Lượt gửi bị chặn": 3,
        "Người đăng ký nhận thông báo đầu kỳ": 100,
        "Người đăng ký tăng": 15,
        "Người đăng ký giảm": 5,
        "Người đăng ký nhận thông báo cuối kỳ": 110,
    }
    for label, number in expected.items():
        cell = _value(ws, label, start=9)
        assert cell.value == number and isinstance(cell.value, int), label
        assert cell.number_format == "#,##0", label
    hours = _value(ws, "Thời gian trả lời trung vị (giờ)")
    assert (hours.value, hours.number_format) == (12.5, "0.0")
    assert _value(ws, "Thời gian giải quyết trung vị (giờ)").value == 36.5
    rate = _value(ws, "Tỷ lệ trả lời đúng hạn")
    assert rate.value == pytest.approx(14 / 15) and rate.number_format == "0.0%"
    assert _value(ws, "Mức hài lòng trung bình (1-5)").value == pytest.approx(4.3)
    assert ws.max_row == 8 + len(workbook.summary_rows(report))


def test_workbook_topics_and_gaps(book: Workbook) -> None:
    ws = book["Theo chủ đề"]
    assert _row_values(ws, 3, 1, 4) == ["STT", "Nội dung", "Loại", "Số lượt hỏi"]
    assert _row_values(ws, 4, 1, 4) == [1, "Đăng ký khai sinh", "Thủ tục", 85]
    assert _row_values(ws, 5, 1, 4)[2:] == ["Hướng dẫn", 60]
    assert _row_values(ws, 7, 1, 4)[2:] == ["Đường dây nóng", 20]
    assert _row_values(ws, 8, 1, 4)[2:] == ["Chủ đề", 15]

    ws = book["Câu hỏi chưa trả lời được"]
    headers = ["STT", "Câu hỏi tiêu biểu", "Số lần", "Cách hỏi khác", "Gần nhất với"]
    assert _row_values(ws, 3, 1, 5) == headers
    assert _row_values(ws, 4, 1, 5) == [
        1,
        "Làm căn cước cho trẻ em ở đâu?",
        12,
        "căn cước cho con dưới 6 tuổi | cccd trẻ em làm ở đâu",
        "Cấp thẻ căn cước",
    ]
    assert _row_values(ws, 5, 1, 5)[2:] == [8, "tiêm phòng cho bé ngày nào", None]
    assert ws.cell(4, 2).alignment.wrap_text and ws.cell(4, 4).alignment.wrap_text


def test_workbook_feedback_sheet(book: Workbook) -> None:
    ws = book["Phản ánh kiến nghị"]
    statuses = ["Mới tiếp nhận", "Đang xử lý", "Đã trả lời", "Đã giải quyết xong"]
    assert _row_values(ws, 3, 1, 7) == ["STT", "Lĩnh vực", *statuses, "Tổng số"]
    assert _row_values(ws, 4, 1, 7) == [1, "Thủ tục hành chính", 1, 2, 3, 2, 8]
    assert _row_values(ws, 6, 1, 7) == [3, "Môi trường – vệ sinh", 0, 0, 1, 3, 4]
    total = _row_of(ws, "Tổng cộng")
    assert total == 8
    assert _row_values(ws, total, 2, 7) == ["Tổng cộng", 2, 3, 6, 9, 20]
    assert ws.cell(total, 7).font.bold

    channel_header = _row_of(ws, "Kênh")
    assert ws.cell(channel_header, 1).font.bold
    assert _row_values(ws, channel_header + 1, 1, 2) == ["Zalo OA", 9]
    assert _row_values(ws, channel_header + 4, 1, 2) == ["Zalo Bot", 2]
    assert _row_values(ws, channel_header + 5, 1, 2) == ["Tổng cộng", 20]

    start = _row_of(ws, "Chỉ số")
    assert _value(ws, "Phản ánh, kiến nghị nhận được", start).value == 20
    assert _value(ws, "Quá hạn chưa xử lý (cuối kỳ)", start).value == 2
    assert _value(ws, "Thời gian trả lời trung vị (giờ)", start).value == 12.5
    assert _value(ws, "Thời gian giải quyết trung vị (giờ)", start).value == 36.5
    rate = _value(ws, "Tỷ lệ trả lời đúng hạn", start)
    assert rate.value == pytest.approx(14 / 15) and rate.number_format == "0.0%"


def test_workbook_announcements_sheet(book: Workbook) -> None:
    ws = book["Thông báo"]
    assert _row_values(ws, 3, 1, 10) == [
        "Số",
        "Nội dung",
        "Ngày gửi",
        "Người nhận",
        "Đã gửi",
        "Chờ người dân mở trang web",
        "Lỗi",
        "Đã chặn",
        "Không gửi được",
        "Người dân hỏi lại",
    ]
    first = _row_values(ws, 4, 1, 10)
    assert first == [
        1, "Lịch tiếp công dân tháng 10", datetime(2026, 10, 5), 100, 95, 0, 2, 2, 1, 4,
    ]  # fmt: skip
    assert ws.cell(4, 3).number_format == "dd/mm/yyyy"
    assert ws.cell(5, 3).value == datetime(2026, 10, 21)  # 17:30 UTC on the 20th, local date
    # The web messages nobody fetched yet are not counted as sent.
    assert _row_values(ws, 5, 5, 6) == [100, 4]
    assert _row_values(ws, 6, 2, 10) == ["Tổng cộng", None, 210, 195, 4, 5, 3, 3, 10]

    start = _row_of(ws, "Người đăng ký nhận thông báo")
    assert [_value(ws, name, start).value for name in ("Đầu kỳ", "Tăng", "Giảm", "Cuối kỳ")] == [
        100,
        15,
        5,
        110,
    ]
    topics = _row_of(ws, "Chủ đề")
    assert _row_values(ws, topics + 1, 1, 2) == ["Chuyển đổi số", 80]
    assert _row_values(ws, topics + 5, 1, 2) == ["Tin khẩn", 110]


def test_workbook_satisfaction_sheet(book: Workbook) -> None:
    ws = book["Mức độ hài lòng"]
    assert _row_values(ws, 3, 1, 3) == ["Điểm", "Số lượt", "Tỷ lệ"]
    # The chat's rating buttons' words (handlers/features/satisfaction.py).
    assert [_row_values(ws, row, 1, 2) for row in range(4, 9)] == [
        ["1 - Rất không hài lòng", 0],
        ["2 - Không hài lòng", 1],
        ["3 - Bình thường", 2],
        ["4 - Hài lòng", 7],
        ["5 - Rất hài lòng", 10],
    ]
    assert ws.cell(8, 3).value == pytest.approx(0.5) and ws.cell(8, 3).number_format == "0.0%"
    assert _row_values(ws, 9, 1, 2) == ["Tổng cộng", 20]
    assert ws["A10"].value == "Điểm trung bình" and ws["B10"].value == pytest.approx(4.3)
    assert _row_values(ws, 12, 1, 3) == ["Nội dung đánh giá", "Số lượt", "Điểm trung bình"]
    assert _row_values(ws, 13, 1, 3) == ["Câu trả lời của trợ lý", 15, 4.4]
    assert _row_values(ws, 14, 1, 3) == ["Xử lý phản ánh", 5, 4.0]


def test_workbook_channel_sheet(book: Workbook, report: Report) -> None:
    ws = book["Theo kênh"]
    assert _row_values(ws, 3, 1, 4) == ["Kênh", "Cuộc trò chuyện", "Tin nhắn", "Người dân"]
    assert _row_values(ws, 4, 1, 4) == ["Telegram", 40, 200, 30]
    assert _row_values(ws, 6, 1, 4) == ["Zalo Bot", 20, 100, 15]
    assert _row_values(ws, 9, 1, 4) == ["Tổng cộng", 150, 700, 112]

    header = _row_of(ws, "Ngày")
    names = ["Telegram", "Zalo OA", "Zalo Bot", "Trang web phường", "Dòng lệnh"]
    assert _row_values(ws, header, 1, 7) == ["Ngày", *names, "Tổng"]
    first = _row_values(ws, header + 1, 1, 7)
    assert first[0] == datetime(2026, 10, 1)
    assert first[1:] == [*report.usage.by_day[date(2026, 10, 1)].values(), sum(first[1:6])]
    total = header + 1 + len(report.period.days)
    assert _row_values(ws, total, 1, 7) == ["Tổng cộng", 200, 300, 100, 90, 10, 700]

    hours = _row_of(ws, "Giờ")
    assert _row_values(ws, hours + 1, 1, 2) == [0, 5]
    assert _row_values(ws, hours + 24, 1, 2) == [23, 25]
    assert sum(ws.cell(hours + h, 2).value for h in range(1, 25)) == 700


def test_workbook_headers_are_frozen_and_sized(book: Workbook) -> None:
    assert book["Tổng hợp"].freeze_panes == "A9"
    for name in SHEET_NAMES[1:]:
        ws = book[name]
        assert ws.freeze_panes == "A4", name
        assert ws["A1"].font.bold and ws["A3"].font.bold, name
        assert ws.column_dimensions["B"].width >= 12, name


def test_workbook_embeds_the_charts_given(book: Workbook) -> None:
    for name, count in SHEET_PICTURES.items():
        assert len(book[name]._images) == count, name


def test_workbook_skips_charts_not_drawn(
    report: Report, pictures: dict[str, Path], tmp_path: Path
) -> None:
    some = {key: pictures[key] for key in ("on_time", "satisfaction")}
    some["subscribers"] = tmp_path / "never-drawn.png"
    book = load_workbook(workbook.write(report, some, tmp_path / "bao-cao.xlsx"))
    counts = {name: len(book[name]._images) for name in SHEET_NAMES}
    assert counts == {
        **dict.fromkeys(SHEET_NAMES, 0),
        "Phản ánh kiến nghị": 1,
        "Mức độ hài lòng": 1,
    }


# --- Word document ----------------------------------------------------------------------------


def test_document_page_is_a4_with_decree_margins(doc: DocumentType) -> None:
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin)
    assert [round(m.mm) for m in margins] == [20, 20, 30]
    assert round(section.right_margin.mm) == 15
    normal = doc.styles["Normal"].font
    assert normal.name == "Times New Roman" and 13 <= normal.size.pt <= 14


def test_document_masthead_and_title(doc: DocumentType) -> None:
    left, right = (cell.text for cell in doc.tables[0].rows[0].cells)
    assert left.splitlines()[:2] == ["ỦY BAN NHÂN DÂN", "PHƯỜNG ĐĂK BLA"]
    assert "Số:      /BC-UBND" in left
    lines = [line for line in right.splitlines() if line]  # the rule is an empty paragraph
    assert lines[:2] == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert lines[2] == "Đăk Bla, ngày 03 tháng 11 năm 2026"
    motto_runs = [p.runs[0] for p in doc.tables[0].rows[0].cells[1].paragraphs if p.runs]
    assert motto_runs[0].bold and motto_runs[1].bold and motto_runs[2].italic
    texts = [p.text for p in doc.paragraphs]
    title = texts.index("BÁO CÁO")
    assert texts[title + 1] == (
        "Kết quả tuyên truyền cải cách hành chính và chuyển đổi số tháng 10/2026"
    )
    assert doc.paragraphs[title].runs[0].bold


def test_document_sections_in_order(doc: DocumentType) -> None:
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(document.HEADINGS)
    assert [h.split(".")[0] for h in headings] == ["I", "II", "III", "IV", "V", "VI"]


def test_document_numbers_the_vietnamese_way(doc: DocumentType) -> None:
    body = _all_text(doc)
    assert "tiếp nhận 20 phản ánh, kiến nghị" in body
    assert "đã trả lời 15, đã giải quyết xong 9" in body
    assert "còn 2 phản ánh, kiến nghị quá hạn" in body
    assert "Tỷ lệ trả lời đúng hạn: 93,3% (14/15" in body
    assert "Thời gian trả lời trung vị: 12,5 giờ" in body
    assert "36,5 giờ" in body
    assert "700 tin nhắn" in body and "150 cuộc trò" in body
    assert "210 (30,0% tổng số tin nhắn)" in body
    assert "điểm hài lòng trung bình 4,3/5 điểm, 85,0%" in body
    assert "đầu kỳ 100, tăng 15, giảm 5, cuối kỳ 110 người" in body
    assert "21/10/2026" in body  # the second announcement's local date
    assert "1. “Làm căn cước cho trẻ em ở đâu?” – 12 lần" in body
    assert "chưa có số liệu" not in body


def test_document_tables_by_channel_and_category(doc: DocumentType) -> None:
    by_header = {tuple(c.text for c in t.rows[0].cells): t for t in doc.tables[1:-1]}
    channels = by_header[("Kênh", "Cuộc trò chuyện", "Tin nhắn", "Người dân")]
    assert [c.text for c in channels.rows[-1].cells] == ["Tổng cộng", "150", "700", "112"]
    categories = next(t for header, t in by_header.items() if header[1] == "Lĩnh vực")
    assert [c.text for c in categories.rows[-1].cells] == [
        "",
        "Tổng cộng",
        "2",
        "3",
        "6",
        "9",
        "20",
    ]


def test_document_embeds_the_charts_with_captions(doc: DocumentType) -> None:
    shapes = doc.inline_shapes
    assert len(shapes) == len(CHART_KEYS)
    assert all(abs(shape.width - Cm(15)) < Mm(1) for shape in shapes)
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert captions[0] == "Hình 1. Tin nhắn người dân gửi theo ngày và theo kênh"
    assert len(captions) == len(CHART_KEYS)


def test_document_signature_block(doc: DocumentType) -> None:
    left, right = doc.tables[-1].rows[0].cells
    assert left.text.splitlines() == ["Nơi nhận:", "- Như trên;", "- Lưu: VT."]
    assert 11 <= left.paragraphs[1].runs[0].font.size.pt <= 12
    assert right.text.splitlines()[:2] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]
    assert len(right.paragraphs) >= 5  # room to sign


def test_proposals_follow_the_figures(report: Report) -> None:
    found = document.proposals(report)
    assert "“Làm căn cước cho trẻ em ở đâu?” (12 lần)" in found[0]
    assert any("xử lý dứt điểm 2 phản ánh" in p for p in found)
    assert any("Zalo Bot (mới có 15 người dân" in p for p in found)  # fewest residents
    assert not any("Dòng lệnh" in p for p in found)  # staff channel, not promoted
    calm = sample_report()
    calm.gaps, calm.feedback.open_overdue = [], 0
    assert not any("dứt điểm" in p or "Bổ sung" in p for p in document.proposals(calm))


# --- an empty report --------------------------------------------------------------------------


def test_empty_report_still_writes_both_files(tmp_path: Path) -> None:
    report = empty_report()
    xlsx = workbook.write(report, {}, tmp_path / "rong.xlsx")
    docx = document.write(report, {}, tmp_path / "rong.docx")

    book = load_workbook(xlsx)
    assert book.sheetnames == SHEET_NAMES
    summary = book["Tổng hợp"]
    assert _value(summary, "Tin nhắn người dân gửi").value == 0
    for label in ("Thời gian trả lời trung vị (giờ)", "Tỷ lệ trả lời đúng hạn"):
        assert _value(summary, label).value == "chưa có số liệu"
    assert _value(summary, "Mức hài lòng trung bình (1-5)").value == "chưa có số liệu"
    for name in ("Theo chủ đề", "Câu hỏi chưa trả lời được", "Phản ánh kiến nghị", "Thông báo"):
        assert book[name]["A4"].value == "chưa có số liệu", name
    assert book["Mức độ hài lòng"]["B10"].value == "chưa có số liệu"
    assert all(not book[name]._images for name in SHEET_NAMES)

    doc = Document(str(docx))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(document.HEADINGS)
    body = _all_text(doc)
    assert "Tỷ lệ trả lời đúng hạn: chưa có số liệu." in body
    assert "Thời gian trả lời trung vị: chưa có số liệu" in body
    assert "Mức độ hài lòng của người dân trong tháng 10/2026: chưa có số liệu." in body
    assert "Nội dung người dân hỏi chưa có câu trả lời: chưa có số liệu." in body
    assert len(doc.inline_shapes) == 0
    assert "TM. ỦY BAN NHÂN DÂN" in doc.tables[-1].rows[0].cells[1].text


# --- daily use (issue 20): letterhead, rules, unfinished periods, printing, one vocabulary ------

KINH_GUI = ("Sở Nội vụ tỉnh Quảng Ngãi", "Sở Khoa học và Công nghệ tỉnh Quảng Ngãi")


def _docx(report: Report, tmp_path: Path, name: str = "bao-cao.docx") -> DocumentType:
    return Document(str(document.write(report, {}, tmp_path / name)))


def _border(paragraph) -> str | None:
    """The paragraph's bottom border style ("single"), or None."""
    properties = paragraph._p.pPr
    edges = None if properties is None else properties.find(qn("w:pBdr"))
    line = None if edges is None else edges.find(qn("w:bottom"))
    return None if line is None else line.get(qn("w:val"))


def _drawn(paragraph, room: int) -> float:
    """How long, in mm, a rule drawn as a paragraph's bottom border is within `room`."""
    layout = paragraph.paragraph_format
    return Emu(room - (layout.left_indent or 0) - (layout.right_indent or 0)).mm


def _after(paragraphs, words: str):
    texts = [p.text for p in paragraphs]
    return paragraphs[texts.index(words) + 1]


def test_document_rules_under_agency_motto_and_summary(doc: DocumentType) -> None:
    """Nghị định 30/2020: a solid rule under the agency's name (1/3 to 1/2 of that line), one
    under the motto (as long as the motto) and one under the summary (1/3 to 1/2 of it)."""
    table = doc.tables[0]
    left, right = table.rows[0].cells
    inner = [column.width - Mm(3.8) for column in table.columns]  # less the cell margins
    agency = _after(left.paragraphs, "PHƯỜNG ĐĂK BLA")
    assert agency.text == "" and _border(agency) == "single"
    assert 14 <= _drawn(agency, inner[0]) <= 21  # the ward's line is about 40 mm at 13 pt
    motto = _after(right.paragraphs, "Độc lập - Tự do - Hạnh phúc")
    assert motto.text == "" and _border(motto) == "single"
    assert 54 <= _drawn(motto, inner[1]) <= 60  # the motto at 14 pt bold: about 57 mm
    summary = _after(doc.paragraphs, document.summary(sample_report()))
    assert summary.text == "" and _border(summary) == "single"
    assert 50 <= _drawn(summary, document.TEXT_WIDTH) <= 80  # of a line about 150 mm long
    ruled = [p._p for p in doc.paragraphs if _border(p)]
    assert ruled == [summary._p]  # no stray lines in the body


def test_document_addressee_and_signer_not_set_read_chua_cap_nhat(doc: DocumentType) -> None:
    texts = [p.text for p in doc.paragraphs]
    title = texts.index("BÁO CÁO")
    kinh_gui = doc.paragraphs[title + 3]  # kind, summary, rule, then "Kính gửi"
    assert kinh_gui.text == "Kính gửi: chưa cập nhật"
    assert kinh_gui.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert texts[title + 4].startswith("Thực hiện Kế hoạch")
    right = doc.tables[-1].rows[0].cells[1]
    lines = right.text.splitlines()
    assert lines[:2] == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"]  # the defaults
    assert lines[-1] == "chưa cập nhật" and not right.paragraphs[-1].runs[0].bold


def test_document_one_addressee_and_the_chairman_signing(tmp_path: Path) -> None:
    report = sample_report()
    report.signing = Signing(KINH_GUI[:1], "TM.", "Chủ tịch", "Trần Văn Bình")
    doc = _docx(report, tmp_path)
    assert "Kính gửi: Sở Nội vụ tỉnh Quảng Ngãi" in [p.text for p in doc.paragraphs]
    left, right = doc.tables[-1].rows[0].cells
    lines = [line for line in right.text.splitlines() if line]
    assert lines == ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Trần Văn Bình"]
    assert right.paragraphs[-1].runs[0].bold  # the name, bold as the decree shows it
    assert left.text.splitlines()[1] == "- Như trên;"  # "as above": the addressee


def test_document_several_addressees_and_a_deputy_signing(tmp_path: Path) -> None:
    """Several addressees each on a line, "-" before, ";" after, "." after the last, lined up
    under the first; a deputy signs "TM. ỦY BAN NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH"."""
    report = sample_report()
    report.signing = Signing(KINH_GUI, "KT.", None, "Nguyễn Văn An")
    doc = _docx(report, tmp_path)
    kinh_gui = next(p for p in doc.paragraphs if p.text.startswith("Kính gửi:"))
    assert kinh_gui.text == f"Kính gửi:\t- {KINH_GUI[0]};\n- {KINH_GUI[1]}."
    layout = kinh_gui.paragraph_format
    assert layout.first_line_indent < 0 < layout.left_indent  # the second line under the first
    assert layout.left_indent + layout.first_line_indent >= 0
    assert [t.position for t in layout.tab_stops] == [layout.left_indent]
    lines = [line for line in doc.tables[-1].rows[0].cells[1].text.splitlines() if line]
    assert lines == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn An"]


def test_document_marks_an_unfinished_period(doc: DocumentType, tmp_path: Path) -> None:
    assert "số liệu đến ngày" not in _all_text(doc)  # October was over on 3 November
    body = _all_text(_docx(unfinished_report(), tmp_path))
    assert (
        "báo cáo kết quả thực hiện tháng 10/2026 (số liệu đến ngày 15/10/2026, kỳ báo cáo chưa "
        "kết thúc) như sau:"
    ) in body


def test_document_properties_name_the_ward(doc: DocumentType) -> None:
    props = doc.core_properties
    assert props.author == props.last_modified_by == "Ủy ban nhân dân phường Đăk Bla"
    assert props.title == (
        "Báo cáo kết quả tuyên truyền cải cách hành chính và chuyển đổi số tháng 10/2026"
    )
    assert props.subject == document.summary(sample_report())
    assert props.created == datetime(2026, 11, 3, 1, 30, tzinfo=UTC)
    details = [props.author, props.title, props.subject, props.comments, props.keywords]
    assert not any("python-docx" in value for value in details)


def test_document_shows_messages_waiting_for_the_web_visitor_apart(doc: DocumentType) -> None:
    body = _all_text(doc)
    assert "gửi thành công 195 lượt, chờ người dân mở trang web 4 lượt (chưa tính là đã gửi)" in (
        body
    )
    table = next(t for t in doc.tables if t.rows[0].cells[1].text == "Nội dung")
    notices = next(
        t for t in doc.tables if "Chờ mở trang web" in [c.text for c in t.rows[0].cells]
    )
    assert table is not None
    header = [c.text for c in notices.rows[0].cells]
    total = [c.text for c in notices.rows[-1].cells]
    assert total[header.index("Đã gửi")] == "195"
    assert total[header.index("Chờ mở trang web")] == "4"


def test_report_and_chat_rate_with_the_same_words(doc: DocumentType, book: Workbook) -> None:
    buttons = [button.title for button in rating_buttons("a", "entry")]
    assert buttons == [rating_label(score) for score in range(1, 6)]
    assert buttons[0] == "1 - Rất không hài lòng" and buttons[-1] == "5 - Rất hài lòng"
    table = next(t for t in doc.tables if t.rows[0].cells[0].text == "Điểm")
    assert [row.cells[0].text for row in table.rows[1:]] == buttons[::-1]
    ws = book["Mức độ hài lòng"]
    assert [ws.cell(row, 1).value for row in range(4, 9)] == buttons


def test_long_questions_are_shortened_in_tables(tmp_path: Path) -> None:
    long_question = "Cho tôi hỏi " + "về thủ tục cấp lại giấy tờ nhà đất bị mất " * 8
    assert len(long_question) > 300
    (group,) = group_gaps([(long_question.lower(), 3, long_question, None)], lambda _id: None)
    assert len(group.example) <= 120 and group.example.endswith("…")
    assert group.example.startswith("Cho tôi hỏi về thủ tục cấp lại")
    assert text.shorten("ngắn") == "ngắn" and len(text.shorten("x" * 500)) == 120
    report = sample_report()
    report.gaps = [group]
    book = load_workbook(workbook.write(report, {}, tmp_path / "b.xlsx"))
    assert book["Câu hỏi chưa trả lời được"]["B4"].value == group.example
    assert f"1. “{group.example}” – 3 lần" in _all_text(_docx(report, tmp_path))


def test_workbook_prints_one_page_wide_with_the_headers_repeated(book: Workbook) -> None:
    for ws in book.worksheets:
        setup = ws.page_setup
        assert setup.orientation == "landscape", ws.title
        assert int(setup.paperSize) == int(ws.PAPERSIZE_A4), ws.title
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        repeated = "$8:$8" if ws.title == "Tổng hợp" else "$1:$3"  # header rows on every page
        assert ws.print_title_rows == repeated, ws.title
        assert "&P" in ws.oddFooter.center.text, ws.title  # the page number
        area = ws.print_area.split("!")[1].replace("$", "")
        first, last = area.split(":")
        letter, last_row = coordinate_from_string(last)
        last_col = column_index_from_string(letter)
        assert first == "A1" and last_col >= ws.max_column and last_row >= ws.max_row, ws.title
        for image in ws._images:  # a chart 640 px wide, columns of 64 px unless set wider
            assert last_col >= image.anchor._from.col + 10, ws.title
            assert last_row >= image.anchor._from.row + 10, ws.title
        widths = sum(
            ws.column_dimensions[get_column_letter(col)].width or 8.43
            if get_column_letter(col) in ws.column_dimensions
            else 8.43
            for col in range(1, last_col + 1)
        )
        assert widths >= len(ws["A1"].value) * 1.2, ws.title  # the title is not cut


def test_workbook_properties_name_the_ward(book: Workbook) -> None:
    props = book.properties
    assert props.creator == props.lastModifiedBy == "Ủy ban nhân dân phường Đăk Bla"
    assert props.title == "Báo cáo kết quả tuyên truyền tháng 10/2026"
    assert "openpyxl" not in f"{props.creator}{props.title}{props.subject}"


def test_workbook_marks_an_unfinished_period(book: Workbook, tmp_path: Path) -> None:
    assert book["Tổng hợp"]["A7"].value is None  # October was over: no marker
    assert "số liệu đến ngày" not in book["Theo kênh"]["A1"].value
    unfinished = load_workbook(workbook.write(unfinished_report(), {}, tmp_path / "u.xlsx"))
    summary = unfinished["Tổng hợp"]
    assert summary["A7"].value == "Số liệu đến ngày"
    assert summary["B7"].value == datetime(2026, 10, 15)
    for name in SHEET_NAMES[1:]:
        assert unfinished[name]["A1"].value.endswith("(số liệu đến ngày 15/10/2026)"), name
    ws = unfinished["Theo kênh"]
    header = _row_of(ws, "Ngày")
    days = [ws.cell(row, 1).value for row in range(header + 1, header + 17)]
    assert days[0] == datetime(2026, 10, 1) and days[14] == datetime(2026, 10, 15)
    assert days[15] == "Tổng cộng"  # the table stops today
