"""The report as an Excel workbook (openpyxl): one sheet per content area, real numbers with
Vietnamese headers, the charts embedded next to their tables, and every sheet set to print:
A4 landscape, one page wide (as many tall as needed), the print area covering the tables, the
charts and the title, the title and header rows repeated on every page, "Trang 1/3" below.

Layout (tests and staff rely on it; "label in A" means: find the row by its text in column A):

1. "Tổng hợp": A1 title. A2:B6 "Đơn vị", "Kỳ báo cáo", "Từ ngày", "Đến ngày", "Thời điểm lập"
   (label in A, value in B); while the period is not over, A7 "Số liệu đến ngày" and the day
   in B7. Row 8 header "Chỉ số" | "Giá trị"; rows 9.. one key figure each
   (label in A, value in B, in the order of `summary_rows`); a missing figure (None) reads
   "chưa có số liệu". Chart "daily_volume" at D2. Frozen below row 8.
2. "Theo chủ đề": A1 title; row 3 header STT | Nội dung | Loại | Số lượt hỏi; rows 4.. the top
   entries, most asked first. Chart "top_topics" at F3.
3. "Câu hỏi chưa trả lời được": row 3 header STT | Câu hỏi tiêu biểu | Số lần | Cách hỏi khác
   | Gần nhất với; rows 4.. the gap groups, largest first (variants joined by " | ").
4. "Phản ánh kiến nghị": row 3 header STT | Lĩnh vực | one column per status that occurs (its
   Vietnamese label, in the order of `status_labels`) | Tổng số; rows 4.. categories, then a
   bold "Tổng cộng" row (label in B). Two rows below: header "Kênh" | "Số phản ánh", a row per
   channel (most first) and "Tổng cộng". Two rows below: header "Chỉ số" | "Giá trị" with
   received, answered, resolved, overdue, both medians (hours), on time, due, on-time rate.
   Charts "feedback_categories" and "on_time" to the right of the tables.
5. "Thông báo": row 3 header Số | Nội dung | Ngày gửi | Người nhận | Đã gửi | Chờ người dân
   mở trang web | Lỗi | Đã chặn | Không gửi được | Người dân hỏi lại; rows 4.. one per
   announcement (the local date in Vietnam), then "Tổng cộng" (label in B). "Đã gửi" counts
   only messages handed over: web messages the visitor has not fetched yet are the column
   after. Two rows below: header "Người đăng ký nhận thông báo" | "Số người" with Đầu kỳ,
   Tăng, Giảm, Cuối kỳ. Two rows below: header "Chủ đề" | "Số người đăng ký", one row per
   topic. Chart "subscribers" at L3.
6. "Mức độ hài lòng": row 3 header Điểm | Số lượt | Tỷ lệ; rows 4-8 scores 1..5 written as the
   chat's rating buttons ("1 - Rất không hài lòng" .. "5 - Rất hài lòng"); row 9
   "Tổng cộng"; row 10 "Điểm trung bình" (value in B). Row 12 header "Nội dung đánh giá" |
   "Số lượt" | "Điểm trung bình"; rows 13.. answer, then feedback. Chart "satisfaction" at E3.
7. "Theo kênh": row 3 header Kênh | Cuộc trò chuyện | Tin nhắn | Người dân; rows 4.. channels,
   then "Tổng cộng" (the usage totals: a resident writing on two channels counts once). Two
   rows below: header "Ngày" | one column per channel | "Tổng", a row per day of the period (up
   to the day the figures were computed, while it is not over) and "Tổng cộng". Two rows
   below: header "Giờ" | "Tin nhắn", rows for hours 0..23.

Sheets 2-7 have their title in A1 (with "số liệu đến ngày dd/mm/yyyy" while the period is not
over), their first header on row 3 and are frozen below it (A4); rows 1-3 repeat on every
printed page (row 8 on "Tổng hợp"). An empty table shows "chưa có số liệu" in column A of its
first data row. Formats: integers #,##0, rates 0.0%, hours and averages 0.0, dates
dd/mm/yyyy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import Cell
from openpyxl.drawing.image import Image
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from bot.report import text
from bot.report.model import Report
from bot.safe_cells import put_text
from bot.xlsx_look import BOLD, HEADER_ALIGN, HEADER_FILL, TITLE_FONT, WRAP
from handlers.domain.vocabulary import rating_label

INTEGER = "#,##0"
PERCENT = "0.0%"
DECIMAL = "0.0"  # hours and average scores
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"


HEADER_ROW = 3  # first table of sheets 2-7
PICTURE_WIDTH = 640  # pixels: about 17 cm, readable without covering the tables
PICTURE_ROWS = 20  # rows a picture takes, to stack a second one below it
SUMMARY_HEADER_ROW = 8
UNTIL_ROW = 7  # "Số liệu đến ngày" on "Tổng hợp" while the period is not over
# Printing: Excel's default column is 8.43 characters; a character about 7 px wide, a row
# 20 px tall; a title at TITLE_FONT's 14 points takes about 1.4 characters of width each.
DEFAULT_WIDTH, CHAR_PX, ROW_PX, TITLE_CHARS = 8.43, 7, 20, 1.4

Value = int | float | str | date | datetime | None
Row = Sequence[Value]
Figure = tuple[str, Value, str | None]  # label, value, number format


def write(report: Report, pictures: dict[str, Path], path: Path) -> Path:
    book = Workbook()
    book.remove(book.active)
    _properties(book, report)
    for name, fill in SHEETS:
        sheet = book.create_sheet(name)
        fill(sheet, report, pictures)
        _printing(sheet, SUMMARY_HEADER_ROW if name == SHEETS[0][0] else HEADER_ROW)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def _properties(book: Workbook, report: Report) -> None:
    """The file's own details name the ward, not the library that wrote it."""
    agency = f"Ủy ban nhân dân {text.in_sentence(report.ward_name)}"
    props = book.properties
    props.creator = props.lastModifiedBy = agency
    props.title = f"Báo cáo kết quả tuyên truyền {report.period.label}"
    props.subject = (
        f"Kết quả tuyên truyền cải cách hành chính và chuyển đổi số {report.period.label}"
    )
    props.keywords = "báo cáo; cải cách hành chính; chuyển đổi số"
    props.category = "Báo cáo"
    props.language = "vi-VN"


