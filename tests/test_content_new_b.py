"""New catalogue entries (../shared/reference/content_corrections.md, sections 2.5–2.11, 2.15)
and corrections 1.14–1.16: residents' own phrasings reach the new cards, each card states its
key fact, and what is not confirmed is left to the ward (a fact that names the office to ask)."""

from __future__ import annotations

from datetime import date

import pytest
import yaml

from content.loader import CONTENT_DIR, Catalogue
from content.models import PLACEHOLDER
from handlers.deps import Deps
from tests.flows import ask_fresh

NEW_ENTRIES = (
    "ho-tro-mai-tang-phi",
    "che-do-nguoi-co-cong",
    "cong-nhan-ho-ngheo",
    "xac-dinh-muc-do-khuyet-tat",
    "dang-ky-bien-dong-dat",
    "chuyen-muc-dich-su-dung-dat",
    "cap-lai-giay-chung-nhan-dat",
    "thua-ke-dat",
    "bhyt-ho-gia-dinh",
    "thue-ho-kinh-doanh",
    "tro-cap-qua-tai-khoan",
)

SOCIAL_DESK = "Bộ phận chính sách xã hội"
LAND_DESK = "Chi nhánh Văn phòng đăng ký đất đai"


# --- routing: residents' words reach the new cards -----------------------------------------

ROUTES = [
    # 2.5 burial support
    (
        "bà tôi đang nhận tiền già mới mất, nhà có được hỗ trợ tiền mai táng không",
        "ho-tro-mai-tang-phi",
    ),
    ("ong toi huong tro cap khuyet tat moi mat, xin tien ma chay o dau", "ho-tro-mai-tang-phi"),
    ("hỗ trợ chi phí mai táng", "ho-tro-mai-tang-phi"),
    # 2.10 người có công
    (
        "ông nhà tôi là thương binh, muốn hỏi chế độ ưu đãi người có công làm ở đâu",
        "che-do-nguoi-co-cong",
    ),
    ("bố tôi là liệt sĩ, gia đình có được hưởng chế độ gì không", "che-do-nguoi-co-cong"),
    ("che do thuong binh lam o dau", "che-do-nguoi-co-cong"),
    # 2.8 hộ nghèo, cận nghèo
    ("nhà tôi khó khăn lắm, muốn xin xét vào hộ nghèo thì làm đơn ở đâu", "cong-nhan-ho-ngheo"),
    ("rà soát hộ cận nghèo năm nay khi nào", "cong-nhan-ho-ngheo"),
    ("xin giay xac nhan ho ngheo de con di hoc mien hoc phi thi lam sao", "cong-nhan-ho-ngheo"),
    # 2.9 mức độ khuyết tật
    (
        "con tôi bị bại não, muốn xin giấy xác nhận khuyết tật thì làm sao",
        "xac-dinh-muc-do-khuyet-tat",
    ),
    ("giấy khuyết tật bị mất xin cấp lại ở đâu", "xac-dinh-muc-do-khuyet-tat"),
    ("xin giay xac nhan muc do khuyet tat cho con o dau", "xac-dinh-muc-do-khuyet-tat"),
    # 2.11 sang tên
    ("mua đất rồi sang tên sổ đỏ làm ở đâu", "dang-ky-bien-dong-dat"),
    ("sang ten so do can giay to gi", "dang-ky-bien-dong-dat"),
    # 2.11 chuyển mục đích
    ("chuyển mục đích từ đất vườn lên đất ở nộp hồ sơ ở đâu", "chuyen-muc-dich-su-dung-dat"),
    ("muon len tho cu thi lam sao", "chuyen-muc-dich-su-dung-dat"),
    ("đất nông nghiệp muốn chuyển sang đất ở để xây nhà", "chuyen-muc-dich-su-dung-dat"),
    # 2.11 cấp lại sổ đỏ bị mất
    ("sổ đỏ bị mất xin cấp lại thế nào", "cap-lai-giay-chung-nhan-dat"),
    ("nhà bị cháy mất sổ đỏ rồi, làm lại sổ đỏ ở đâu", "cap-lai-giay-chung-nhan-dat"),
    ("so do bi mat thi xin cap lai the nao", "cap-lai-giay-chung-nhan-dat"),
    # 2.11 thừa kế
    (
        "Ba tôi mất không để lại di chúc, miếng đất đứng tên ba, giờ mấy anh em muốn chia thừa kế"
        " rồi sang tên thì làm thủ tục gì",
        "thua-ke-dat",
    ),
    ("thu tuc thua ke nha dat", "thua-ke-dat"),
    # 2.6 BHYT hộ gia đình
    ("mua bảo hiểm y tế hộ gia đình ở đâu", "bhyt-ho-gia-dinh"),
    ("the bhyt het han roi gia han o dau", "bhyt-ho-gia-dinh"),
    ("nhà tôi cận nghèo có được hỗ trợ tiền mua bảo hiểm y tế không", "bhyt-ho-gia-dinh"),
    # 2.15 thuế hộ kinh doanh
    ("Hộ kinh doanh nhỏ có bắt buộc dùng hóa đơn điện tử không", "thue-ho-kinh-doanh"),
    ("thue khoan ho kinh doanh nam nay dong bao nhieu", "thue-ho-kinh-doanh"),
    ("hóa đơn điện tử từ máy tính tiền là gì", "thue-ho-kinh-doanh"),
    # 2.7 trợ cấp qua tài khoản
    ("ông bà già không có thẻ ATM thì nhận trợ cấp sao", "tro-cap-qua-tai-khoan"),
    ("tháng này chưa thấy tiền trợ cấp về", "tro-cap-qua-tai-khoan"),
    ("nop so tai khoan nhan tro cap cho ai", "tro-cap-qua-tai-khoan"),
]


