"""Corrected facts (../shared/reference/content_corrections.md, section 1): the corrected
statement is what residents are told, asked the way they ask, and the old one is gone from the
whole catalogue."""

from __future__ import annotations

import pytest
import yaml

from content.loader import CONTENT_DIR, Catalogue
from handlers.deps import Deps
from tests.flows import ask_fresh

# Statements the catalogue used to make, wrong or outdated since.
OLD_STATEMENTS = (
    "không có tài khoản riêng",  # children have their own VNeID account (NĐ 69/2024)
    "theo tài khoản của cha, mẹ",
    "thường trú nộp trực tuyến 10.000 đồng",  # the baby's residence registration is exempt
    "Giấy xác nhận tình trạng hôn nhân của người không đăng ký",  # no longer asked to marry
    "bản sao giấy tờ chứng minh việc ly hôn",  # the judgment's number and date are enough
    "Hỏi Công an phường xem hợp đồng có cần công chứng",  # it must be notarised for thường trú
    "giá trị 30 ngày",  # a residence confirmation (CT07) is valid for a year
    "66/2023/TT-BCA (mẫu CT01)",  # the form is the one of Thông tư 53/2025/TT-BCA
    "Luật Xây dựng 2014 (Điều 95",  # the permit cites Luật 50/2014/QH13 and NĐ 175/2024
    "187805",  # an old page number, not the khai sinh procedure code
    "1.007073",  # codes missing from the national list of 07/2026
    "1.011537",
)


def _all_text() -> str:
    files = [*CONTENT_DIR.rglob("*.yaml"), *(CONTENT_DIR.parent / "content" / "courses").glob("*")]
    return "\n".join(
        yaml.safe_dump(yaml.safe_load(p.read_text("utf-8")), allow_unicode=True)
        for p in files
        if p.is_file() and p.suffix == ".yaml"
    )


@pytest.mark.parametrize("old", OLD_STATEMENTS)
def test_the_old_statement_is_gone_from_the_catalogue_and_courses(old: str) -> None:
    assert old not in _all_text()


def test_national_codes_are_the_current_ones(catalogue: Catalogue) -> None:
    assert catalogue.get("dang-ky-khai-sinh").tthc_code == "1.001193"
    assert catalogue.get("dang-ky-ket-hon").tthc_code == "1.000894"
    assert catalogue.get("lien-thong-khai-tu").tthc_code is None  # not confirmed: no code


async def _full(deps: Deps, *messages: str) -> str:
    """The whole card, as 'Xem đầy đủ' shows it."""
    reply = await ask_fresh(deps, *messages)
    return reply.text


@pytest.mark.parametrize(
    "asked",
    ["con tôi 10 tuổi có tài khoản vneid riêng được không", "vneid mức 1 mức 2 khác nhau sao"],
)
async def test_children_have_their_own_vneid_account(sqlite_deps: Deps, asked: str) -> None:
    text = await _full(sqlite_deps, asked)
    assert "vneid" in text.lower()
    for old in OLD_STATEMENTS[:2]:
        assert old not in text
    card = sqlite_deps.catalogue.get("vneid-muc-1-muc-2")
    assert "tài khoản riêng" in " ".join([card.summary, *card.steps])


@pytest.mark.parametrize(
    "asked",
    [
        "liên thông khai sinh, thường trú, bhyt có mất tiền không",
        "khai sinh lien thong co ton phi ko",
    ],
)
async def test_the_babys_residence_registration_is_not_charged(
    sqlite_deps: Deps, asked: str
) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert "10.000 đồng" not in reply.text and "miễn" in reply.text


@pytest.mark.parametrize(
    "asked", ["đăng ký kết hôn cần giấy tờ gì", "dk ket hon can mang nhung gi a"]
)
async def test_marriage_needs_no_single_status_paper(sqlite_deps: Deps, asked: str) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert reply.content_id == "dang-ky-ket-hon"
    assert "Không cần nộp giấy xác nhận tình trạng hôn nhân" in reply.text


