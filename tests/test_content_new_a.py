"""New catalogue entries from ../shared/reference/content_corrections.md (2.1–2.4, 2.12, 2.16):
residence confirmation (CT07), identity cards for children, tạm vắng, removing a residence
registration, military service, the paper household book and the two-level government. Each is
asked the way residents ask it and must answer with its own card and its key fact."""

from __future__ import annotations

from pathlib import Path

import pytest

from content.loader import Catalogue, load_catalogue, load_ward
from content.models import PLACEHOLDER, HowTo, Procedure, Topic
from handlers.deps import Deps
from handlers.render import fill
from tests.flows import ask_fresh

NEW_ENTRIES = (
    "xac-nhan-cu-tru",
    "can-cuoc-tre-em",
    "khai-bao-tam-vang",
    "xoa-dang-ky-thuong-tru",
    "xoa-dang-ky-tam-tru",
    "dang-ky-nghia-vu-quan-su",
    "tam-hoan-nghia-vu-quan-su",
    "so-ho-khau",
    "chinh-quyen-hai-cap",
)

# Facts the ward confirms before they are stated, and the office residents ask meanwhile.
NEW_FACTS = {
    "tam_vang_nvqs_3_thang": "cong_an",
    "thang_dang_ky_nvqs": "ban_chqs",
    "ho_so_dang_ky_nvqs": "ban_chqs",
    "giay_to_tam_hoan_nvqs": "ban_chqs",
    "nguoi_quyet_dinh_tam_hoan_nvqs": "ban_chqs",
    "don_vi_hanh_chinh_cu": None,  # Bộ phận Một cửa, the default desk
}
TEST_WARD = Path(__file__).parent / "data" / "wards" / "thu-nghiem.yaml"


# (question, entry that must answer, a fact its card must state)
ASKED = [
    ("xin giấy xác nhận cư trú CT07 ở đâu", "xac-nhan-cu-tru", "01 ngày làm việc"),
    ("xin giay ct07 xac nhan cu tru de nop ho so nhap hoc", "xac-nhan-cu-tru", "01 năm"),
    ("trường bắt nộp giấy xác nhận cư trú thì làm sao", "xac-nhan-cu-tru", "Không mất phí"),
    ("làm căn cước cho con 10 tuổi ở đâu", "can-cuoc-tre-em", "miễn phí"),
    ("lam can cuoc cho be duoi 6 tuoi tren vneid the nao", "can-cuoc-tre-em", "VNeID"),
    ("con 8 tuoi lam can cuoc co mat tien khong", "can-cuoc-tre-em", "07 ngày làm việc"),
    ("đi làm ăn xa vài tháng có cần khai báo tạm vắng ko", "khai-bao-tam-vang", "12 tháng"),
    ("di lam xa 6 thang co phai khai bao tam vang k", "khai-bao-tam-vang", "12 tháng"),
    ("giấy xác nhận tạm vắng xin ở đâu", "khai-bao-tam-vang", "Công an phường"),
    ("xóa đăng ký thường trú cần giấy tờ gì", "xoa-dang-ky-thuong-tru", "05 ngày làm việc"),
    ("cat khau cho con de chuyen di noi khac thi lam sao", "xoa-dang-ky-thuong-tru", "07 ngày"),
    ("muốn xóa tên em trai khỏi hộ khẩu", "xoa-dang-ky-thuong-tru", "liên thông khai tử"),
    ("mình muốn xóa tạm trú thì làm sao", "xoa-dang-ky-tam-tru", "02 ngày làm việc"),
    ("xoa tam tru mat bao lau", "xoa-dang-ky-tam-tru", "02 ngày làm việc"),
    (
        "Con trai tôi đủ 17 tuổi, đăng ký nghĩa vụ quân sự ở đâu",
        "dang-ky-nghia-vu-quan-su",
        "Ban Chỉ huy quân sự phường",
    ),
    ("dang ky nvqs lan dau o dau", "dang-ky-nghia-vu-quan-su", "đủ 17 tuổi"),
    ("đi bộ đội thì đăng ký ở đâu", "dang-ky-nghia-vu-quan-su", "không mất phí"),
    (
        "Con tôi đang học đại học năm 2, có giấy gọi khám nghĩa vụ quân sự, xin hoãn thì sao?",
        "tam-hoan-nghia-vu-quan-su",
        "đại học hệ chính quy",
    ),
    ("sinh vien co duoc hoan nghia vu quan su khong", "tam-hoan-nghia-vu-quan-su", "27 tuổi"),
    ("sổ hộ khẩu bị mất thì làm lại ở đâu", "so-ho-khau", "không còn được dùng"),
    ("so ho khau giay cu co phai nop lai ko", "so-ho-khau", "CT07"),
    ("giờ còn dùng sổ hộ khẩu không", "so-ho-khau", "VNeID"),
    ("chính quyền 2 cấp là sao", "chinh-quyen-hai-cap", "01/7/2025"),
    ("khong con huyen thi lam giay to o dau", "chinh-quyen-hai-cap", "cấp huyện"),
    (
        "từ 1/7 không còn huyện thì hồ sơ trước làm ở huyện giờ nộp ở đâu",
        "chinh-quyen-hai-cap",
        "tại phường",
    ),
]


@pytest.mark.parametrize(("asked", "entry_id", "fact"), ASKED)
async def test_a_resident_question_gets_the_new_card(
    sqlite_deps: Deps, asked: str, entry_id: str, fact: str
) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert reply.content_id == entry_id
    assert fact.lower() in reply.text.lower()