@pytest.mark.parametrize(("asked", "entry"), ROUTES)
async def test_residents_reach_the_new_card(sqlite_deps: Deps, asked: str, entry: str) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert reply.content_id == entry


@pytest.mark.parametrize(
    ("asked", "accepted"),
    [
        # the neighbours keep their questions
        (
            "con tôi bị khuyết tật nặng từ nhỏ, có được nhà nước hỗ trợ hằng tháng không",
            ("tro-cap-xa-hoi-hang-thang", "tro-cap"),
        ),
        ("nha e ho ngheo xin giay doc than co mat phi ko", ("xac-nhan-tinh-trang-hon-nhan",)),
        (
            "Đi khám bệnh quên thẻ bảo hiểm, đưa căn cước gắn chip được không?",
            ("bhyt-bang-can-cuoc",),
        ),
        (
            "Bố mẹ tôi muốn làm hợp đồng tặng cho mảnh đất cho em trai, ký ở phường được không",
            ("chung-thuc-hop-dong",),
        ),
        (
            "tôi 80 tuổi, muốn lập di chúc để lại nhà cho thằng út, làm ở phường được không",
            ("chung-thuc-hop-dong",),
        ),
        ("mieng dat 300m2 muon chia doi cho 2 dua con thi tach so sao a", ("tach-thua-dat",)),
        (
            "ba toi 76 tuoi ko co luong huu, nghe noi duoc huong tien hang thang, lam ho so sao",
            ("tro-cap-huu-tri-xa-hoi", "tro-cap"),
        ),
    ],
)
async def test_neighbours_keep_their_questions(
    sqlite_deps: Deps, asked: str, accepted: tuple[str, ...]
) -> None:
    reply = await ask_fresh(sqlite_deps, asked)
    assert reply.content_id in accepted


# --- key facts in the cards ---------------------------------------------------------------


