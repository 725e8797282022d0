"""A contest's question bank in Excel, and its results out to Excel (openpyxl; no web here).

Import (`read_questions`): the first sheet, a header row (found in the first rows, so a title
above it is fine) with "Câu hỏi", "Phương án A" … "Phương án D", "Đáp án" (a letter A–D) and
"Giải thích". Headers are matched ignoring case, diacritics, extra spaces and anything in
brackets; C, D and the explanation are optional. One bad row rejects the whole file, with a
message naming the row, so staff fix the sheet and upload it again. The template's sample rows
(marked "(Ví dụ)", or the samples as older templates had them) are never imported.

Export (`export_results`): like the report workbook, every sheet has its title in A1, a line
about the contest in A2, its header on row 3 (frozen below it) and data from row 4.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
import zipfile
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from typing import TYPE_CHECKING, Any

from bot.contests.certificate import ROUTE as CERTIFICATE_ROUTE
from bot.report import text
from bot.safe_cells import put_text
from db.contest_queries import GroupStanding, Standing, passes
from db.models import Contest, ContestAttempt

if TYPE_CHECKING:  # openpyxl loads when a file is read or written, not with the console
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

LETTERS = "ABCD"
MIN_OPTIONS = 2
MAX_QUESTIONS = 500
MAX_QUESTION, MAX_OPTION, MAX_EXPLANATION = 1000, 300, 1000
HEADER_SEARCH_ROWS = 10  # a title or a note may sit above the header row
# What a bank of MAX_QUESTIONS may hold, read before and while the sheet is parsed: a crafted
# workbook of millions of cells is refused in milliseconds instead of parsed for a minute.
MAX_ROWS = MAX_QUESTIONS + HEADER_SEARCH_ROWS + 500  # room for blank rows between questions
MAX_COLUMNS = 20  # the template has 8; notes beside them are allowed
MAX_UNPACKED = 16 * 1024 * 1024  # bytes of XML inside the .xlsx (a full bank is ~2 MB)
TOO_BIG = (
    "Tệp có quá nhiều ô hoặc dòng để là một bộ câu hỏi (tối đa {n} câu). Hãy dùng tệp mẫu, "
    "xóa các trang tính và dòng không cần thiết rồi tải lên lại."
)

ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx is a zip archive
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old .xls (Excel 97-2003)
SAVE_AS = (
    "Hãy mở tệp bằng Excel rồi chọn “Lưu thành” → “Sổ làm việc Excel (*.xlsx)”, "
    "sau đó tải lên lại."
)
NOT_XLSX = f"Tệp này không phải tệp Excel .xlsx. {SAVE_AS}"
OLD_XLS = f"Tệp .xls (Excel 97-2003) chưa đọc được. {SAVE_AS}"
UNREADABLE = (
    "Không đọc được tệp Excel này (tệp hỏng hoặc có mật khẩu). Hãy lưu lại rồi thử lần nữa."
)

QUESTION, ANSWER, EXPLANATION = "question", "answer", "explanation"
HEADERS = {  # field -> the header staff see in the template
    QUESTION: "Câu hỏi",
    **{letter: f"Phương án {letter}" for letter in LETTERS},
    ANSWER: "Đáp án",
    EXPLANATION: "Giải thích",
}
ALIASES = {  # other ways staff write the same header (already normalised by _key)
    "noi dung cau hoi": QUESTION,
    "dap an dung": ANSWER,
    "phuong an dung": ANSWER,
    "giai thich dap an": EXPLANATION,
    **{f"lua chon {letter.lower()}": letter for letter in LETTERS},
}
REQUIRED = (QUESTION, "A", "B", ANSWER)

# the look of bot/report/workbook.py (bot/xlsx_look.py)
INTEGER, PERCENT, DECIMAL, DECIMAL2 = "#,##0", "0.0%", "0.0", "0.00"
DATETIME = "dd/mm/yyyy hh:mm:ss"
HEADER_ROW = 3

PERSON_SHEET, GROUP_SHEET = "Xếp hạng cá nhân", "Theo đơn vị"
PERSON_HEADERS = (
    "Hạng",
    "Họ tên",
    "Đơn vị",
    "Điểm",
    "Số câu",
    "Tỷ lệ",
    "Thời gian (giây)",
    "Kênh",
    "Bắt đầu",
    "Hoàn thành",
    "Lưu ý",
    "Kết quả",
    "Giấy chứng nhận",
)
PERSON_FORMATS = (
    INTEGER,
    None,
    None,
    INTEGER,
    INTEGER,
    PERCENT,
    DECIMAL,
    None,
    DATETIME,
    DATETIME,
    None,
    None,
    None,
)
PERSON_WIDTHS = (7, 28, 30, 8, 8, 9, 15, 12, 20, 20, 36, 11, 60)
PASSED, NOT_PASSED = "Đạt", "Chưa đạt"
GROUP_HEADERS = ("Đơn vị", "Số người dự thi", "Điểm trung bình", "Điểm cao nhất")
GROUP_FORMATS = (None, INTEGER, DECIMAL2, INTEGER)
GROUP_WIDTHS = (40, 16, 16, 14)


class BankError(ValueError):
    """A question bank that cannot be used, with a message for staff (Vietnamese)."""


@dataclass(frozen=True)
class QuestionRow:
    """One question ready to store: `answer` counts `options` from 1."""

    question: str
    options: tuple[str, ...]
    answer: int
    explanation: str = ""

    @property
    def answer_letter(self) -> str:
        return LETTERS[self.answer - 1]


# --- one question, from a sheet row or the console's form ------------------------------------


def _clean(value: Any) -> str:
    """A cell or form value as tidy text: 2.0 -> "2", NFC (text typed on a Mac comes
    decomposed), no stray spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = f"{value:%d/%m/%Y}"
    cleaned = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n")
    return re.sub(r"[ \t\u00a0]+", " ", cleaned).strip()