# --- printing ---------------------------------------------------------------------------------


def _column_px(ws: Worksheet, col: int) -> int:
    letter = get_column_letter(col)
    width = ws.column_dimensions[letter].width if letter in ws.column_dimensions else None
    return round((width or DEFAULT_WIDTH) * CHAR_PX + 5)


def _extent(ws: Worksheet) -> tuple[int, int]:
    """(last column, last row) holding a value, a picture or the end of the title."""
    last_col, last_row = ws.max_column, ws.max_row
    for image in ws._images:
        letter, row = coordinate_from_string(str(image.anchor))
        col, room = column_index_from_string(letter), image.width
        while room > 0:
            room -= _column_px(ws, col)
            col += 1
        last_col = max(last_col, col - 1)
        last_row = max(last_row, row + -(-image.height // ROW_PX))
    title, col, room = str(ws["A1"].value or ""), 1, 0.0
    needed = len(title) * TITLE_CHARS * CHAR_PX
    while room < needed:
        room += _column_px(ws, col)
        col += 1
    return max(last_col, col - 1), last_row


def _printing(ws: Worksheet, header_row: int) -> None:
    """A4 landscape, one page wide, the whole sheet in the print area, the title and header
    rows on every page and the page number below: a sheet of the report prints readable
    instead of in column strips over many pages."""
    last_col, last_row = _extent(ws)
    ws.print_area = f"A1:{get_column_letter(last_col)}{last_row}"
    # Sheets 2-7 repeat their title and first header; "Tổng hợp" its header row only.
    first = header_row if header_row > HEADER_ROW else 1
    ws.print_title_rows = f"{first}:{header_row}"
    setup = ws.page_setup
    setup.orientation = ws.ORIENTATION_LANDSCAPE
    setup.paperSize = ws.PAPERSIZE_A4
    setup.fitToWidth, setup.fitToHeight = 1, 0  # one page wide, as many tall as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.oddFooter.center.text = "Trang &P/&N"


# --- cells and blocks -------------------------------------------------------------------------


def _put(cell: Cell, value: Value, fmt: str | None = None) -> None:
    """A value with the format its type calls for; naive local time for datetimes (Excel has
    no time zones)."""
    if isinstance(value, datetime):
        value, fmt = text.local(value).replace(tzinfo=None), fmt or DATETIME
    elif isinstance(value, date):
        fmt = fmt or DATE
    elif isinstance(value, bool):
        value = str(value)
    elif isinstance(value, int):
        fmt = fmt or INTEGER
    elif isinstance(value, float):
        fmt = fmt or DECIMAL
    put_text(cell, value)  # residents' words stay words, never formulas
    if fmt:
        cell.number_format = fmt


def _title(ws: Worksheet, title: str) -> None:
    ws["A1"] = title
    ws["A1"].font = TITLE_FONT


def _header(ws: Worksheet, row: int, labels: Sequence[str]) -> None:
    for col, label in enumerate(labels, start=1):
        cell = ws.cell(row, col, label)
        cell.font, cell.fill, cell.alignment = BOLD, HEADER_FILL, HEADER_ALIGN


def _table(
    ws: Worksheet,
    row: int,
    headers: Sequence[str],
    rows: Sequence[Row],
    formats: Sequence[str | None] = (),
    total: Row | None = None,
) -> int:
    """Header, rows and an optional bold total row from `row` on; returns the first row after."""
    _header(ws, row, headers)
    row += 1
    if not rows:
        ws.cell(row, 1, text.MISSING)
        row += 1
    for values in rows:
        _line(ws, row, values, formats)
        row += 1
    if total is not None:
        _line(ws, row, total, formats, bold=True)
        row += 1
    return row


def _line(
    ws: Worksheet, row: int, values: Row, formats: Sequence[str | None], bold: bool = False
) -> None:
    for col, value in enumerate(values, start=1):
        cell = ws.cell(row, col)
        _put(cell, value, formats[col - 1] if col <= len(formats) else None)
        if bold:
            cell.font = BOLD


def _figures(ws: Worksheet, row: int, headers: Sequence[str], items: Sequence[Figure]) -> int:
    """A label | value block; a missing figure reads "chưa có số liệu"."""
    _header(ws, row, headers)
    for offset, (label, value, fmt) in enumerate(items, start=1):
        ws.cell(row + offset, 1, label)
        _put(ws.cell(row + offset, 2), text.MISSING if value is None else value, fmt)
    return row + len(items) + 1


def _widths(ws: Worksheet, widths: Sequence[float], rest: float = 14) -> None:
    for col in range(1, max(ws.max_column, len(widths)) + 1):
        width = widths[col - 1] if col <= len(widths) else rest
        ws.column_dimensions[get_column_letter(col)].width = width


def _wrap(ws: Worksheet, columns: Sequence[int], first: int, last: int) -> None:
    for row in range(first, last + 1):
        for col in columns:
            ws.cell(row, col).alignment = WRAP


def _picture(ws: Worksheet, pictures: dict[str, Path], key: str, anchor: str) -> None:
    """Embed a chart if it was drawn; read into memory so the PNG may go before saving."""
    path = pictures.get(key)
    if path is None or not Path(path).is_file():
        return
    image = Image(BytesIO(Path(path).read_bytes()))
    image.height = round(image.height * PICTURE_WIDTH / image.width)
    image.width = PICTURE_WIDTH
    ws.add_image(image, anchor)


def _sheet_title(report: Report, subject: str) -> str:
    until = text.data_until(report)
    return f"{subject} – {report.period.label}" + (f" ({until})" if until else "")


# --- 1. Tổng hợp ------------------------------------------------------------------------------


def summary_rows(report: Report) -> list[Figure]:
    """The key figures of the "Tổng hợp" sheet, in order."""
    usage, feedback, rating = report.usage, report.feedback, report.satisfaction
    notices, subs = report.announcements, report.subscribers
    return [
        ("Số cuộc trò chuyện", usage.conversations, INTEGER),
        ("Tin nhắn người dân gửi", usage.messages_in, INTEGER),
        ("Tin nhắn trả lời", usage.messages_out, INTEGER),
        ("Số người dân sử dụng", usage.residents, INTEGER),
        ("Người dân mới", usage.new_residents, INTEGER),
        ("Người dân quay lại", usage.returning_residents, INTEGER),
        ("Tin nhắn ngoài giờ hành chính", usage.outside_office_hours, INTEGER),
        ("Câu hỏi chưa trả lời được", usage.unanswered, INTEGER),
        ("Câu hỏi chuyển cán bộ", report.questions.forwarded, INTEGER),
        ("Câu hỏi cán bộ đã trả lời", report.questions.answered, INTEGER),
        (
            "Thời gian cán bộ trả lời câu hỏi, trung vị (giờ)",
            report.questions.median_hours_to_answer,
            DECIMAL,
        ),
        ("Mục trả lời trợ lý học từ cán bộ", report.questions.entries_learned, INTEGER),
        ("Cách hỏi trợ lý học từ cán bộ", report.questions.aliases_learned, INTEGER),
        ("Câu hỏi trả lời được nhờ điều đã học", report.questions.answered_by_learned, INTEGER),
        ("Phản ánh, kiến nghị nhận được", feedback.received, INTEGER),
        ("Phản ánh, kiến nghị đã trả lời", feedback.answered, INTEGER),
        ("Phản ánh, kiến nghị đã giải quyết", feedback.resolved, INTEGER),
        ("Phản ánh, kiến nghị quá hạn", feedback.open_overdue, INTEGER),
        ("Thời gian trả lời trung vị (giờ)", feedback.median_hours_to_first_answer, DECIMAL),
        ("Thời gian giải quyết trung vị (giờ)", feedback.median_hours_to_resolution, DECIMAL),
        ("Tỷ lệ trả lời đúng hạn", feedback.on_time_rate, PERCENT),
        ("Mức hài lòng trung bình (1-5)", rating.average, DECIMAL),
        ("Số lượt đánh giá", rating.count, INTEGER),
        ("Thông báo đã gửi", notices.count, INTEGER),
        ("Lượt gửi thành công", notices.total("sent"), INTEGER),
        (f"Lượt {text.AWAITING_LABEL.lower()}", notices.total("awaiting"), INTEGER),
        ("Lượt gửi lỗi", notices.total("failed"), INTEGER),
        ("Lượt gửi bị chặn", notices.total("blocked"), INTEGER),
        ("Người đăng ký nhận thông báo đầu kỳ", subs.at_start, INTEGER),
        ("Người đăng ký tăng", subs.gained, INTEGER),
        ("Người đăng ký giảm", subs.lost, INTEGER),
        ("Người đăng ký nhận thông báo cuối kỳ", subs.at_end, INTEGER),
        ("Lượt bắt đầu khóa học kỹ năng số", report.learning.started, INTEGER),
        ("Lượt hoàn thành khóa học kỹ năng số", report.learning.completed, INTEGER),
        ("Lượt dự thi tìm hiểu chuyển đổi số", report.learning.contest_entries, INTEGER),
        ("Lượt dự thi đạt yêu cầu", report.learning.contest_passed, INTEGER),
    ]


def _summary(ws: Worksheet, report: Report, pictures: dict[str, Path]) -> None:
    _title(ws, "Báo cáo kết quả tuyên truyền cải cách hành chính và chuyển đổi số")
    about: list[tuple[str, Value]] = [
        ("Đơn vị", report.ward_name),
        ("Kỳ báo cáo", report.period.label),
        ("Từ ngày", report.period.start),
        ("Đến ngày", report.period.end),
        ("Thời điểm lập", report.generated_at),
    ]
    if report.unfinished:  # the period is not over: say up to which day the figures go
        about.append(("Số liệu đến ngày", report.last_day))
    for row, (label, value) in enumerate(about, start=2):
        ws.cell(row, 1, label).font = BOLD
        _put(ws.cell(row, 2), value)
    _figures(ws, SUMMARY_HEADER_ROW, ["Chỉ số", "Giá trị"], summary_rows(report))
    ws.freeze_panes = ws.cell(SUMMARY_HEADER_ROW + 1, 1).coordinate
    _widths(ws, [42, 22, 4])
    _picture(ws, pictures, "daily_volume", "D2")


# --- 2. Theo chủ đề ---------------------------------------------------------------------------


def _topics(ws: Worksheet, report: Report, pictures: dict[str, Path]) -> None:
    _title(ws, _sheet_title(report, "Nội dung người dân hỏi nhiều nhất"))
    rows = [
        (i, entry.title, text.KIND_LABELS.get(entry.kind, entry.kind), entry.count)
        for i, entry in enumerate(report.top_entries, start=1)
    ]
    end = _table(ws, HEADER_ROW, ["STT", "Nội dung", "Loại", "Số lượt hỏi"], rows)
    _wrap(ws, [2], HEADER_ROW + 1, end - 1)
    ws.freeze_panes = "A4"
    _widths(ws, [6, 55, 16, 14, 4])
    _picture(ws, pictures, "top_topics", "F3")


# --- 3. Câu hỏi chưa trả lời được -------------------------------------------------------------


def _gaps(ws: Worksheet, report: Report, pictures: dict[str, Path]) -> None:
    _title(ws, _sheet_title(report, "Câu hỏi trợ lý chưa trả lời được"))
    headers = ["STT", "Câu hỏi tiêu biểu", "Số lần", "Cách hỏi khác", "Gần nhất với"]
    rows = [
        (i, gap.example, gap.count, " | ".join(gap.variants), gap.best_guess)
        for i, gap in enumerate(report.gaps, start=1)
    ]
    end = _table(ws, HEADER_ROW, headers, rows)
    _wrap(ws, [2, 4, 5], HEADER_ROW + 1, end - 1)
    ws.freeze_panes = "A4"
    _widths(ws, [6, 45, 10, 55, 35])


# --- 4. Phản ánh kiến nghị --------------------------------------------------------------------


def _feedback(ws: Worksheet, report: Report, pictures: dict[str, Path]) -> None:
    feedback = report.feedback
    _title(ws, _sheet_title(report, "Tiếp nhận và xử lý phản ánh, kiến nghị"))
    statuses = text.statuses(report)
    headers = ["STT", "Lĩnh vực", *(report.status_labels.get(s, s) for s in statuses), "Tổng số"]
    rows = [
        (i, c.title, *(c.by_status.get(s, 0) for s in statuses), c.count)
        for i, c in enumerate(feedback.by_category, start=1)
    ]
    total = (
        None,
        "Tổng cộng",
        *(sum(c.by_status.get(s, 0) for c in feedback.by_category) for s in statuses),
        sum(c.count for c in feedback.by_category),
    )
    row = _table(ws, HEADER_ROW, headers, rows, total=total if rows else None)
    _wrap(ws, [2], HEADER_ROW + 1, row - 1)

    channels = sorted(feedback.by_channel.items(), key=lambda item: (-item[1], item[0]))
    by_channel = [(text.channel_label(report, ch), n) for ch, n in channels]
    total_channels = ("Tổng cộng", sum(feedback.by_channel.values())) if by_channel else None
    row = _table(ws, row + 1, ["Kênh", "Số phản ánh"], by_channel, total=total_channels)

    _figures(ws, row + 1, ["Chỉ số", "Giá trị"], _feedback_figures(report))
    ws.freeze_panes = "A4"
    _widths(ws, [34, 34, *([14] * len(statuses)), 12])
    anchor = get_column_letter(len(headers) + 2)
    _picture(ws, pictures, "feedback_categories", f"{anchor}{HEADER_ROW}")
    _picture(ws, pictures, "on_time", f"{anchor}{HEADER_ROW + PICTURE_ROWS + 2}")


def _feedback_figures(report: Report) -> list[Figure]:
    feedback = report.feedback
    return [
        ("Phản ánh, kiến nghị nhận được", feedback.received, INTEGER),
        ("Đã trả lời", feedback.answered, INTEGER),
        ("Đã giải quyết", feedback.resolved, INTEGER),
        ("Quá hạn chưa xử lý (cuối kỳ)", feedback.open_overdue, INTEGER),
        ("Thời gian trả lời trung vị (giờ)", feedback.median_hours_to_first_answer, DECIMAL),
        ("Thời gian giải quyết trung vị (giờ)", feedback.median_hours_to_resolution, DECIMAL),
        ("Trả lời đúng hạn", feedback.on_time, INTEGER),
        ("Đến hạn trả lời trong kỳ", feedback.due_in_period, INTEGER),
        ("Tỷ lệ trả lời đúng hạn", feedback.on_time_rate, PERCENT),
    ]


# --- 5. Thông báo -----------------------------------------------------------------------------


def _announcements(ws: Worksheet, report: Report, pictures: dict[str, Path]) -> None:
    notices, subs = report.announcements, report.subscribers
    _title(ws, _sheet_title(report, "Thông báo gửi đến người dân"))
    headers = [
        "Số",
        "Nội dung",
        "Ngày gửi",
        "Người nhận",
        "Đã gửi",
        text.AWAITING_LABEL,
        "Lỗi",
        "Đã chặn",
        "Không gửi được",
        "Người dân hỏi lại",
    ]
    rows = [
        (
            r.id,
            r.title,
            text.local_date(r.queued_at),
            *(getattr(r, n) for n in text.ANNOUNCEMENT_COUNTS),
        )
        for r in notices.rows
    ]
    total = (
        (None, "Tổng cộng", None, *(notices.total(n) for n in text.ANNOUNCEMENT_COUNTS))
        if rows
        else None
    )
    row = _table(ws, HEADER_ROW, headers, rows, total=total)
    _wrap(ws, [2], HEADER_ROW + 1, row - 1)

    movement: list[Figure] = [
        ("Đầu kỳ", subs.at_start, INTEGER),
        ("Tăng", subs.gained, INTEGER),
        ("Giảm", subs.lost, INTEGER),
        ("Cuối kỳ", subs.at_end, INTEGER),
    ]
    row = _figures(ws, row + 1, ["Người đăng ký nhận thông báo", "Số người"], movement)
    topics = [
        (report.topic_labels.get(t, t), subs.by_topic[t])
        for t in text.ordered(subs.by_topic, report.topic_labels)
    ]
    _table(ws, row + 1, ["Chủ đề", "Số người đăng ký"], topics)
    ws.freeze_panes = "A4"
    _widths(ws, [30, 45, 12, 12, 10, 16, 8, 10, 14, 14, 4])
    _picture(ws, pictures, "subscribers", f"{get_column_letter(len(headers) + 2)}{HEADER_ROW}")


# --- 6. Mức độ hài lòng -----------------------------------------------------------------------

SATISFACTION_AVERAGE_ROW = 10
SUBJECT_HEADER_ROW = 12


def _satisfaction(ws: Worksheet, report: Report, pictures: dict[str, Path]) -> None:
    rating = report.satisfaction
    _title(ws, _sheet_title(report, "Mức độ hài lòng của người dân"))
    scores = text.distribution(report)
    rows = [(rating_label(score), n, text.share(n, rating.count)) for score, n in scores.items()]
    total = ("Tổng cộng", rating.count, 1.0 if rating.count else None)
    _table(ws, HEADER_ROW, ["Điểm", "Số lượt", "Tỷ lệ"], rows, [None, None, PERCENT], total)
    ws.cell(SATISFACTION_AVERAGE_ROW, 1, "Điểm trung bình").font = BOLD
    average = text.MISSING if rating.average is None else rating.average
    _put(ws.cell(SATISFACTION_AVERAGE_ROW, 2), average, DECIMAL)

    subjects = [
        (text.SUBJECT_LABELS.get(s, s), *rating.by_subject[s])
        for s in text.ordered(rating.by_subject, text.SUBJECT_LABELS)
    ]
    headers = ["Nội dung đánh giá", "Số lượt", "Điểm trung bình"]
    _table(ws, SUBJECT_HEADER_ROW, headers, subjects, [None, None, DECIMAL])
    ws.freeze_panes = "A4"
    _widths(ws, [26, 12, 16, 4])  # A holds the rating labels
    _picture(ws, pictures, "satisfaction", "E3")


# --- 7. Theo kênh -----------------------------------------------------------------------------


def _channels(ws: Worksheet, report: Report, pictures: dict[str, Path]) -> None:
    usage = report.usage
    _title(ws, _sheet_title(report, "Sử dụng trợ lý theo kênh"))
    rows = [
        (text.channel_label(report, u.channel), u.conversations, u.messages_in, u.residents)
        for u in usage.by_channel
    ]
    # The usage totals, not sums: a resident writing on two channels is one resident.
    total = ("Tổng cộng", usage.conversations, usage.messages_in, usage.residents)
    headers = ["Kênh", "Cuộc trò chuyện", "Tin nhắn", "Người dân"]
    row = _table(ws, HEADER_ROW, headers, rows, total=total)

    channels = text.day_channels(report)
    days = []
    for day in report.days_so_far:
        counts = usage.by_day.get(day, {})
        values = [counts.get(ch, 0) for ch in channels]
        days.append((day, *values, sum(values)))
    day_total = ("Tổng cộng", *(sum(col) for col in list(zip(*days, strict=True))[1:]))
    day_headers = ["Ngày", *(text.channel_label(report, ch) for ch in channels), "Tổng"]
    row = _table(ws, row + 1, day_headers, days, total=day_total if days else None)

    hours = list(enumerate(text.hours_of_day(report)))
    _table(ws, row + 1, ["Giờ", "Tin nhắn"], hours)
    ws.freeze_panes = "A4"
    _widths(ws, [16, 16, 14, 14])


SHEETS: list[tuple[str, Callable[[Worksheet, Report, dict[str, Path]], None]]] = [
    ("Tổng hợp", _summary),
    ("Theo chủ đề", _topics),
    ("Câu hỏi chưa trả lời được", _gaps),
    ("Phản ánh kiến nghị", _feedback),
    ("Thông báo", _announcements),
    ("Mức độ hài lòng", _satisfaction),
    ("Theo kênh", _channels),
]
