"""The catalogue schema, its cross references and `content check`."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
import yaml

from content import check
from content.loader import CONTENT_DIR, Catalogue, ContentError, load_catalogue
from content.models import ContactList, HowTo, Procedure, Topic
from content.yaml_text import parse_yaml
from handlers.render import fill

REQUIRED_PROCEDURES = {
    "dang-ky-khai-sinh",
    "lien-thong-khai-sinh",
    "dang-ky-khai-tu",
    "lien-thong-khai-tu",
    "dang-ky-ket-hon",
    "xac-nhan-tinh-trang-hon-nhan",
    "cap-ban-sao-trich-luc-ho-tich",
    "thay-doi-cai-chinh-ho-tich",
    "dang-ky-giam-ho",
    "nhan-cha-me-con",
    "chung-thuc-ban-sao",
    "chung-thuc-chu-ky",
    "chung-thuc-hop-dong",
    "dang-ky-ho-kinh-doanh",
    "thay-doi-ho-kinh-doanh",
    "tam-ngung-ho-kinh-doanh",
    "tro-cap-xa-hoi-hang-thang",
    "tro-cap-huu-tri-xa-hoi",
    "dang-ky-thuong-tru",
    "dang-ky-tam-tru",
    "cap-doi-can-cuoc",
    "cap-lai-can-cuoc",
    "giay-phep-xay-dung",
    "cap-giay-chung-nhan-lan-dau",
}
NATIONAL_NUMBERS = {"113", "114", "115", "111", "112", "1900.0368", "1800 1096"}


def test_catalogue_has_the_procedures_residents_need(catalogue: Catalogue) -> None:
    procedures = {e.id for e in catalogue.entries.values() if isinstance(e, Procedure)}
    assert len(procedures) >= 30
    assert procedures >= REQUIRED_PROCEDURES


def test_every_procedure_is_complete(catalogue: Catalogue) -> None:
    for entry in catalogue.entries.values():
        if isinstance(entry, Procedure):
            assert entry.documents and entry.legal_basis and entry.source, entry.id
            assert entry.processing_time and entry.fee and entry.where, entry.id
            assert entry.online.how, entry.id


def test_howtos_cover_vneid_portal_payment_scams_and_help(catalogue: Catalogue) -> None:
    howtos = {e.id for e in catalogue.entries.values() if isinstance(e, HowTo)}
    for needed in (
        "vneid-kich-hoat",
        "vneid-quen-mat-khau",
        "vneid-dang-nhap-may-moi",
        "vneid-tich-hop-bhyt",
        "vneid-tich-hop-gplx",
        "bhyt-bang-can-cuoc",
        "dvcqg-dang-nhap",
        "dvcqg-nop-ho-so",
        "dvcqg-tra-cuu",
        "thanh-toan-le-phi",
        "canh-bao-lua-dao",
        "ho-tro-truc-tiep",
    ):
        assert needed in howtos


def test_only_sourced_national_numbers_appear(catalogue: Catalogue) -> None:
    numbers = {
        c.number
        for e in catalogue.entries.values()
        if isinstance(e, ContactList)
        for c in e.contacts
        if c.number
    }
    assert numbers == NATIONAL_NUMBERS


def test_unconfigured_ward_values_render_as_not_updated(catalogue: Catalogue) -> None:
    ward = catalogue.ward
    assert all(c.phone is None for c in ward.contacts.values())  # the shipped file is blank
    assert "đang cập nhật" in fill("Gọi {contact:ubnd.phone}", ward)
    assert "chưa cập nhật" in fill("Lệ phí: {fact:le_phi_ho_kinh_doanh}", ward)
    filled = ward.model_copy(update={"facts": {**ward.facts, "le_phi_ho_kinh_doanh": "100.000 đ"}})
    assert fill("{fact:le_phi_ho_kinh_doanh}", filled) == "100.000 đ"


def test_topics_point_at_existing_entries(catalogue: Catalogue) -> None:
    for entry in catalogue.entries.values():
        if isinstance(entry, Topic):
            assert all(child in catalogue.entries for child in entry.children)


def test_content_check_passes_on_the_shipped_catalogue() -> None:
    out = io.StringIO()
    assert check.run(out=out) == 0
    assert "Catalogue OK" in out.getvalue()


def _broken_copy(tmp_path: Path, mutate) -> Path:
    target = tmp_path / "data"
    shutil.copytree(CONTENT_DIR, target)
    path = target / "procedures" / "khai-sinh.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    mutate(data["entries"][0])
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda e: e.pop("source"), "source: Field required"),
        (lambda e: e.update(related=["no-such-entry"]), "unknown entry 'no-such-entry'"),
        (lambda e: e.update(id="dang-ky-khai-tu"), "duplicate id"),
        (lambda e: e.update(fee="{fact:khong_co}"), "{fact:khong_co} is not declared"),
        (lambda e: e.update(kind="recipe"), "does not match any of the expected tags"),
        (lambda e: e.update(verified_on="hôm qua"), "verified_on"),
        (lambda e: e["source"][0].update(confidence="unconfirmed"), "confidence"),
        (lambda e: e.update(unexpected="x"), "Extra inputs are not permitted"),
    ],
)
def test_content_check_names_the_problem(tmp_path: Path, mutate, expected: str) -> None:
    broken = _broken_copy(tmp_path, mutate)
    with pytest.raises(ContentError) as info:
        load_catalogue(broken)
    assert expected in str(info.value)
    assert "khai-sinh.yaml" in str(info.value)
    out = io.StringIO()
    assert check.run(content_dir=broken, out=out) == 1
    assert expected in out.getvalue()


def test_a_non_https_link_fails_the_check(tmp_path: Path) -> None:
    broken = _broken_copy(tmp_path, lambda e: e["source"][0].update(url="http://insecure.vn/x"))
    out = io.StringIO()
    assert check.run(content_dir=broken, out=out) == 1
    assert "not https" in out.getvalue()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Wording rule 4.1: a missing contact detail takes its clause, never lands mid-sentence.
        (
            "Báo Công an phường ({contact:cong_an.phone}) hoặc gọi 113.",
            "Báo Công an phường hoặc gọi 113.",
        ),
        (
            "Công an phường (địa chỉ: {contact:cong_an.address}; giờ làm việc: "
            "{contact:cong_an.hours}) hoặc nộp trực tuyến.",
            "Công an phường hoặc nộp trực tuyến.",
        ),
        (
            "Gọi đường dây nóng {contact:duong_day_nong.phone}, hoặc đến Bộ phận Một cửa "
            "({contact:mot_cua.address}) để được giúp.",
            "Đến Bộ phận Một cửa để được giúp.",
        ),
        ("Nộp tại Một cửa. Giờ làm việc: {contact:mot_cua.hours}.", "Nộp tại Một cửa."),
        ("{contact:cong_an.label}, điện thoại: {contact:cong_an.phone}", "Công an phường Đăk Bla"),
    ],
)
def test_a_missing_contact_detail_takes_its_clause_with_it(
    catalogue: Catalogue, text: str, expected: str
) -> None:
    assert fill(text, catalogue.ward) == expected


def test_a_filled_contact_detail_is_shown_in_place(catalogue: Catalogue) -> None:
    contacts = dict(catalogue.ward.contacts)
    contacts["cong_an"] = contacts["cong_an"].model_copy(update={"phone": "0260 3862 111"})
    ward = catalogue.ward.model_copy(update={"contacts": contacts})
    text = "Báo Công an phường ({contact:cong_an.phone}) hoặc gọi 113."
    assert fill(text, ward) == "Báo Công an phường (0260 3862 111) hoặc gọi 113."


def test_no_card_prints_a_missing_value_mid_sentence(catalogue: Catalogue) -> None:
    """Every card of the shipped (blank) ward: no "chưa cập nhật" right after a label such as
    "gọi" or "tại", and the details still missing are said once, at the end."""
    from handlers.cards import card, details

    for entry in catalogue.entries.values():
        for reply in (card(entry, catalogue), details(entry, catalogue)):
            lowered = reply.text.lower()
            for bad in (
                "gọi chưa cập nhật",
                "tại chưa cập nhật",
                "số chưa cập nhật",
                "(chưa cập nhật)",
            ):
                assert bad not in lowered, (entry.id, bad)


@pytest.mark.parametrize(
    "path",
    sorted(CONTENT_DIR.parent.rglob("*.yaml")),
    ids=lambda p: str(p.relative_to(CONTENT_DIR.parent)),
)
def test_the_fast_yaml_reader_builds_what_safe_load_builds(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert parse_yaml(text) == yaml.safe_load(text)


def test_a_broken_content_file_is_named_with_the_problem(tmp_path: Path) -> None:
    shutil.copytree(CONTENT_DIR, tmp_path / "data")
    (tmp_path / "data" / "broken.yaml").write_text("entries: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"broken\.yaml: not valid YAML"):
        load_catalogue(tmp_path / "data")