def _fail(where: str, problem: str) -> BankError:
    """ "Dòng 5: thiếu …" for a sheet row; "Thiếu …" for the form."""
    return BankError(f"{where}: {problem}" if where else problem[:1].upper() + problem[1:])


def _answer_letter(raw: str, where: str) -> str:
    """ "B", "b", "B.", "Phương án B" -> "B"."""
    if not raw:
        raise _fail(where, "thiếu đáp án (ghi một chữ A, B, C hoặc D).")
    letter = re.sub(r"^(phương án|đáp án)\s*", "", raw.lower()).strip(" .):").upper()
    if len(letter) != 1 or letter not in LETTERS:
        raise _fail(where, f"đáp án “{raw}” không hợp lệ: ghi một chữ A, B, C hoặc D.")
    return letter


def _check_lengths(question: str, options: Sequence[str], explanation: str, where: str) -> None:
    if len(question) > MAX_QUESTION:
        raise _fail(where, f"câu hỏi dài quá {MAX_QUESTION} ký tự.")
    for letter, option in zip(LETTERS, options, strict=False):
        if len(option) > MAX_OPTION:
            raise _fail(where, f"Phương án {letter} dài quá {MAX_OPTION} ký tự.")
    if len(explanation) > MAX_EXPLANATION:
        raise _fail(where, f"phần giải thích dài quá {MAX_EXPLANATION} ký tự.")


def _given_options(raw: Sequence[Any], where: str) -> tuple[str, ...]:
    """A, B, then C and D if given; a gap (D without C) would shift the letters staff see."""
    options = [_clean(o) for o in raw][: len(LETTERS)]
    while options and not options[-1]:
        options.pop()
    if len(options) < MIN_OPTIONS or not all(options[:MIN_OPTIONS]):
        raise _fail(where, "cần ít nhất hai phương án (A và B).")
    for index, option in enumerate(options):
        if not option:
            later = LETTERS[len(options) - 1]
            raise _fail(where, f"có Phương án {later} nhưng để trống Phương án {LETTERS[index]}.")
    seen: dict[str, str] = {}
    for letter, option in zip(LETTERS, options, strict=False):
        if option.casefold() in seen:
            raise _fail(where, f"Phương án {seen[option.casefold()]} và {letter} giống nhau.")
        seen[option.casefold()] = letter
    return tuple(options)