@pytest.mark.parametrize(
    ("asked", "entry_id"),
    [
        ("cắt khẩu cho người đã mất thì làm sao", "lien-thong-khai-tu"),
        ("xóa hộ khẩu người chết", "lien-thong-khai-tu"),
        ("hộ khẩu", "cu-tru"),
        ("thẻ căn cước", "can-cuoc"),
        ("đăng ký tạm trú cần gì", "dang-ky-tam-tru"),
        ("tạm trú hết hạn rồi gia hạn sao ad", "dang-ky-tam-tru"),
    ],
)
async def test_neighbouring_questions_keep_their_cards(
    sqlite_deps: Deps, asked: str, entry_id: str
) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert reply.content_id == entry_id


def test_every_new_entry_is_complete_and_dated(catalogue: Catalogue) -> None:
    for entry_id in NEW_ENTRIES:
        entry = catalogue.get(entry_id)
        assert entry is not None, entry_id
        assert str(entry.verified_on) == "2026-12-03"
        assert str(entry.review_by) == "2027-06-30"
        assert len(entry.summary) <= 360, entry_id
        assert any(s.confidence == "official" for s in entry.source) or entry_id in (
            "tam-hoan-nghia-vu-quan-su",
            "chinh-quyen-hai-cap",
        )
        if isinstance(entry, Procedure):
            assert entry.documents and entry.legal_basis and entry.processing_time, entry_id
        else:
            assert isinstance(entry, HowTo) and entry.steps, entry_id


def test_procedure_codes_and_national_records(catalogue: Catalogue) -> None:
    codes = {
        "xac-nhan-cu-tru": "1.010041",
        "can-cuoc-tre-em": "1.014062",
        "khai-bao-tam-vang": "1.003677",
        "xoa-dang-ky-thuong-tru": "1.003197",
        "xoa-dang-ky-tam-tru": "1.010028",
        "dang-ky-nghia-vu-quan-su": "1.013133",
    }
    for entry_id, code in codes.items():
        assert catalogue.get(entry_id).tthc_code == code
    record = "https://dichvucong.gov.vn/thu-tuc-hanh-chinh/019d2bf7-6f56-704f-95b8-8d949272c6ad"
    assert record in {str(s.url) for s in catalogue.get("khai-bao-tam-vang").source}


def test_placeholders_close_their_line(catalogue: Catalogue) -> None:
    """An unfilled fact reads "chưa cập nhật, bạn vui lòng hỏi …": it must end its line."""
    for entry_id in NEW_ENTRIES:
        entry = catalogue.get(entry_id)
        texts = [entry.summary, *getattr(entry, "documents", []), *entry.steps, *entry.notes]
        if isinstance(entry, Procedure):
            texts += [entry.processing_time, entry.fee, entry.where]
        for text in texts:
            for match in PLACEHOLDER.finditer(text):
                assert match.end() == len(text.rstrip()), (entry_id, text)
        assert not PLACEHOLDER.search(entry.summary), entry_id


def test_unconfirmed_facts_are_declared_for_every_ward_and_sent_to_the_right_desk(
    catalogue: Catalogue,
) -> None:
    dak_bla = load_ward()
    test_ward = load_ward(str(TEST_WARD))
    for fact, desk in NEW_FACTS.items():
        assert fact in dak_bla.facts and fact in test_ward.facts, fact
        assert dak_bla.fact_desks.get(fact) == desk, fact
    load_catalogue(ward=test_ward)  # every placeholder resolves in the test ward too
    unfilled = {**catalogue.ward.facts, "thang_dang_ky_nvqs": None, "tam_vang_nvqs_3_thang": None}
    ward = catalogue.ward.model_copy(update={"facts": unfilled})
    note = next(n for n in catalogue.get("dang-ky-nghia-vu-quan-su").notes if "Tháng" in n)
    assert fill(note, ward).endswith("hỏi Ban Chỉ huy quân sự phường Đăk Bla")
    tam_vang = next(n for n in catalogue.get("khai-bao-tam-vang").notes if "03 tháng" in n)
    assert fill(tam_vang, ward).endswith("hỏi Công an phường Đăk Bla")


def test_the_topics_lead_to_the_new_cards(catalogue: Catalogue) -> None:
    cu_tru = catalogue.get("cu-tru")
    assert isinstance(cu_tru, Topic)
    for child in ("xac-nhan-cu-tru", "khai-bao-tam-vang", "xoa-dang-ky-thuong-tru"):
        assert child in cu_tru.children
    can_cuoc = catalogue.get("can-cuoc")
    assert isinstance(can_cuoc, Topic)
    assert "can-cuoc-tre-em" in can_cuoc.children
    assert can_cuoc.title.startswith("Thẻ căn cước") and "CCCD" not in can_cuoc.title
    assert any("6 đến dưới 14 tuổi" in line for line in can_cuoc.body)


async def test_a_child_of_ten_goes_with_a_parent_to_the_police(sqlite_deps: Deps) -> None:
    reply = await ask_fresh(sqlite_deps, "con tôi 10 tuổi làm căn cước có cần đưa cháu đi không")
    assert reply.content_id == "can-cuoc-tre-em"
    card = sqlite_deps.catalogue.get("can-cuoc-tre-em")
    assert any("6 đến dưới 14 tuổi" in d and "có mặt" in d for d in card.documents)
    assert any("không cần chụp ảnh, lấy vân tay" in d for d in card.documents)