@pytest.mark.parametrize(
    "asked",
    [
        "bố mẹ cháu đi làm xa, bà nội đi khai sinh cho cháu được không",
        "ong ba di lam giay khai sinh thay cho con toi co can uy quyen ko",
    ],
)
async def test_grandparents_register_a_birth_without_authorisation(
    sqlite_deps: Deps, asked: str
) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert reply.content_id in ("dang-ky-khai-sinh", "lien-thong-khai-sinh")
    card = sqlite_deps.catalogue.get("dang-ky-khai-sinh")
    assert any("không cần giấy ủy" in note for note in card.notes)


@pytest.mark.parametrize(
    "asked",
    [
        "xin giấy xác nhận độc thân để vay ngân hàng",
        "nha e ho ngheo xin giay doc than co mat phi ko",
    ],
)
async def test_single_status_paper_names_its_uses_and_exemptions(
    sqlite_deps: Deps, asked: str
) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert reply.content_id == "xac-nhan-tinh-trang-hon-nhan"
    card = sqlite_deps.catalogue.get("xac-nhan-tinh-trang-hon-nhan")
    assert "vay ngân hàng" in card.summary
    assert "hộ nghèo, người khuyết tật" in card.fee


@pytest.mark.parametrize(
    "asked",
    [
        "thuê nhà muốn nhập hộ khẩu vào đó thì hợp đồng có cần công chứng không",
        "dang ky thuong tru nha thue can giay to gi",
    ],
)
async def test_a_rented_home_needs_a_notarised_contract_for_thuong_tru(
    sqlite_deps: Deps, asked: str
) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert reply.content_id == "dang-ky-thuong-tru"
    card = sqlite_deps.catalogue.get("dang-ky-thuong-tru")
    assert any("được công chứng hoặc chứng thực" in d for d in card.documents)
    assert any("01 năm" in n for n in card.notes)


@pytest.mark.parametrize(
    "asked", ["đổi căn cước mất mấy ngày, bao nhiêu tiền", "lam lai cccd bi mat het bao lau"]
)
async def test_can_cuoc_time_is_stated_and_its_fee_sends_to_the_police(
    sqlite_deps: Deps, asked: str
) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert reply.content_id in ("cap-doi-can-cuoc", "cap-lai-can-cuoc")
    assert "07 ngày làm việc" in reply.text
    fee = next(line for line in reply.text.splitlines() if line.startswith("Lệ phí"))
    assert "hỏi Công an phường" in fee and "Bộ phận Một cửa" not in fee


def test_a_fact_desk_must_name_a_known_fact_and_contact(catalogue: Catalogue) -> None:
    from pydantic import ValidationError

    ward = catalogue.ward.model_dump()
    with pytest.raises(ValidationError, match="unknown contact"):
        type(catalogue.ward).model_validate({**ward, "fact_desks": {"le_phi_can_cuoc": "x"}})
    with pytest.raises(ValidationError, match="unknown fact"):
        type(catalogue.ward).model_validate({**ward, "fact_desks": {"khong_co": "cong_an"}})


@pytest.mark.parametrize(
    ("asked", "entry", "says"),
    [
        (
            "xin bản sao giấy khai sinh mất mấy ngày",
            "cap-ban-sao-trich-luc-ho-tich",
            "01 ngày làm việc",
        ),
        ("xin giấy phép xây nhà mấy ngày thì có", "giay-phep-xay-dung", "07 ngày làm việc"),
        (
            "mất cả giấy khai sinh lẫn sổ gốc, đăng ký lại khai sinh làm trên mạng được không",
            "dang-ky-lai-khai-sinh",
            "Nộp trực tuyến trên Cổng Dịch vụ công quốc gia",
        ),
    ],
)
async def test_times_and_online_filing_now_stated(
    sqlite_deps: Deps, asked: str, entry: str, says: str
) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert reply.content_id == entry
    assert says in reply.text


def test_codes_of_the_corrected_procedures(catalogue: Catalogue) -> None:
    codes = {
        "cap-ban-sao-trich-luc-ho-tich": "2.000635",
        "dang-ky-lai-khai-sinh": "1.004884",
        "dang-ky-lai-khai-tu": "1.005461",
        "giay-phep-xay-dung": "1.013225",
    }
    for entry, code in codes.items():
        assert catalogue.get(entry).tthc_code == code