def make_question(
    question: Any, options: Sequence[Any], answer: Any, explanation: Any = "", where: str = ""
) -> QuestionRow:
    """Check one question (the same rules for a sheet row and the console's form); `options`
    are A..D in order, `answer` the right letter. `where` ("Dòng 5") prefixes the message."""
    text_ = _clean(question)
    if not text_:
        raise _fail(where, "thiếu nội dung câu hỏi.")
    given = _given_options(options, where)
    letter = _answer_letter(_clean(answer), where)
    if LETTERS.index(letter) >= len(given):
        raise _fail(where, f"đáp án là {letter} nhưng Phương án {letter} đang để trống.")
    note = _clean(explanation)
    _check_lengths(text_, given, note, where)
    return QuestionRow(text_, given, LETTERS.index(letter) + 1, note)


# --- reading a sheet -------------------------------------------------------------------------


def _key(header: Any) -> str:
    """ "  Phương  án A (bắt buộc) " -> "phuong an a": no case, diacritics or brackets."""
    plain = re.sub(r"\(.*?\)|\[.*?\]", " ", _clean(header)).replace("đ", "d").replace("Đ", "D")
    plain = "".join(c for c in unicodedata.normalize("NFD", plain) if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", " ", plain.lower()).strip()


KEYS = {_key(label): field for field, label in HEADERS.items()} | ALIASES


def _columns(row: Sequence[Any]) -> dict[str, int]:
    """Field -> column index for a header row (the first column wins a repeated header)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(row):
        field = KEYS.get(_key(cell))
        if field and field not in found:
            found[field] = index
    return found


def check_filename(filename: str) -> None:
    """An uploaded file's name must end in .xlsx; .xls and others get a kind explanation."""
    name = filename.strip().lower()
    if name.endswith(".xls"):
        raise BankError(OLD_XLS)
    if not name.endswith((".xlsx", ".xlsm")):
        raise BankError(f"Tệp “{filename.strip()[:80]}” không phải tệp Excel .xlsx. {SAVE_AS}")


def _unpacked_size(data: bytes) -> int:
    """The bytes the archive's parts hold once unpacked (as its directory declares them; a
    part that unpacks to more than declared fails its check when read)."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError) as exc:
        raise BankError(UNREADABLE) from exc


def _open(data: bytes) -> Worksheet:
    if data.startswith(OLE_MAGIC):
        raise BankError(OLD_XLS)
    if not data.startswith(ZIP_MAGIC):
        raise BankError(NOT_XLSX)
    if _unpacked_size(data) > MAX_UNPACKED:
        raise BankError(TOO_BIG.format(n=MAX_QUESTIONS))
    from openpyxl import load_workbook

    try:  # streamed: rows are read one by one, never all held at once
        book = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a damaged zip fails in many ways; all mean "cannot read"
        raise BankError(UNREADABLE) from exc
    if not book.worksheets:
        raise BankError(UNREADABLE)
    return book.worksheets[0]


def _rows(sheet: Worksheet) -> Iterator[tuple[Any, ...]]:
    """The sheet's rows (at most MAX_COLUMNS cells each); BankError past MAX_ROWS."""
    try:
        for number, row in enumerate(
            sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), start=1
        ):
            if number > MAX_ROWS:
                raise BankError(TOO_BIG.format(n=MAX_QUESTIONS))
            yield row
    except BankError:
        raise
    except (zipfile.BadZipFile, ValueError, KeyError, OSError) as exc:
        raise BankError(UNREADABLE) from exc


def _header(rows: list[tuple[Any, ...]]) -> tuple[int, dict[str, int]]:
    """The header row's number (from 1) and its columns."""
    for number, row in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        columns = _columns(row)
        if QUESTION in columns and ANSWER in columns:
            missing = [HEADERS[field] for field in REQUIRED if field not in columns]
            if missing:
                names = ", ".join(f"“{name}”" for name in missing)
                raise BankError(f"Dòng tiêu đề (dòng {number}) thiếu cột {names}.")
            return number, columns
    raise BankError(
        "Không tìm thấy dòng tiêu đề có cột “Câu hỏi” và “Đáp án” ở đầu trang tính thứ nhất. "
        "Hãy dùng tệp mẫu tải từ trang cuộc thi."
    )


def _cell(row: Sequence[Any], columns: Mapping[str, int], field: str) -> Any:
    index = columns.get(field)
    return row[index] if index is not None and index < len(row) else None


