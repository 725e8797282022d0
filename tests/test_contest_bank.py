"""The contest's question bank in Excel: the template reads back, headers are matched with
tolerance, each bad row is named in Vietnamese, and the results workbook holds exactly the
finished attempts in rank order."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from bot.contests import bank
from db.contest_queries import GroupStanding, Standing
from db.models import Contest, ContestAttempt

HEADER = ["Câu hỏi", "Phương án A", "Phương án B", "Phương án C", "Phương án D", "Đáp án"]


def workbook(*rows: list[Any]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bank_error(data: bytes) -> str:
    with pytest.raises(bank.BankError) as caught:
        bank.read_questions(data)
    return str(caught.value)


def test_the_templates_sample_rows_are_never_imported() -> None:
    data = bank.template()
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == [*HEADER, "Giải thích"]
    assert sheet.freeze_panes == "A2"
    samples = [row for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]
    assert len(samples) == 3 and all(row[0].startswith("(Ví dụ) ") for row in samples)
    assert sheet["A2"].font.italic  # they look like samples too
    assert any("không bao giờ được nhập" in (row[0] or "") for row in book["Hướng dẫn"].values)
    # The template as downloaded imports nothing, and says why.
    assert "chỉ có các câu ví dụ" in bank_error(data)
    # Filled in below its samples: only the ward's questions.
    sheet.append(["Mã OTP có được đưa cho người khác?", "Có", "Không", None, None, "B", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    read = bank.read_bank(buffer.getvalue())
    assert [r.question for r in read.questions] == ["Mã OTP có được đưa cho người khác?"]
    assert read.samples == 3


def test_samples_of_a_template_downloaded_before_the_mark_are_skipped_too() -> None:
    unmarked = [list(example) for example in bank.EXAMPLES]  # as the older template had them
    mine = ["Địa chỉ Cổng Dịch vụ công quốc gia?", "a.vn", "dichvucong.gov.vn", None, None, "B"]
    rows = bank.read_bank(workbook([*HEADER, "Giải thích"], *unmarked, [*mine, ""]))
    assert [r.question for r in rows.questions] == [mine[0]] and rows.samples == 3
    marked = workbook(HEADER, ["[ví dụ] Câu mẫu?", "a", "b", None, None, "A"], mine)
    assert [r.question for r in bank.read_questions(marked)] == [mine[0]]


def test_headers_are_matched_whatever_their_case_diacritics_spaces_or_order() -> None:
    decomposed = unicodedata.normalize("NFD", "Chuyển đổi số là gì?")  # typed on a Mac
    data = workbook(
        ["Bộ câu hỏi cuộc thi tìm hiểu chuyển đổi số"],
        [],
        ["  dap an ", "GIẢI  THÍCH", "Cau hoi", "phương án b", "Phương án A (bắt buộc)"],
        ["b.", "Vì sao", decomposed, "Đúng", "Sai"],
        [None, None, None, None, None],
        ["Phương án A", None, "Năm nào có Đề án 06?", 2022, 2021],
    )
    rows = bank.read_questions(data)
    assert rows == [
        bank.QuestionRow("Chuyển đổi số là gì?", ("Sai", "Đúng"), 2, "Vì sao"),
        bank.QuestionRow("Năm nào có Đề án 06?", ("2021", "2022"), 1, ""),
    ]
    assert rows[0].question == unicodedata.normalize("NFC", rows[0].question)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["", "Có", "Không", "", "", "A"], "Dòng 3: thiếu nội dung câu hỏi."),
        (["Hỏi?", "Có", "", "", "", "A"], "Dòng 3: cần ít nhất hai phương án (A và B)."),
        (
            ["Hỏi?", "Có", "Không", "", "", "D"],
            "Dòng 3: đáp án là D nhưng Phương án D đang để trống.",
        ),
        (
            ["Hỏi?", "Có", "Không", "", "", "E"],
            "Dòng 3: đáp án “E” không hợp lệ: ghi một chữ A, B, C hoặc D.",
        ),
        (
            ["Hỏi?", "Có", "Không", "", "", ""],
            "Dòng 3: thiếu đáp án (ghi một chữ A, B, C hoặc D).",
        ),
        (
            ["Hỏi?", "Có", "Không", "", "Có thể", "A"],
            "Dòng 3: có Phương án D nhưng để trống Phương án C.",
        ),
        (["Hỏi?", "Có", "có ", "", "", "A"], "Dòng 3: Phương án A và B giống nhau."),
        (["H" * 1001, "Có", "Không", "", "", "A"], "Dòng 3: câu hỏi dài quá 1000 ký tự."),
    ],
)
def test_a_bad_row_is_named_with_its_problem(row: list[Any], message: str) -> None:
    good = ["Câu đúng?", "Đúng", "Sai", None, None, "A"]
    assert bank_error(workbook(HEADER, good, row, good)) == message


def test_files_that_are_not_a_usable_xlsx_get_a_kind_message() -> None:
    assert bank_error(b"") == bank.NOT_XLSX
    assert bank_error("Câu hỏi;Đáp án\n".encode()) == bank.NOT_XLSX  # a CSV renamed .xlsx
    assert bank_error(bank.OLE_MAGIC + b"\x00" * 100) == bank.OLD_XLS
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")  # a zip, but no workbook inside
    assert bank_error(archive.getvalue()) == bank.UNREADABLE
    assert "Không tìm thấy dòng tiêu đề" in bank_error(workbook(["Câu", "Trả lời"], ["a", "b"]))
    assert (
        bank_error(workbook(["Câu hỏi", "Phương án A", "Đáp án"], ["Hỏi?", "Có", "A"]))
        == "Dòng tiêu đề (dòng 1) thiếu cột “Phương án B”."
    )
    assert bank_error(workbook(HEADER, [None] * 6)) == "Tệp chưa có câu hỏi nào dưới dòng tiêu đề."


def test_file_names_other_than_xlsx_are_explained() -> None:
    bank.check_filename("Bo cau hoi.XLSX")
    for name, start in (
        ("cau-hoi.xls", "Tệp .xls (Excel 97-2003)"),
        ("cau-hoi.csv", "Tệp “cau-hoi.csv”"),
    ):
        with pytest.raises(bank.BankError) as caught:
            bank.check_filename(name)
        assert str(caught.value).startswith(start) and str(caught.value).endswith(bank.SAVE_AS)


def test_the_form_uses_the_same_rules_with_sentence_case_messages() -> None:
    row = bank.make_question(" Hỏi  gì? ", ["Một", "Hai", "Ba", ""], "c", "  ")
    assert row == bank.QuestionRow("Hỏi gì?", ("Một", "Hai", "Ba"), 3, "")
    with pytest.raises(bank.BankError, match=r"^Thiếu nội dung câu hỏi\.$"):
        bank.make_question("", ["Một", "Hai"], "A")
    with pytest.raises(bank.BankError, match=r"^Cần ít nhất hai phương án"):
        bank.make_question("Hỏi?", ["Một", ""], "A")


# --- the results workbook --------------------------------------------------------------------

START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 08:00 in Vietnam


def attempt(name: str, affiliation: str | None, score: int, seconds: float | None, **kw: Any):
    finished = None if seconds is None else START + timedelta(minutes=10, seconds=seconds)
    return ContestAttempt(
        contest_id=1,
        learner_id=kw.get("learner_id", 1),
        channel=kw.get("channel", "web"),
        name=name,
        affiliation=affiliation,
        score=score,
        total=5,
        started_at=START + timedelta(minutes=10),
        finished_at=finished,
        seconds=seconds,
    )


def standing(a: ContestAttempt) -> Standing:
    return Standing(
        a.name or "",
        a.affiliation,
        a.score,
        a.total,
        a.seconds,
        a.channel,
        certificate=a.certificate,
    )


def test_the_results_hold_the_finished_attempts_in_rank_order() -> None:
    contest = Contest(
        id=1,
        title="Tìm hiểu chuyển đổi số 2026",
        starts_at=START,
        ends_at=START + timedelta(days=7),
        pass_percent=80,
    )
    ranked = [
        attempt("Trần Thị Bình", "Trường THCS Lê Lợi", 5, 95.54, channel="telegram"),
        attempt("Nguyễn Văn An", "Chi đoàn TDP 1", 5, 200.0),
        attempt("Nguyễn Văn An", "Chi đoàn TDP 1", 3, 60.0, channel="zalo_bot"),  # a namesake
    ]
    ranked[0].certificate, ranked[1].certificate = "tok-binh-12345678", "tok-an-123456789"
    unfinished = attempt("Lê Văn Chưa", "Chi đoàn TDP 1", 0, None)
    groups = [
        GroupStanding("Trường THCS Lê Lợi", 1, 5.0, 5),
        GroupStanding("Chi đoàn TDP 1", 2, 4.0, 5),
    ]
    data = bank.export_results(
        contest,
        [standing(a) for a in ranked],
        groups,
        [ranked[2], unfinished, ranked[0], ranked[1]],  # any order: matched to the standings
        channel_names={"web": "Website", "telegram": "Telegram", "zalo_bot": "Zalo Bot"},
        public_url="https://ward.example.vn",
    )
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Xếp hạng cá nhân", "Theo đơn vị"]
    people = book["Xếp hạng cá nhân"]
    assert people["A1"].value == "Kết quả cuộc thi “Tìm hiểu chuyển đổi số 2026”"
    assert "01/12/2026 08:00" in people["A2"].value
    assert [c.value for c in people[3]] == list(bank.PERSON_HEADERS)
    assert people.freeze_panes == "A4"
    rows = [[c.value for c in row] for row in people.iter_rows(min_row=4)]
    assert [r[:5] for r in rows] == [
        [1, "Trần Thị Bình", "Trường THCS Lê Lợi", 5, 5],
        [2, "Nguyễn Văn An", "Chi đoàn TDP 1", 5, 5],
        [3, "Nguyễn Văn An", "Chi đoàn TDP 1", 3, 5],
    ]
    assert [r[5:8] for r in rows] == [
        [1.0, 95.5, "Telegram"],
        [1.0, 200.0, "Website"],
        [0.6, 60.0, "Zalo Bot"],
    ]
    # Vietnam's wall clock, without a time zone (Excel has none): 08:10 start, +seconds.
    assert rows[2][8] == datetime(2026, 12, 1, 8, 10) and rows[2][9] == datetime(
        2026, 12, 1, 8, 11
    )
    # Passed (80%: 4 of 5) or not, and each certificate as a link Excel opens.
    assert [r[11:13] for r in rows] == [
        ["Đạt", "https://ward.example.vn/chung-nhan/tok-binh-12345678.png"],
        ["Đạt", "https://ward.example.vn/chung-nhan/tok-an-123456789.png"],
        ["Chưa đạt", None],
    ]
    assert people["M4"].hyperlink.target == rows[0][12]
    assert "đạt khi đúng từ 80% số câu" in people["A2"].value
    assert people["F4"].number_format == "0.0%" and people["I4"].number_format == bank.DATETIME
    assert people.column_dimensions["B"].width == 28
    by_group = book["Theo đơn vị"]
    assert [c.value for c in by_group[3]] == list(bank.GROUP_HEADERS)
    assert [[c.value for c in row] for row in by_group.iter_rows(min_row=4)] == [
        ["Trường THCS Lê Lợi", 1, 5.0, 5],
        ["Chi đoàn TDP 1", 2, 4.0, 5],
    ]
    assert by_group["C4"].number_format == "0.00" and by_group.freeze_panes == "A4"


def test_results_without_participants_say_so() -> None:
    contest = Contest(
        id=2, title="Chưa ai thi", starts_at=START, ends_at=START + timedelta(days=1)
    )
    book = load_workbook(io.BytesIO(bank.export_results(contest, [], [], [])))
    assert book["Xếp hạng cá nhân"]["A4"].value == "chưa có số liệu"
    assert book["Theo đơn vị"]["A4"].value == "chưa có số liệu"


def test_a_sheet_longer_than_any_bank_is_refused_while_it_is_read() -> None:
    notes = [[None] * 9 + ["ghi chú"] for _ in range(bank.MAX_ROWS + 50)]
    message = bank_error(workbook(HEADER, *notes))
    assert "quá nhiều ô hoặc dòng" in message


def test_an_archive_that_unpacks_to_far_more_than_a_bank_is_refused_unread() -> None:
    data = io.BytesIO(workbook(HEADER, ["Câu 1?", "a", "b", "c", "d", "A"]))
    with zipfile.ZipFile(data, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (bank.MAX_UNPACKED + 1))
    assert len(data.getvalue()) < 200_000  # small on the wire: a zip bomb in miniature
    assert "quá nhiều ô hoặc dòng" in bank_error(data.getvalue())
