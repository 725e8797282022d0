"""Reading residents' words: shorthand only where written as shorthand, places in a message."""

from __future__ import annotations

import pytest

from content.normalize import load_lexicon, marked_tokens
from content.places import places_in


def test_marked_tokens_tell_words_written_with_diacritics() -> None:
    assert marked_tokens("Quán cà phê ca") == [
        ("quan", True),
        ("ca", True),
        ("phe", True),
        ("ca", False),
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("quán cà phê", "quan ca phe"),  # "cà" is a word
        ("ra ca lam cccd", "ra cong an lam can cuoc cong dan"),  # typed plain: shorthand
        ("hẻm 12 bị ngập", "hem 12 bi ngap"),
        ("hem biet nua", "khong biet nua"),
        # an everyday word typed plain is shorthand only beside the words it goes with
        ("rao lan qua ray ca phe nha toi", "rao lan qua ray ca phe nha toi"),
        ("gui qua ben do mat ca thang", "gui qua ben do mat ca thang"),
        ("bao ca phuong", "bao cong an phuong"),
        # a pair read as one word: "mai táng" is not "mái" nor "mai"
        ("bão tốc mái nhà", "bao toc mai nha"),
        ("tiền mai táng", "tien maitang"),
    ],
)
def test_shorthand_is_expanded_only_where_typed_plain(text: str, words: str) -> None:
    assert " ".join(load_lexicon().words(text)) == words


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("ở số 88 Hùng Vương", "số 88 Hùng Vương"),
        ("88 Hùng Vương nha", "88 Hùng Vương"),
        ("kiệt 15 Phan Đình Phùng", "kiệt 15 Phan Đình Phùng"),
        ("à nhầm, kiệt 17 chứ không phải 15", "kiệt 17"),
        ("đường Bà Triệu gần chợ", "đường Bà Triệu, gần chợ"),
        ("ngay cong sau truong THCS, duong Le Loi", "sau truong THCS, duong Le Loi"),
    ],
)
def test_places_with_a_house_number_and_street(text: str, place: str) -> None:
    assert places_in(text) == place


@pytest.mark.parametrize(
    "text",
    ["0905 123 456", "con tôi 13 tuổi", "Mới mua 2 Chiếc xe", "năm 2025 Tôi muốn", "đường sá xấu"],
)
def test_numbers_without_a_street_are_not_places(text: str) -> None:
    assert places_in(text) is None


@pytest.mark.parametrize(
    ("folded", "death"),
    [
        ("ong toi mat sang nay tai nha", True),
        ("chong toi mat o benh vien tinh", True),
        ("ba noi toi mat roi", True),
        ("me toi mat giay khai sinh", False),  # lost a paper
        ("em bi mat can cuoc", False),
        ("con toi bi mat xe", False),
    ],
)
def test_a_death_told_is_read_as_one(folded: str, death: bool) -> None:
    assert bool(load_lexicon().events_in(folded)) is death


@pytest.mark.parametrize(
    ("folded", "kept"),
    [
        ("con chua co can cuoc thi sao", "con chua co can cuoc thi sao"),  # có căn cước
        ("co can bo nao truc khong", "co can bo nao truc khong"),  # có cán bộ
        ("lam the co can mang gi khong", "lam the co khong"),  # có cần mang gì: a question
        ("co can lam khong", "lam khong"),  # có cần làm không
    ],
)
def test_a_question_phrase_does_not_break_a_subject(folded: str, kept: str) -> None:
    """ "có căn cước" folds to "co can cuoc", whose "co can" is also "có cần" (a question
    phrase the search drops): the subject keeps its words."""
    assert " ".join(load_lexicon().without_questions(folded.split())) == kept