@dataclass(frozen=True)
class ReadBank:
    """An uploaded bank: its questions, and how many of the template's samples were left out."""

    questions: list[QuestionRow]
    samples: int = 0


def read_questions(data: bytes) -> list[QuestionRow]:
    """The questions of an uploaded workbook, in sheet order (see `read_bank`)."""
    return read_bank(data).questions


def read_bank(data: bytes) -> ReadBank:
    """The questions of an uploaded workbook, in sheet order; BankError names the first bad
    row. Empty rows and the template's sample rows are skipped."""
    sheet = _open(data)
    try:
        return _questions(_rows(sheet))
    finally:
        sheet.parent.close()  # a streamed workbook keeps its archive open until closed


SAMPLE_MARK = "(Ví dụ) "  # starts each sample question of the template
_SAMPLE = re.compile(r"^\s*[(\[]\s*vi du\s*[)\]]")


def _plain(value: Any) -> str:
    """Lower case without diacritics ("Ví dụ" -> "vi du")."""
    folded = _clean(value).replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", folded)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def is_sample(question: Any) -> bool:
    """A sample row of the template: marked "(Ví dụ)", or one of the samples word for word
    (templates downloaded before the mark was added still carry them unmarked)."""
    plain = _plain(question)
    return bool(_SAMPLE.match(plain)) or plain in _SAMPLE_QUESTIONS


def _questions(rows: Iterator[tuple[Any, ...]]) -> ReadBank:
    top = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    header_number, columns = _header(top)
    questions: list[QuestionRow] = []
    samples = 0
    below = itertools.chain(top[header_number:], rows)
    for number, row in enumerate(below, start=header_number + 1):
        fields = [QUESTION, *LETTERS, ANSWER, EXPLANATION]
        if not any(_clean(_cell(row, columns, field)) for field in fields):
            continue
        if is_sample(_cell(row, columns, QUESTION)):
            samples += 1
            continue
        questions.append(
            make_question(
                _cell(row, columns, QUESTION),
                [_cell(row, columns, letter) for letter in LETTERS],
                _cell(row, columns, ANSWER),
                _cell(row, columns, EXPLANATION),
                where=f"Dòng {number}",
            )
        )
        if len(questions) > MAX_QUESTIONS:
            raise BankError(f"Tệp có hơn {MAX_QUESTIONS} câu hỏi; hãy chia nhỏ bộ câu hỏi.")
    if not questions and samples:
        raise BankError(
            "Tệp chỉ có các câu ví dụ của tệp mẫu, mà câu ví dụ không bao giờ được nhập. Hãy "
            "thêm câu hỏi của phường vào các dòng bên dưới rồi tải lên lại."
        )
    if not questions:
        raise BankError("Tệp chưa có câu hỏi nào dưới dòng tiêu đề.")
    return ReadBank(questions, samples)


# --- the template staff fill in --------------------------------------------------------------

EXAMPLES = (
    (
        "Ứng dụng nào dùng để định danh và xác thực điện tử cho công dân Việt Nam?",
        "VNeID",
        "Zalo",
        "Facebook",
        "YouTube",
        "A",
        "VNeID do Bộ Công an phát triển; tài khoản mức 2 dùng thay giấy tờ khi làm thủ tục.",
    ),
    (
        "Địa chỉ của Cổng Dịch vụ công quốc gia là gì?",
        "dichvucong.vn",
        "dichvucong.gov.vn",
        "congdichvu.com",
        None,
        "B",
        "Chỉ dùng địa chỉ có đuôi .gov.vn để tránh trang giả mạo.",
    ),
    (
        "Có người gọi điện xưng là cán bộ, đề nghị đọc mã OTP vừa nhận. Bạn nên làm gì?",
        "Đọc ngay mã OTP",
        "Không cung cấp, báo cho người thân hoặc công an phường",
        None,
        None,
        "B",
        "Cơ quan nhà nước và ngân hàng không bao giờ hỏi mã OTP.",
    ),
)
GUIDE = (
    "Cách điền bộ câu hỏi",
    "• Mỗi dòng ở trang “Câu hỏi” là một câu; giữ nguyên dòng tiêu đề.",
    "• Bắt buộc: Câu hỏi, Phương án A, Phương án B và Đáp án.",
    "• Phương án C, D không bắt buộc (điền C trước rồi mới đến D).",
    "• Đáp án ghi một chữ: A, B, C hoặc D, đúng với một phương án đã điền.",
    "• Giải thích không bắt buộc; người dự thi xem khi trả lời sai.",
    "• Các dòng chữ nghiêng bắt đầu bằng “(Ví dụ)” chỉ để xem cách điền: chúng không bao giờ "
    "được nhập, có thể để nguyên hoặc xóa.",
    "• Lưu tệp dạng .xlsx rồi tải lên trang cuộc thi.",
)
_SAMPLE_QUESTIONS = frozenset(_plain(example[0]) for example in EXAMPLES)


