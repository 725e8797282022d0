"""Cards made for a phone (issue 15, items 6-8): short cards, details behind "Xem thêm",
abbreviations spelled out, links on their own line, lessons offered, hotlines by situation,
redirects for matters other offices handle."""

from __future__ import annotations

import re
import statistics

import pytest

from content.loader import Catalogue
from content.models import Procedure, Redirect
from handlers.cards import card, details
from handlers.deps import Deps
from handlers.domain.actions import Action
from handlers.domain.types import IncomingMessage
from handlers.engine import handle
from tests.flows import ask_fresh

PHONE_CARD_CHARS = 900  # the median short card, about one and a half phone screens


def test_the_median_short_card_fits_a_phone(catalogue: Catalogue) -> None:
    lengths = [len(card(entry, catalogue).text) for entry in catalogue.entries.values()]
    assert statistics.median(lengths) <= PHONE_CARD_CHARS


def test_the_legal_basis_and_documents_are_behind_more(catalogue: Catalogue) -> None:
    for entry in catalogue.entries.values():
        if isinstance(entry, Procedure):
            short, full = card(entry, catalogue), details(entry, catalogue)
            assert "Căn cứ:" not in short.text and "Căn cứ:" in full.text, entry.id
            assert "Hồ sơ cần chuẩn bị:" in full.text
            assert short.buttons[0].title.startswith("Xem thêm")


def test_no_fact_line_repeats_what_the_summary_just_said(catalogue: Catalogue) -> None:
    """A summary that gives the time (or the fee) is not followed by a "Thời hạn:" (or
    "Lệ phí:") line saying it again."""
    entry = catalogue.get("dang-ky-thuong-tru")  # its summary gives both
    text = card(entry, catalogue).text
    assert "07 ngày làm việc" in text
    assert "Thời hạn:" not in text and "Lệ phí:" not in text


def test_links_are_a_label_with_the_address_on_its_own_line(catalogue: Catalogue) -> None:
    for entry in catalogue.entries.values():
        for line in card(entry, catalogue).text.splitlines():
            if "https://" in line:
                assert line.startswith("https://"), (entry.id, line)


@pytest.mark.parametrize(
    ("abbreviation", "gloss"),
    [("HĐND", "Hội đồng nhân dân"), ("CT01", "tờ khai thay đổi thông tin cư trú")],
)
def test_abbreviations_are_spelled_out_at_first_use(
    catalogue: Catalogue, abbreviation: str, gloss: str
) -> None:
    for entry in catalogue.entries.values():
        for reply in (card(entry, catalogue), details(entry, catalogue)):
            body = reply.text.partition("\n")[2]
            if re.search(rf"(?<!\w){abbreviation}(?!\w)", body):
                assert gloss.casefold() in body.casefold(), (entry.id, abbreviation)


def test_titles_name_the_card_without_the_old_name(catalogue: Catalogue) -> None:
    for entry in catalogue.entries.values():
        assert "CCCD" not in entry.title, entry.id


async def test_a_card_with_a_course_offers_the_lesson(sqlite_deps: Deps) -> None:
    reply = await ask_fresh(sqlite_deps, "cách kích hoạt vneid mức 2")
    titles = [b.title for b in reply.replies[-1].buttons]
    assert any(t.startswith("Học: ") and "VNeID" in t for t in titles)


@pytest.mark.parametrize("asked", ["học cách dùng VNeID", "muon hoc cach dung vneid"])
async def test_asking_to_learn_vneid_starts_that_course(sqlite_deps: Deps, asked: str) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert reply.intent == "learn"
    assert "VNeID" in reply.replies[0].text.splitlines()[0]  # the course itself, not the list


async def test_the_hotline_menu_fits_one_phone_screen(sqlite_deps: Deps) -> None:
    reply = await handle(
        IncomingMessage("cli", "phone-menu", payload=Action("section", "hotline").pack()),
        sqlite_deps,
    )
    text = "\n".join(r.text for r in reply.replies)
    assert len(reply.replies) == 1 and len(text) <= PHONE_CARD_CHARS
    for number in ("111", "113", "114", "115", "1900.0368"):
        assert number in text


@pytest.mark.parametrize(
    ("asked", "number"),
    [
        ("con hàng xóm bị bố dượng đánh đập suốt, gọi số nào", "111"),
        ("nha ben canh chay lon roi goi so may", "114"),
        ("ông tôi ngất xỉu, gọi xe cấp cứu số mấy", "115"),
    ],
)
async def test_hotlines_by_situation(sqlite_deps: Deps, asked: str, number: str) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert reply.intent == "hotline" and number in reply.replies[0].text[:600]


@pytest.mark.parametrize(
    ("asked", "entry"),
    [
        ("làm hộ chiếu ở đâu vậy", "ho-chieu"),
        ("mat ho chieu roi phai lam sao", "ho-chieu"),
        ("xe máy mới mua bấm biển số ở đâu", "dang-ky-xe"),
        ("doi bang lai xe het han o dau", "giay-phep-lai-xe"),
        ("xin lý lịch tư pháp để đi xuất khẩu lao động", "ly-lich-tu-phap"),
        ("văn phòng đăng ký đất đai ở đâu", "van-phong-dang-ky-dat-dai"),
        ("quyet toan thue thu nhap ca nhan o dau", "co-quan-thue"),
        ("nhà tôi mất điện từ sáng tới giờ", "mat-dien"),
        ("khu tôi cúp nước 2 ngày rồi", "nuoc-sach"),
    ],
)
async def test_matters_of_other_offices_are_redirected(
    sqlite_deps: Deps, asked: str, entry: str
) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert reply.intent == "redirect" and reply.content_id == entry
    assert "không do UBND phường giải quyết" in reply.replies[0].text


def test_every_redirect_says_where_and_carries_a_source(catalogue: Catalogue) -> None:
    redirects = [e for e in catalogue.entries.values() if isinstance(e, Redirect)]
    assert len(redirects) >= 8
    for entry in redirects:
        assert entry.source and entry.handled_by and entry.where


@pytest.mark.parametrize("asked", ["giá vàng hôm nay bao nhiêu", "vay tiền ngân hàng lãi suất"])
async def test_chit_chat_keeps_the_friendly_fallback(sqlite_deps: Deps, asked: str) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert reply.intent == "fallback"
