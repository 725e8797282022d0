"""The report as a Word document (python-docx) in the look of Nghị định 30/2020/NĐ-CP: A4,
Times New Roman, the agency and national motto header with the rules under them, the kind of
document and its summary (trích yếu) with its rule, "Kính gửi", numbered sections following
the ward's plan for communicating administrative reform and digital transformation, and the
signature block. The addressees and the signer are the ward's own (`Report.signing`, from the
console); one not set reads "chưa cập nhật". Every sentence is built from the figures; a
missing one reads "chưa có số liệu"."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Emu, Length, Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from bot.report import text
from bot.report.model import Report
from handlers.domain.vocabulary import rating_label

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
SMALL_PT = 11
PICTURE_WIDTH = Cm(15)
TEXT_WIDTH = Mm(165)  # A4 210 mm less 30 mm left and 15 mm right margins
TOP_ENTRIES = 10
TOP_GAPS = 10
ON_TIME_TARGET = 0.95  # below it the report proposes faster answers (our threshold, not a rule)
OUTSIDE_HOURS_NOTABLE = 0.3  # a share of messages worth pointing out
UNDELIVERED_NOTABLE = 0.05
INTERNAL_CHANNELS = frozenset({"console", "cli", "staff"})  # not for residents to promote
NOT_SET = "chưa cập nhật"  # an addressee or a signer the ward has not filled in
MASTHEAD_WIDTHS = (Mm(65), Mm(100))  # agency | motto and date
CELL_MARGINS = Mm(3.8)  # Word's default 1.9 mm each side of a cell's text
# Nghị định 30/2020: the rule under the agency's name is 1/3 to 1/2 of that line; the one
# under the motto as long as the motto; the one under the summary 1/3 to 1/2 of its line.
AGENCY_RULE, SUMMARY_RULE = 0.4, 0.4
RULE_AFTER = (  # what follows w:pBdr in a paragraph's properties (schema order)
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
    "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd",
    "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents",
    "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment", "w:textboxTightWrap",
    "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip

HEADINGS = (
    "I. KẾT QUẢ TUYÊN TRUYỀN CHUYỂN ĐỔI SỐ VÀ CẢI CÁCH HÀNH CHÍNH",
    "II. TIẾP NHẬN VÀ XỬ LÝ PHẢN ÁNH, KIẾN NGHỊ",
    "III. THÔNG BÁO ĐẾN NGƯỜI DÂN",
    "IV. MỨC ĐỘ HÀI LÒNG CỦA NGƯỜI DÂN",
    "V. NỘI DUNG NGƯỜI DÂN HỎI CHƯA CÓ CÂU TRẢ LỜI",
    "VI. ĐỀ XUẤT, KIẾN NGHỊ",
)


def write(report: Report, pictures: dict[str, Path], path: Path) -> Path:
    doc = Document()
    _page(doc)
    _styles(doc)
    _properties(doc, report)
    writer = _Writer(doc, pictures)
    _masthead(doc, report)
    _title(doc, report)
    _addressees(doc, report)
    _intro(doc, report)
    _section_usage(writer, report)
    _section_feedback(writer, report)
    _section_announcements(writer, report)
    _section_satisfaction(writer, report)
    _section_gaps(writer, report)
    _section_proposals(writer, report)
    _signature(doc, report)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


# --- page and styles --------------------------------------------------------------------------


def _page(doc: DocumentType) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    # Page numbers at the top centre from the second page on, as the decree asks.
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    field.append(OxmlElement("w:r"))
    number._p.append(field)


def _typeface(style: ParagraphStyle) -> None:
    """Times New Roman for every script; theme fonts would override the named font in Word."""
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for script in ("ascii", "hAnsi", "cs", "eastAsia"):
        fonts.set(qn(f"w:{script}"), FONT)
    for theme in ("asciiTheme", "hAnsiTheme", "cstheme", "eastAsiaTheme"):
        fonts.attrib.pop(qn(f"w:{theme}"), None)


def _styles(doc: DocumentType) -> None:
    normal = doc.styles["Normal"]
    _typeface(normal)
    normal.font.size = Pt(BODY_PT)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name, size in (("Heading 1", BODY_PT), ("Heading 2", BODY_PT), ("Caption", TABLE_PT)):
        style = doc.styles[name]
        _typeface(style)
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.bold = name != "Caption"
        style.font.italic = name == "Caption"
        style.paragraph_format.space_before = Pt(6)
        style.paragraph_format.space_after = Pt(6)
        style.paragraph_format.first_line_indent = Cm(1) if name != "Caption" else None


def summary(report: Report) -> str:
    """The trích yếu under "BÁO CÁO", also the file's subject."""
    return f"Kết quả tuyên truyền cải cách hành chính và chuyển đổi số {report.period.label}"