def template() -> bytes:
    """An example workbook: the header row, three example questions and a short guide."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    from bot import xlsx_look as look

    book = Workbook()
    sheet = book.active
    sheet.title = "Câu hỏi"
    headers = list(HEADERS.values())
    _header_row(sheet, 1, headers)
    for question, *rest in EXAMPLES:
        sheet.append([SAMPLE_MARK + question, *rest])
    sample_font = Font(italic=True, color="6B6B6B")
    for row in sheet.iter_rows(min_row=2, max_row=1 + len(EXAMPLES)):
        for cell in row:
            cell.alignment, cell.font = look.WRAP, sample_font
    _widths(sheet, (50, 26, 26, 26, 26, 10, 44))
    sheet.freeze_panes = "A2"
    letters = DataValidation(type="list", formula1='"A,B,C,D"', allow_blank=True)
    letters.error, letters.errorTitle = "Ghi một chữ A, B, C hoặc D.", "Đáp án"
    sheet.add_data_validation(letters)
    column = get_column_letter(headers.index(HEADERS[ANSWER]) + 1)
    letters.add(f"{column}2:{column}{MAX_QUESTIONS + 1}")
    guide = book.create_sheet("Hướng dẫn")
    for line in GUIDE:
        guide.append([line])
    guide["A1"].font = look.TITLE_FONT
    guide.column_dimensions["A"].width = 90
    return _save(book)


# --- the results -----------------------------------------------------------------------------


def _header_row(sheet: Worksheet, row: int, labels: Sequence[str]) -> None:
    from bot import xlsx_look as look

    for column, label in enumerate(labels, start=1):
        cell = sheet.cell(row, column, label)
        cell.font, cell.fill, cell.alignment = look.BOLD, look.HEADER_FILL, look.HEADER_ALIGN


def _widths(sheet: Worksheet, widths: Iterable[float]) -> None:
    from openpyxl.utils import get_column_letter

    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width


def _save(book: Workbook) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _naive_local(moment: datetime | None) -> datetime | None:
    """Excel has no time zones: the ward's wall-clock time."""
    return text.local(moment).replace(tzinfo=None) if moment else None


def _key_of(item: Standing | ContestAttempt) -> tuple[Any, ...]:
    return (item.name, item.affiliation, item.score, item.total, item.seconds, item.channel)


def _paired(
    standings: Sequence[Standing], attempts: Sequence[ContestAttempt]
) -> list[ContestAttempt | None]:
    """The finished attempt behind each standing (a Standing carries no id), so each row
    gets its start and finish times; equal rows are matched in order."""
    pool: dict[tuple[Any, ...], deque[ContestAttempt]] = defaultdict(deque)
    for attempt in attempts:
        if attempt.finished_at is not None:
            pool[_key_of(attempt)].append(attempt)
    return [pool[_key_of(s)].popleft() if pool[_key_of(s)] else None for s in standings]


def _table(
    sheet: Worksheet,
    title: str,
    subtitle: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    formats: Sequence[str | None],
    widths: Sequence[float],
) -> None:
    from bot import xlsx_look as look

    put_text(sheet["A1"], title).font = look.TITLE_FONT  # the contest's title, as staff typed it
    put_text(sheet["A2"], subtitle)
    _header_row(sheet, HEADER_ROW, headers)
    if not rows:
        sheet.cell(HEADER_ROW + 1, 1, text.MISSING)
    for offset, values in enumerate(rows, start=1):
        for column, (value, fmt) in enumerate(zip(values, formats, strict=True), start=1):
            cell = put_text(sheet.cell(HEADER_ROW + offset, column), value)
            if fmt and value is not None:
                cell.number_format = fmt
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    _widths(sheet, widths)


