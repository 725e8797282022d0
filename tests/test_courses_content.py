"""The "Bình dân học vụ số" courses: they load, are well formed, and quote no unknown number."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from pydantic import BaseModel

from content.loader import Catalogue, load_catalogue
from content.models import Course

COURSES = {
    "kich-hoat-vneid-muc-2",
    "nop-ho-so-truc-tuyen",
    "thanh-toan-qr",
    "nhan-dien-lua-dao",
    "vneid-thay-the-bhyt",
}

# Every phone number a course may show: the national lines with a source in the catalogue.
ALLOWED_NUMBERS = {"113", "114", "115", "112", "111", "19000368", "18001096"}

# Text that contains digits but is not a phone number, removed before scanning.
_NOT_A_NUMBER = [
    re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b"),  # a date: 01/6/2025
    re.compile(r"\b\d+/(?:\d{4}/)?[A-ZĐ][A-ZĐa-z-]*"),  # a document: 69/2024/NĐ-CP, 931/BYT-BH
    re.compile(r"\b\d+/\d{4}\b"),  # a month or a document: 02/2024, Nghị định 120/2025
    re.compile(r"\b6 chữ số\b"),  # the VNeID passcode
]
# Digits, possibly grouped by single dots or spaces as phone numbers are written: 1900.0368.
_DIGIT_RUN = re.compile(r"\d+(?:[. ]\d+)*")
_YEAR = re.compile(r"(?:19|20)\d{2}")  # a run that is only a year: "năm 2022"


def unknown_numbers(text: str) -> list[str]:
    """The runs of three or more digits in ``text`` that are not an allowed phone number."""
    for pattern in _NOT_A_NUMBER:
        text = pattern.sub(" ", text)
    found = []
    for run in _DIGIT_RUN.findall(text):
        digits = re.sub(r"\D", "", run)
        if len(digits) >= 3 and digits not in ALLOWED_NUMBERS and not _YEAR.fullmatch(run):
            found.append(run)
    return found


def _strings(value: object) -> Iterator[str]:
    """Every string inside a model, recursively (URLs are not strings and are skipped)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseModel):
        for field in value.__dict__.values():
            yield from _strings(field)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def courses(catalogue: Catalogue) -> list[Course]:
    return list(catalogue.courses.values())


def test_the_five_first_courses_load(catalogue: Catalogue) -> None:
    assert set(catalogue.courses) >= COURSES


def test_every_course_has_a_few_steps_and_checks(courses: list[Course]) -> None:
    for course in courses:
        assert 2 <= len(course.steps) <= 12, course.id
        assert 1 <= len(course.checks) <= 3, course.id
        assert 1 <= course.minutes <= 30, course.id
        assert all(len(step.text) <= 900 for step in course.steps), course.id


def test_every_check_has_distinct_options_and_a_valid_answer(courses: list[Course]) -> None:
    for course in courses:
        for check in course.checks:
            where = f"{course.id}: {check.question}"
            assert 2 <= len(check.options) <= 4, where
            assert 1 <= check.answer <= len(check.options), where
            folded = {option.casefold() for option in check.options}
            assert len(folded) == len(check.options), where
            assert check.explanation, where


def test_every_course_has_an_https_source(courses: list[Course]) -> None:
    for course in courses:
        assert course.source, course.id
        for source in course.source:
            assert source.url is None or source.url.scheme == "https", (course.id, source.url)


def test_related_entries_exist(catalogue: Catalogue, courses: list[Course]) -> None:
    for course in courses:
        assert course.related, course.id
        for ref in course.related:
            assert ref in catalogue.entries, (course.id, ref)


def test_no_unknown_phone_number_appears(courses: list[Course]) -> None:
    for course in courses:
        for text in _strings(course):
            assert unknown_numbers(text) == [], (course.id, text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gọi 1900.0368 để khóa tài khoản.", []),
        ("Tổng đài 1800 1096 hoặc 18001096; khẩn cấp gọi 113, 114, 115.", []),
        ("Từ 01/6/2025 và từ năm 2022, theo Nghị định 69/2024/NĐ-CP.", []),
        ("Công văn 168/BHXH-QLT; Nghị định 120/2025; tin ngày 02/2024.", []),
        ("Đặt passcode gồm 6 chữ số.", []),
        ("Gọi Công an phường 0260 3 123 456.", ["0260 3 123 456"]),
        ("Tổng đài BHXH 1900 9068.", ["1900 9068"]),
        ("Đường dây nóng 1022.", ["1022"]),
    ],
)
def test_the_number_scanner(text: str, expected: list[str]) -> None:
    assert unknown_numbers(text) == expected