def _properties(doc: DocumentType, report: Report) -> None:
    """The file's own details (File > Info) name the ward, not the library that wrote it."""
    agency = f"Ủy ban nhân dân {text.in_sentence(report.ward_name)}"
    props = doc.core_properties
    props.author = props.last_modified_by = agency
    props.title = f"Báo cáo {summary(report)[:1].lower()}{summary(report)[1:]}"
    props.subject = summary(report)
    props.comments = (
        f"Số liệu từ ngày {text.day(report.period.start)} đến ngày {text.day(report.last_day)}"
    )
    props.keywords = "báo cáo; cải cách hành chính; chuyển đổi số"
    props.category = "Báo cáo"
    props.language = "vi-VN"
    props.created = props.modified = text.local(report.generated_at).astimezone(UTC)
    props.revision = 1


# --- masthead, title, signature ---------------------------------------------------------------


def _width(words: str, size: float) -> Length:
    """About how wide a line of bold Times New Roman is (capitals 0.68 em, spaces 0.25 em, the
    rest 0.45 em: within a few per cent of the real widths), to size the rules under it."""
    ems = sum(0.25 if c == " " else 0.68 if c.isupper() else 0.45 for c in words)
    return Pt(ems * size)


def _rule(paragraph: Paragraph, length: int, room: int) -> Paragraph:
    """A thin solid line `length` long centred in `room`: the bottom border of an empty, low
    paragraph (Word and LibreOffice draw it alike, where a floating shape may drift)."""
    side = Emu(max(0, (room - length) // 2))
    layout = paragraph.paragraph_format
    layout.left_indent = layout.right_indent = side
    layout.first_line_indent = None
    layout.space_before = layout.space_after = Pt(0)
    layout.line_spacing = Pt(4)
    line = OxmlElement("w:bottom")
    for name, value in (("val", "single"), ("sz", "6"), ("space", "1"), ("color", "auto")):
        line.set(qn(f"w:{name}"), value)
    edges = OxmlElement("w:pBdr")
    edges.append(line)
    paragraph._p.get_or_add_pPr().insert_element_before(edges, *RULE_AFTER)
    return paragraph


def _borderless(table: Table, widths: Sequence[int]) -> None:
    table.autofit = False
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        line = OxmlElement(f"w:{edge}")
        line.set(qn("w:val"), "nil")
        borders.append(line)
    # Schema order matters to Word: the borders go before shading, layout and look.
    table._tbl.tblPr.insert_element_before(
        borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption"
    )
    _column_widths(table, widths)


def _column_widths(table: Table, widths: Sequence[int]) -> None:
    """Word reads the grid, LibreOffice the cells: set both."""
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _cell_line(
    cell: _Cell,
    words: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: float = 13,
    first: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
) -> Paragraph:
    paragraph = cell.paragraphs[0] if first else cell.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.first_line_indent = None
    run = paragraph.add_run(words)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    return paragraph


def _masthead(doc: DocumentType, report: Report) -> None:
    """Agency on the left, national motto and place-date on the right (borderless)."""
    table = doc.add_table(rows=1, cols=2)
    _borderless(table, MASTHEAD_WIDTHS)
    left, right = table.rows[0].cells
    ward = report.ward_name.upper()
    _cell_line(left, "ỦY BAN NHÂN DÂN", bold=True, first=True)
    _cell_line(left, ward, bold=True)
    agency = max(_width("ỦY BAN NHÂN DÂN", 13), _width(ward, 13))
    _rule(left.add_paragraph(), int(agency * AGENCY_RULE), MASTHEAD_WIDTHS[0] - CELL_MARGINS)
    _cell_line(left, "Số:      /BC-UBND", size=13).paragraph_format.space_before = Pt(12)
    _cell_line(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, first=True)
    motto = "Độc lập - Tự do - Hạnh phúc"
    _cell_line(right, motto, bold=True, size=14)
    _rule(right.add_paragraph(), _width(motto, 14), MASTHEAD_WIDTHS[1] - CELL_MARGINS)
    issued = text.local(report.generated_at).date()
    place_date = f"{text.place_name(report.ward_name)}, {text.dated(issued)}"
    _cell_line(right, place_date, italic=True, size=14).paragraph_format.space_before = Pt(12)


def _title(doc: DocumentType, report: Report) -> None:
    """The kind of document, the summary (trích yếu) and the rule under it, centred."""
    for words, space_before in (("BÁO CÁO", 18), (summary(report), 0)):
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_before = Pt(space_before)
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.paragraph_format.first_line_indent = None
        run = paragraph.add_run(words)
        run.bold = True
    line = min(_width(summary(report), BODY_PT), TEXT_WIDTH)
    _rule(doc.add_paragraph(), int(line * SUMMARY_RULE), TEXT_WIDTH)


def _addressees(doc: DocumentType, report: Report) -> None:
    """ "Kính gửi: X" on one line; several each on a line of its own, "-" before and ";" after
    (the last "."), lined up under the first after the colon."""
    names = report.signing.addressees or (NOT_SET,)
    paragraph = doc.add_paragraph()
    layout = paragraph.paragraph_format
    layout.space_before = Pt(12)
    layout.space_after = Pt(0)
    if len(names) == 1:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        layout.first_line_indent = None
        paragraph.add_run(f"Kính gửi: {names[0]}")
        return
    label = _width("Kính gửi: ", BODY_PT)
    longest = max(_width(f"- {name};", BODY_PT) for name in names)
    start = max(0, int(TEXT_WIDTH - label - longest) // 2)
    layout.left_indent = Emu(start + label)
    layout.first_line_indent = Emu(-label)
    layout.tab_stops.add_tab_stop(Emu(start + label))
    run = paragraph.add_run("Kính gửi:\t")
    for i, name in enumerate(names):
        if i:
            run.add_break()
        run.add_text(f"- {name}{'.' if i == len(names) - 1 else ';'}")


def _intro(doc: DocumentType, report: Report) -> None:
    ward = text.in_sentence(report.ward_name)
    until = text.data_until(report)
    so_far = f" ({until}, kỳ báo cáo chưa kết thúc)" if until else ""
    intro = doc.add_paragraph(
        "Thực hiện Kế hoạch tuyên truyền cải cách hành chính và chuyển đổi số của Ủy ban nhân "
        f"dân {ward}, Ủy ban nhân dân {ward} báo cáo kết quả thực hiện {report.period.label}"
        f"{so_far} như sau:"
    )
    intro.paragraph_format.space_before = Pt(18)
    intro.paragraph_format.first_line_indent = Cm(1)
    intro.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY


def _signature(doc: DocumentType, report: Report) -> None:
    """ "Nơi nhận" in small type on the left; authority, title, room to sign and the signer's
    name on the right."""
    doc.add_paragraph()
    table = doc.add_table(rows=1, cols=2)
    _borderless(table, [Mm(80), Mm(85)])
    left, right = table.rows[0].cells
    left_align = WD_ALIGN_PARAGRAPH.LEFT
    _cell_line(left, "Nơi nhận:", bold=True, italic=True, size=12, first=True, align=left_align)
    _cell_line(left, "- Như trên;", size=SMALL_PT, align=left_align)
    _cell_line(left, "- Lưu: VT.", size=SMALL_PT, align=left_align)
    for i, line in enumerate(report.signing.lines):
        _cell_line(right, line, bold=True, size=14, first=i == 0)
    for _ in range(4):  # room for the signature and the seal
        _cell_line(right, "", size=14)
    signer = report.signing.signer
    _cell_line(right, signer or NOT_SET, bold=signer is not None, size=14)


# --- body helpers -----------------------------------------------------------------------------


class _Writer:
    """Paragraphs, tables and numbered pictures in the body."""

    def __init__(self, doc: DocumentType, pictures: dict[str, Path]) -> None:
        self.doc = doc
        self.pictures = pictures
        self.figures = 0

    def heading(self, words: str, level: int = 1) -> None:
        self.doc.add_paragraph(words, style=f"Heading {level}")

    def para(self, words: str) -> Paragraph:
        paragraph = self.doc.add_paragraph(words)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        paragraph.paragraph_format.first_line_indent = Cm(1)
        return paragraph

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        total: Sequence[str] | None = None,
    ) -> None:
        """A grid table; text in column 2 (and 1 when it holds names) left, numbers centred."""
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        _repeat_header(table)
        for cell, words in zip(table.rows[0].cells, headers, strict=True):
            _cell_line(cell, words, bold=True, size=TABLE_PT, first=True)
        for values in rows:
            self._row(table, values)
        if total is not None:
            self._row(table, total, bold=True)
        scale = TEXT_WIDTH / sum(widths)
        _column_widths(table, [int(width * scale) for width in widths])
        self.doc.add_paragraph().paragraph_format.space_after = Pt(0)

    @staticmethod
    def _row(table: Table, values: Sequence[str], bold: bool = False) -> None:
        cells = table.add_row().cells
        for col, (cell, words) in enumerate(zip(cells, values, strict=True)):
            text_column = col == 1 or (col == 0 and not words.isdigit())
            align = WD_ALIGN_PARAGRAPH.LEFT if text_column else WD_ALIGN_PARAGRAPH.CENTER
            _cell_line(cell, words, bold=bold, size=TABLE_PT, first=True, align=align)

    def picture(self, key: str, caption: str) -> None:
        """Chart about 15 cm wide with a numbered caption; skipped if it was not drawn."""
        path = self.pictures.get(key)
        if path is None or not Path(path).is_file():
            return
        self.doc.add_picture(str(path), width=PICTURE_WIDTH)
        holder = self.doc.paragraphs[-1]
        holder.alignment = WD_ALIGN_PARAGRAPH.CENTER
        holder.paragraph_format.keep_with_next = True
        holder.paragraph_format.first_line_indent = None
        self.figures += 1
        label = self.doc.add_paragraph(f"Hình {self.figures}. {caption}", style="Caption")
        label.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _repeat_header(table: Table) -> None:
    """Repeat the header row when a table runs over a page."""
    properties = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.insert_element_before(
        repeat, "w:tblCellSpacing", "w:jc", "w:hidden", "w:ins", "w:del", "w:trPrChange"
    )


def _listing(pairs: Sequence[tuple[str, int]]) -> str:
    return "; ".join(f"{name} {text.number(n)}" for name, n in pairs)


# --- I. usage ---------------------------------------------------------------------------------


def _section_usage(w: _Writer, report: Report) -> None:
    usage, label = report.usage, report.period.label
    w.heading(HEADINGS[0])
    w.heading("1. Người dân sử dụng trợ lý ảo của phường", 2)
    w.para(
        f"Trong {label}, người dân đã thực hiện {text.number(usage.conversations)} cuộc trò "
        f"chuyện với trợ lý ảo của phường, gửi {text.number(usage.messages_in)} tin nhắn; trợ "
        f"lý đã gửi {text.number(usage.messages_out)} tin nhắn trả lời."
    )
    w.para(
        f"Có {text.number(usage.residents)} người dân sử dụng, trong đó "
        f"{text.number(usage.new_residents)} người lần đầu sử dụng và "
        f"{text.number(usage.returning_residents)} người quay lại."
    )
    outside = text.share(usage.outside_office_hours, usage.messages_in)
    share = f" ({text.percent(outside)} tổng số tin nhắn)" if outside is not None else ""
    w.para(
        f"Số tin nhắn người dân gửi ngoài giờ hành chính và ngày nghỉ: "
        f"{text.number(usage.outside_office_hours)}{share}."
    )
    if usage.by_channel:
        w.para("Kết quả theo từng kênh:")
        rows = [
            (
                text.channel_label(report, u.channel),
                text.number(u.conversations),
                text.number(u.messages_in),
                text.number(u.residents),
            )
            for u in usage.by_channel
        ]
        total = (
            "Tổng cộng",
            text.number(usage.conversations),
            text.number(usage.messages_in),
            text.number(usage.residents),
        )
        headers = ("Kênh", "Cuộc trò chuyện", "Tin nhắn", "Người dân")
        w.table(headers, rows, (5, 3, 3, 3), total)
    else:
        w.para(f"Kết quả theo từng kênh: {text.MISSING}.")
    w.picture("daily_volume", "Tin nhắn người dân gửi theo ngày và theo kênh")

    w.heading("2. Thủ tục hành chính, hướng dẫn người dân quan tâm", 2)
    entries = report.top_entries[:TOP_ENTRIES]
    if entries:
        w.para("Các nội dung người dân hỏi nhiều nhất qua trợ lý:")
        rows = [
            (str(i), e.title, text.KIND_LABELS.get(e.kind, e.kind), text.number(e.count))
            for i, e in enumerate(entries, start=1)
        ]
        w.table(("STT", "Nội dung", "Loại", "Số lượt hỏi"), rows, (1.2, 8, 3, 2.5))
    else:
        w.para(f"Nội dung người dân hỏi nhiều nhất: {text.MISSING}.")
    w.picture("top_topics", "Nội dung người dân hỏi nhiều nhất")
    _learning(w, report)


def _learning(w: _Writer, report: Report) -> None:
    learning, label = report.learning, report.period.label
    w.heading("3. Bình dân học vụ số và cuộc thi tìm hiểu chuyển đổi số", 2)
    w.para(
        f"Trong {label}, có {text.number(learning.started)} lượt bắt đầu và "
        f"{text.number(learning.completed)} lượt hoàn thành các khóa học kỹ năng số trên trợ "
        f"lý; {text.number(learning.contest_entries)} lượt dự thi tìm hiểu chuyển đổi số, "
        f"trong đó {text.number(learning.contest_passed)} lượt đạt yêu cầu."
    )
    if learning.by_course:
        rows = [
            (c.title, text.number(c.started), text.number(c.completed)) for c in learning.by_course
        ]
        w.table(("Khóa học", "Bắt đầu", "Hoàn thành"), rows, (9, 3, 3))


# --- II. feedback -----------------------------------------------------------------------------


def _section_feedback(w: _Writer, report: Report) -> None:
    feedback, label = report.feedback, report.period.label
    w.heading(HEADINGS[1])
    w.para(
        f"Trong {label}, phường tiếp nhận {text.number(feedback.received)} phản ánh, kiến nghị "
        f"của người dân qua trợ lý; đã trả lời {text.number(feedback.answered)}, đã giải quyết "
        f"xong {text.number(feedback.resolved)}."
    )
    if feedback.open_overdue:
        w.para(
            f"Đến cuối kỳ còn {text.number(feedback.open_overdue)} phản ánh, kiến nghị quá hạn "
            "chưa được trả lời."
        )
    else:
        w.para("Đến cuối kỳ không còn phản ánh, kiến nghị nào quá hạn chưa được trả lời.")
    w.para(
        f"Thời gian trả lời trung vị: {text.hours(feedback.median_hours_to_first_answer)}; "
        f"thời gian giải quyết trung vị: {text.hours(feedback.median_hours_to_resolution)}."
    )
    rate = text.percent(feedback.on_time_rate)
    base = (
        f" ({text.number(feedback.on_time)}/{text.number(feedback.due_in_period)} phản ánh "
        "đến hạn trong kỳ)"
        if feedback.due_in_period
        else ""
    )
    w.para(f"Tỷ lệ trả lời đúng hạn: {rate}{base}.")
    if feedback.by_channel:
        channels = sorted(feedback.by_channel.items(), key=lambda item: (-item[1], item[0]))
        pairs = [(text.channel_label(report, ch), n) for ch, n in channels]
        w.para(f"Theo kênh tiếp nhận: {_listing(pairs)}.")
    _feedback_table(w, report)
    w.picture("feedback_categories", "Phản ánh, kiến nghị theo lĩnh vực và tình trạng xử lý")
    w.picture("on_time", "Tỷ lệ trả lời phản ánh, kiến nghị đúng hạn")


def _feedback_table(w: _Writer, report: Report) -> None:
    categories = report.feedback.by_category
    if not categories:
        w.para(f"Phản ánh, kiến nghị theo lĩnh vực: {text.MISSING}.")
        return
    w.para("Phản ánh, kiến nghị theo lĩnh vực:")
    statuses = text.statuses(report)
    headers = ("STT", "Lĩnh vực", *(report.status_labels.get(s, s) for s in statuses), "Tổng")
    rows = [
        (
            str(i),
            c.title,
            *(text.number(c.by_status.get(s, 0)) for s in statuses),
            text.number(c.count),
        )
        for i, c in enumerate(categories, start=1)
    ]
    total = (
        "",
        "Tổng cộng",
        *(text.number(sum(c.by_status.get(s, 0) for c in categories)) for s in statuses),
        text.number(sum(c.count for c in categories)),
    )
    w.table(headers, rows, (1.2, 6, *([2.4] * len(statuses)), 2), total)


# --- III. announcements -----------------------------------------------------------------------


def _section_announcements(w: _Writer, report: Report) -> None:
    notices, subs, label = report.announcements, report.subscribers, report.period.label
    w.heading(HEADINGS[2])
    if notices.rows:
        total = {name: text.number(notices.total(name)) for name in text.ANNOUNCEMENT_COUNTS}
        w.para(
            f"Trong {label}, phường đã gửi {text.number(notices.count)} thông báo đến người dân "
            f"đăng ký nhận tin, tổng {total['recipients']} lượt người nhận; gửi thành công "
            f"{total['sent']} lượt, chờ người dân mở trang web {total['awaiting']} lượt (chưa "
            f"tính là đã gửi), lỗi {total['failed']}, bị chặn {total['blocked']}, không gửi được "
            f"{total['undeliverable']}. Sau khi nhận thông báo, người dân đã hỏi lại "
            f"{total['replies']} lượt."
        )
        _announcement_table(w, report)
    else:
        w.para(f"Thông báo đã gửi đến người dân trong {label}: {text.MISSING}.")
    w.para(
        f"Số người dân đăng ký nhận thông báo: đầu kỳ {text.number(subs.at_start)}, tăng "
        f"{text.number(subs.gained)}, giảm {text.number(subs.lost)}, cuối kỳ "
        f"{text.number(subs.at_end)} người."
    )
    if subs.by_topic:
        topics = text.ordered(subs.by_topic, report.topic_labels)
        pairs = [(report.topic_labels.get(t, t), subs.by_topic[t]) for t in topics]
        w.para(f"Số người đăng ký theo chủ đề (cuối kỳ): {_listing(pairs)}.")
    w.picture("subscribers", "Số người dân đăng ký nhận thông báo")


def _announcement_table(w: _Writer, report: Report) -> None:
    notices = report.announcements
    rows = [
        (
            str(i),
            r.title,
            text.day(text.local_date(r.queued_at)) if r.queued_at else "",
            text.number(r.recipients),
            text.number(r.sent),
            text.number(r.awaiting),
            text.number(r.failed + r.blocked + r.undeliverable),
            text.number(r.replies),
        )
        for i, r in enumerate(notices.rows, start=1)
    ]
    undelivered = sum(notices.total(n) for n in ("failed", "blocked", "undeliverable"))
    total = (
        "",
        "Tổng cộng",
        "",
        text.number(notices.total("recipients")),
        text.number(notices.total("sent")),
        text.number(notices.total("awaiting")),
        text.number(undelivered),
        text.number(notices.total("replies")),
    )
    headers = (
        "STT",
        "Nội dung",
        "Ngày gửi",
        "Người nhận",
        "Đã gửi",
        "Chờ mở trang web",
        "Không đến được",
        "Hỏi lại",
    )
    w.table(headers, rows, (1.2, 5.4, 2.6, 2.2, 2, 2.4, 2.4, 2), total)


# --- IV. satisfaction -------------------------------------------------------------------------


def _section_satisfaction(w: _Writer, report: Report) -> None:
    rating, label = report.satisfaction, report.period.label
    w.heading(HEADINGS[3])
    if not rating.count:
        w.para(f"Mức độ hài lòng của người dân trong {label}: {text.MISSING}.")
        return
    scores = text.distribution(report)
    pleased = text.share(scores[4] + scores[5], rating.count)
    w.para(
        f"Trong {label}, người dân đã gửi {text.number(rating.count)} lượt đánh giá; điểm hài "
        f"lòng trung bình {_score(rating.average)}, {text.percent(pleased)} lượt đánh giá hài "
        "lòng hoặc rất hài lòng (4–5 điểm)."
    )
    if rating.by_subject:
        parts = [
            f"{text.SUBJECT_LABELS.get(s, s)} {text.number(rating.by_subject[s][0])} lượt, "
            f"trung bình {_score(rating.by_subject[s][1])}"
            for s in text.ordered(rating.by_subject, text.SUBJECT_LABELS)
        ]
        w.para(f"Theo nội dung đánh giá: {'; '.join(parts)}.")
    rows = [
        (
            rating_label(score),
            text.number(n),
            text.percent(text.share(n, rating.count)),
        )
        for score, n in sorted(scores.items(), reverse=True)
    ]
    w.table(("Điểm", "Số lượt", "Tỷ lệ"), rows, (6, 3, 3))
    w.picture("satisfaction", "Mức độ hài lòng của người dân")


def _score(average: float | None) -> str:
    return text.MISSING if average is None else f"{text.decimal(average)}/5 điểm"


# --- V. gaps ----------------------------------------------------------------------------------


def _section_gaps(w: _Writer, report: Report) -> None:
    w.heading(HEADINGS[4])
    gaps = report.gaps[:TOP_GAPS]
    if not gaps:
        w.para(f"Nội dung người dân hỏi chưa có câu trả lời: {text.MISSING}.")
        _questions_para(w, report)
        return
    w.para(
        f"Trong {report.period.label}, có {text.number(report.usage.unanswered)} tin nhắn trợ lý "
        "chưa trả lời được. Các câu hỏi gặp nhiều nhất (đã che thông tin cá nhân):"
    )
    for i, gap in enumerate(gaps, start=1):
        closest = f"; gần nhất với nội dung “{gap.best_guess}”" if gap.best_guess else ""
        w.para(f"{i}. “{gap.example}” – {text.number(gap.count)} lần{closest}.")
    _questions_para(w, report)


def _questions_para(w: _Writer, report: Report) -> None:
    """Questions handed over to cán bộ, and what the assistant learned from their answers."""
    q = report.questions
    if not (q.forwarded or q.answered or q.entries_learned or q.aliases_learned):
        return
    median = q.median_hours_to_answer
    waited = f", thời gian trả lời trung vị {text.decimal(median)} giờ" if median else ""
    w.para(
        f"Người dân chuyển {text.number(q.forwarded)} câu hỏi tới cán bộ; cán bộ đã trả lời "
        f"{text.number(q.answered)} câu hỏi{waited}. Từ các câu trả lời, trợ lý học thêm "
        f"{text.number(q.entries_learned)} mục trả lời và {text.number(q.aliases_learned)} cách "
        f"hỏi, nhờ đó trả lời ngay {text.number(q.answered_by_learned)} câu hỏi sau đó."
    )


# --- VI. proposals ----------------------------------------------------------------------------


def proposals(report: Report) -> list[str]:
    """Proposals that follow from the figures, most pressing first."""
    found = [
        _propose_gaps(report),
        _propose_overdue(report),
        _propose_on_time(report),
        _propose_satisfaction(report),
        _propose_channel(report),
        _propose_delivery(report),
        _propose_subscribers(report),
        _propose_outside_hours(report),
        _propose_top_entries(report),
    ]
    kept = [words for words in found if words]
    return kept or [
        "Tiếp tục duy trì trợ lý ảo và giới thiệu rộng rãi đến người dân; kỳ sau có đủ số liệu "
        "sẽ đề xuất cụ thể hơn."
    ]


def _propose_gaps(report: Report) -> str | None:
    if not report.gaps:
        return None
    top = "; ".join(f"“{g.example}” ({text.number(g.count)} lần)" for g in report.gaps[:3])
    return (
        "Bổ sung nội dung trả lời cho những câu hỏi người dân hỏi nhiều mà trợ lý chưa trả lời "
        f"được, trước hết: {top}."
    )


def _propose_overdue(report: Report) -> str | None:
    overdue = report.feedback.open_overdue
    if not overdue:
        return None
    return (
        f"Đôn đốc các bộ phận chuyên môn xử lý dứt điểm {text.number(overdue)} phản ánh, kiến "
        "nghị đã quá hạn và trả lời người dân đúng thời hạn."
    )


def _propose_on_time(report: Report) -> str | None:
    feedback = report.feedback
    rate = feedback.on_time_rate
    if rate is None or rate >= ON_TIME_TARGET:
        return None
    late = feedback.due_in_period - feedback.on_time
    return (
        f"Nâng tỷ lệ trả lời phản ánh, kiến nghị đúng hạn (trong kỳ đạt {text.percent(rate)}; "
        f"{text.number(late)} phản ánh được trả lời sau hạn)."
    )


def _propose_satisfaction(report: Report) -> str | None:
    average = report.satisfaction.average
    if average is None or average >= 4:
        return None
    return (
        "Rà soát nội dung trả lời và cách xử lý phản ánh để nâng mức hài lòng của người dân "
        f"(điểm trung bình {_score(average)})."
    )


def _propose_channel(report: Report) -> str | None:
    """Promote the public channel fewest residents use, when it lags well behind the best."""
    public = [u for u in report.usage.by_channel if u.channel not in INTERNAL_CHANNELS]
    if not report.usage.residents or not public:
        return (
            "Đẩy mạnh giới thiệu trợ lý ảo của phường trên loa truyền thanh, tại bộ phận một cửa "
            "và qua tổ dân phố để người dân biết và sử dụng."
        )
    if len(public) < 2:
        return None
    least = min(public, key=lambda u: (u.residents, u.channel))
    most = max(u.residents for u in public)
    if least.residents * 2 > most:
        return None
    return (
        f"Tăng cường giới thiệu kênh {text.channel_label(report, least.channel)} (mới có "
        f"{text.number(least.residents)} người dân sử dụng trong kỳ) trên loa truyền thanh, tại "
        "bộ phận một cửa và qua tổ dân phố."
    )


def _propose_delivery(report: Report) -> str | None:
    notices = report.announcements
    missed = sum(notices.total(n) for n in ("failed", "blocked", "undeliverable"))
    rate = text.share(missed, notices.total("recipients"))
    if rate is None or rate < UNDELIVERED_NOTABLE:
        return None
    return (
        f"Rà soát danh sách người nhận thông báo: {text.number(missed)} lượt "
        f"({text.percent(rate)}) chưa đến được người dân."
    )


def _propose_subscribers(report: Report) -> str | None:
    subs = report.subscribers
    if subs.lost <= subs.gained:
        return None
    return (
        "Xem lại nội dung và tần suất thông báo vì số người hủy đăng ký "
        f"({text.number(subs.lost)}) nhiều hơn số người đăng ký mới ({text.number(subs.gained)})."
    )


def _propose_outside_hours(report: Report) -> str | None:
    usage = report.usage
    rate = text.share(usage.outside_office_hours, usage.messages_in)
    if rate is None or rate < OUTSIDE_HOURS_NOTABLE:
        return None
    return (
        f"Duy trì trợ lý trả lời ngoài giờ hành chính: {text.percent(rate)} tin nhắn người dân "
        "gửi ngoài giờ làm việc."
    )


def _propose_top_entries(report: Report) -> str | None:
    if not report.top_entries:
        return None
    titles = ", ".join(f"“{e.title}”" for e in report.top_entries[:3])
    return (
        f"Tiếp tục tuyên truyền, hướng dẫn các nội dung người dân quan tâm nhiều nhất ({titles}) "
        "trên trang thông tin điện tử, nhóm Zalo và loa truyền thanh của phường."
    )


def _section_proposals(w: _Writer, report: Report) -> None:
    w.heading(HEADINGS[5])
    for words in proposals(report):
        w.para(f"- {words}")