def _pass_percent(contest: Contest) -> int:
    """The contest's pass mark; the model's default for one never stored (it applies on
    insert)."""
    if contest.pass_percent is not None:
        return contest.pass_percent
    return int(Contest.__table__.c["pass_percent"].default.arg)


def certificate_link(token: str | None, public_url: str | None) -> str | None:
    """Where a participant's certificate opens: the full address where the server has a
    public URL, else its path on the server."""
    if not token:
        return None
    path = CERTIFICATE_ROUTE.format(token=token)
    return f"{public_url.rstrip('/')}{path}" if public_url else path


def _person_rows(
    contest: Contest,
    standings: Sequence[Standing],
    attempts: Sequence[ContestAttempt],
    channel_names: Mapping[str, str],
    public_url: str | None,
) -> list[tuple[Any, ...]]:
    rows, mark = [], _pass_percent(contest)
    for rank, (standing, attempt) in enumerate(
        zip(standings, _paired(standings, attempts), strict=True), start=1
    ):
        rows.append(
            (
                rank,
                standing.name or "",
                standing.affiliation,
                standing.score,
                standing.total,
                standing.score / standing.total if standing.total else None,
                round(standing.seconds, 1) if standing.seconds is not None else None,
                channel_names.get(standing.channel, standing.channel),
                _naive_local(attempt.started_at) if attempt else None,
                _naive_local(attempt.finished_at) if attempt else None,
                "; ".join(standing.flags) or None,
                PASSED if passes(standing.score, standing.total, mark) else NOT_PASSED,
                certificate_link(standing.certificate, public_url),
            )
        )
    return rows


def _link_certificates(sheet: Worksheet, count: int) -> None:
    """The certificate column's web addresses become links Excel opens with a click."""
    column = PERSON_HEADERS.index("Giấy chứng nhận") + 1
    for row in range(HEADER_ROW + 1, HEADER_ROW + 1 + count):
        cell = sheet.cell(row, column)
        if isinstance(cell.value, str) and cell.value.startswith(("https://", "http://")):
            cell.hyperlink = cell.value
            cell.style = "Hyperlink"


def export_results(
    contest: Contest,
    standings: Sequence[Standing],
    groups: Sequence[GroupStanding],
    attempts: Sequence[ContestAttempt],
    *,
    channel_names: Mapping[str, str] | None = None,
    now: datetime | None = None,
    public_url: str | None = None,
) -> bytes:
    """The results workbook. `standings` are the ranked finished attempts (all of them, in
    leaderboard order), `groups` the affiliation table, `attempts` the contest's attempts
    (for start and finish times; unfinished ones are left out). Each person's row says
    whether they passed and links their certificate (absolute with `public_url`)."""
    from openpyxl import Workbook

    book = Workbook()
    people = book.active
    people.title = PERSON_SHEET
    window = f"{text.moment_text(contest.starts_at)} – {text.moment_text(contest.ends_at)}"
    made = f"; lập lúc {text.moment_text(now)}" if now else ""
    subtitle = f"Thời gian thi: {window}{made}"
    rows = _person_rows(contest, standings, attempts, channel_names or {}, public_url)
    title = f"Kết quả cuộc thi “{contest.title}”"
    pass_mark = f"; đạt khi đúng từ {_pass_percent(contest)}% số câu"
    _table(
        people, title, subtitle + pass_mark, PERSON_HEADERS, rows, PERSON_FORMATS, PERSON_WIDTHS
    )
    _link_certificates(people, len(rows))
    group_rows = [(g.affiliation, g.participants, g.average, g.best) for g in groups]
    _table(
        book.create_sheet(GROUP_SHEET),
        f"Kết quả theo đơn vị – {contest.title}",
        subtitle,
        GROUP_HEADERS,
        group_rows,
        GROUP_FORMATS,
        GROUP_WIDTHS,
    )
    book.properties.title = title
    return _save(book)