async def test_burial_support_amount_is_the_wards_and_pensioners_go_to_bhxh(
    sqlite_deps: Deps,
) -> None:
    reply = await ask_fresh(sqlite_deps, "mai tang phi cho nguoi huong tro cap xa hoi lam the nao")
    assert reply.content_id == "ho-tro-mai-tang-phi"
    assert f"Mức hỗ trợ: chưa cập nhật, bạn vui lòng hỏi {SOCIAL_DESK}" in reply.text
    card = sqlite_deps.catalogue.get("ho-tro-mai-tang-phi")
    assert card.tthc_code == "1.001731"
    assert any("1.014177" in n and "BHXH tỉnh" in n for n in card.notes)
    assert any("1.014028" in n for n in card.notes)


async def test_veterans_are_received_at_the_one_stop_desk(sqlite_deps: Deps) -> None:
    reply = await ask_fresh(
        sqlite_deps, "ông nhà tôi là thương binh, chế độ người có công nộp ở đâu"
    )
    assert reply.content_id == "che-do-nguoi-co-cong"
    assert "Bộ phận Một cửa" in reply.text
    card = sqlite_deps.catalogue.get("che-do-nguoi-co-cong")
    assert card.tthc_code == "1.013745"
    assert "{fact:ho_so_nguoi_co_cong}" in card.documents[0]


async def test_poverty_review_timing_is_marked_as_2022_2025(sqlite_deps: Deps) -> None:
    reply = await ask_fresh(sqlite_deps, "bao giờ thì rà soát hộ nghèo")
    assert reply.content_id == "cong-nhan-ho-ngheo"
    card = sqlite_deps.catalogue.get("cong-nhan-ho-ngheo")
    assert "2022–2025" in card.processing_time and "01/9" in card.processing_time
    assert card.summary.rstrip().endswith("{fact:lich_ra_soat_ho_ngheo}")
    assert f"Lịch rà soát năm 2026: chưa cập nhật, bạn vui lòng hỏi {SOCIAL_DESK}" in reply.text
    assert any("{fact:giay_ho_ngheo_mien_hoc_phi}" in n for n in card.notes)
    assert {card.tthc_code} <= {"1.011606", "1.011607"}


async def test_disability_level_takes_25_working_days_and_is_free(sqlite_deps: Deps) -> None:
    reply = await ask_fresh(sqlite_deps, "xin giấy xác nhận mức độ khuyết tật mất bao lâu")
    assert reply.content_id == "xac-dinh-muc-do-khuyet-tat"
    assert "25 ngày làm việc" in reply.text
    card = sqlite_deps.catalogue.get("xac-dinh-muc-do-khuyet-tat")
    assert card.fee == "Không thu phí."
    assert card.tthc_code == "1.001699"


async def test_transfer_needs_a_certified_contract_first(sqlite_deps: Deps) -> None:
    reply = await ask_fresh(sqlite_deps, "sang tên sổ đỏ khi mua đất làm thế nào")
    assert reply.content_id == "dang-ky-bien-dong-dat"
    assert "công chứng hoặc chứng thực" in reply.text
    card = sqlite_deps.catalogue.get("dang-ky-bien-dong-dat")
    assert card.tthc_code == "1.012787"
    assert "chung-thuc-hop-dong" in card.related
    assert card.where == "{fact:noi_nop_bien_dong_dat}"


async def test_change_of_land_use_pays_land_use_money(sqlite_deps: Deps) -> None:
    reply = await ask_fresh(sqlite_deps, "chuyen dat vuon len dat o can giay to gi")
    assert reply.content_id == "chuyen-muc-dich-su-dung-dat"
    assert "tiền sử dụng đất" in reply.text
    card = sqlite_deps.catalogue.get("chuyen-muc-dich-su-dung-dat")
    assert card.tthc_code == "1.013949"
    assert any("1.013992" in n for n in card.notes)


async def test_lost_certificate_time_and_fee_send_to_the_land_office(sqlite_deps: Deps) -> None:
    reply = await ask_fresh(sqlite_deps, "mất sổ đỏ làm lại mất bao lâu, bao nhiêu tiền")
    assert reply.content_id == "cap-lai-giay-chung-nhan-dat"
    assert f"chưa cập nhật, bạn vui lòng hỏi {LAND_DESK}" in reply.text
    assert sqlite_deps.catalogue.get("cap-lai-giay-chung-nhan-dat").tthc_code == "1.012786"


async def test_inheritance_first_needs_the_estate_paper(sqlite_deps: Deps) -> None:
    reply = await ask_fresh(sqlite_deps, "dat ba me de lai chua chia thua ke gio lam so the nao")
    assert reply.content_id == "thua-ke-dat"
    assert "văn bản thỏa thuận phân chia di sản" in reply.text
    card = sqlite_deps.catalogue.get("thua-ke-dat")
    assert {"chung-thuc-hop-dong", "dang-ky-bien-dong-dat"} <= set(card.related)


async def test_family_health_insurance_is_bhxhs_and_subsidies_are_not_promised(
    sqlite_deps: Deps,
) -> None:
    reply = await ask_fresh(sqlite_deps, "bhyt ho gia dinh 1 nam dong bao nhieu")
    assert reply.content_id == "bhyt-ho-gia-dinh"
    assert "Bảo hiểm xã hội (BHXH)" in reply.text and "không phải UBND" in reply.text
    assert "thuộc diện được Nhà nước đóng hoặc hỗ trợ đóng" in reply.text
    assert (
        "Mức đóng hiện nay: chưa cập nhật, bạn vui lòng hỏi Cơ quan Bảo hiểm xã hội" in reply.text
    )
    assert "%" not in reply.text


async def test_household_tax_states_no_threshold_or_rate(sqlite_deps: Deps) -> None:
    reply = await ask_fresh(
        sqlite_deps, "co bat buoc xuat hoa don dien tu khong, doanh thu 500 trieu"
    )
    assert reply.content_id == "thue-ho-kinh-doanh"
    assert "chưa cập nhật, bạn vui lòng hỏi Thuế cơ sở" in reply.text
    card = sqlite_deps.catalogue.get("thue-ho-kinh-doanh")
    card_text = " ".join([card.summary, *card.steps, *card.notes])
    assert "triệu" not in card_text and "%" not in card_text
    assert all(code in card_text for code in ("1.011022", "1.010337", "1.014976"))


async def test_allowance_without_a_bank_account(sqlite_deps: Deps) -> None:
    reply = await ask_fresh(
        sqlite_deps, "me toi khong co tai khoan ngan hang thi nhan tien gia kieu gi"
    )
    assert reply.content_id == "tro-cap-qua-tai-khoan"
    assert "bưu điện" in reply.text
    assert f"chưa cập nhật, bạn vui lòng hỏi {SOCIAL_DESK}" in reply.text


# --- the ward: every new fact declared in both wards, and asked of the office that knows ------


def _new_facts(catalogue: Catalogue) -> set[str]:
    texts = []
    for entry_id in NEW_ENTRIES:
        texts.append(
            yaml.safe_dump(catalogue.get(entry_id).model_dump(mode="json"), allow_unicode=True)
        )
    return {key for kind, key in PLACEHOLDER.findall("\n".join(texts)) if kind == "fact"}


def test_new_facts_are_declared_in_both_wards_and_left_to_the_ward(catalogue: Catalogue) -> None:
    facts = _new_facts(catalogue)
    assert facts
    test_ward = yaml.safe_load(
        (CONTENT_DIR.parents[1] / "tests" / "data" / "wards" / "thu-nghiem.yaml").read_text(
            "utf-8"
        )
    )
    for fact in facts:
        assert fact in catalogue.ward.facts and catalogue.ward.facts[fact] is None
        assert fact in test_ward["facts"]


@pytest.mark.parametrize(
    ("fact", "desk"),
    [
        ("muc_ho_tro_mai_tang", "chinh_sach_xa_hoi"),
        ("lich_ra_soat_ho_ngheo", "chinh_sach_xa_hoi"),
        ("cach_chi_tra_tro_cap", "chinh_sach_xa_hoi"),
        ("muc_tro_cap_huu_tri_xa_hoi", "chinh_sach_xa_hoi"),
        ("thoi_han_bien_dong_dat", "van_phong_dat_dai"),
        ("le_phi_cap_lai_so_do", "van_phong_dat_dai"),
        ("muc_dong_bhyt_ho_gia_dinh", "bhxh"),
        ("thue_ho_kinh_doanh_moi", "thue_co_so"),
    ],
)
def test_an_unfilled_fact_names_the_office_that_knows(
    catalogue: Catalogue, fact: str, desk: str
) -> None:
    assert catalogue.ward.fact_desks[fact] == desk


@pytest.mark.parametrize("entry_id", NEW_ENTRIES)
def test_new_entries_are_dated_and_sourced(catalogue: Catalogue, entry_id: str) -> None:
    entry = catalogue.get(entry_id)
    assert entry.verified_on == date(2026, 12, 3)
    assert entry.review_by == date(2027, 6, 30)
    assert entry.source and all(s.confidence in ("official", "secondary") for s in entry.source)


def test_new_entries_are_listed_under_their_topics(catalogue: Catalogue) -> None:
    social = {"ho-tro-mai-tang-phi", "che-do-nguoi-co-cong", "cong-nhan-ho-ngheo"}
    social |= {"xac-dinh-muc-do-khuyet-tat", "tro-cap-qua-tai-khoan"}
    land = {"dang-ky-bien-dong-dat", "chuyen-muc-dich-su-dung-dat", "cap-lai-giay-chung-nhan-dat"}
    land |= {"thua-ke-dat"}
    assert social <= set(catalogue.get("tro-cap").children)
    assert land <= set(catalogue.get("dat-dai").children)


# --- corrections 1.14–1.16 ------------------------------------------------------------------


def _catalogue_text() -> str:
    return "\n".join(
        yaml.safe_dump(yaml.safe_load(p.read_text("utf-8")), allow_unicode=True)
        for p in CONTENT_DIR.rglob("*.yaml")
    )


def test_first_land_certificate_cites_the_2026_decree(catalogue: Catalogue) -> None:
    card = catalogue.get("cap-giay-chung-nhan-lan-dau")
    assert card.tthc_code == "1.013978"
    assert any("49/2026/NĐ-CP" in n and "31/01/2026" in n for n in card.notes)
    assert any("49/2026/NĐ-CP" in law for law in card.legal_basis)
    assert "{fact:noi_cap_so_do_lan_dau}" in card.summary  # who signs stays the ward's
    assert "có thể đã được sửa đổi từ năm 2026" not in _catalogue_text()


async def test_monthly_allowance_keeps_500000_and_the_current_code(sqlite_deps: Deps) -> None:
    reply = await ask_fresh(
        sqlite_deps, "trợ cấp xã hội hằng tháng cho người khuyết tật được bao nhiêu tiền"
    )
    assert reply.content_id in ("tro-cap-xa-hoi-hang-thang", "tro-cap")
    card = sqlite_deps.catalogue.get("tro-cap-xa-hoi-hang-thang")
    assert card.tthc_code == "1.001776"
    assert "500.000 đồng" in card.summary and "76/2024" in card.summary
    assert "mức mới năm 2026 đang chờ phường xác nhận" in card.summary
    text = _catalogue_text()
    assert "mã 2557" not in text and "ma_thu_tuc=2557" not in text


def test_social_pension_code_and_burial_link(catalogue: Catalogue) -> None:
    card = catalogue.get("tro-cap-huu-tri-xa-hoi")
    assert card.tthc_code == "1.014027"
    assert "ho-tro-mai-tang-phi" in card.related
    assert "{fact:muc_tro_cap_huu_tri_xa_hoi}" in card.summary  # the amount is not stated
