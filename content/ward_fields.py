"""The ward's own data as the console edits it: one field per contact detail, per ward fact
and per detail of the Word report's letterhead, named after the ward file
(`contacts.cong_an.phone`, `facts.le_phi_can_cuoc`, `report.signer`), checked before it is
stored, and laid over the ward file's values."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import phonenumbers
from pydantic import HttpUrl, ValidationError

from content.models import WardConfig

CONTACT_FIELDS = {
    "label": "Tên hiển thị",
    "phone": "Số điện thoại",
    "address": "Địa chỉ",
    "hours": "Giờ làm việc",
    "email": "Thư điện tử",
    "url": "Trang web",
}
# The details a contact is expected to have (what the console's home counts as unfilled).
ESSENTIAL = ("phone", "address", "hours", "url")
MAX_CHARS = {"label": 150, "phone": 40, "address": 300, "hours": 200, "email": 120, "url": 300}
MAX_FACT_CHARS = 600
FACTS_GROUP = "Thông tin riêng của phường"
# The Word report's "Kính gửi" and signature block (Nghị định 30/2020/NĐ-CP). Not counted as
# unfilled: residents never hear them; the report says "chưa cập nhật" while they are empty.
REPORT_GROUP = "Báo cáo định kỳ gửi cấp trên (tệp Word)"
REPORT_FIELDS = {
    "addressees": "Kính gửi – nơi nhận báo cáo (nhiều nơi: mỗi nơi một dòng)",
    "authority": "Thẩm quyền ký",
    "title": "Chức vụ người ký (ví dụ: CHỦ TỊCH, PHÓ CHỦ TỊCH)",
    "signer": "Họ và tên người ký",
}
AUTHORITIES = (
    ("TM.", "TM. – Chủ tịch ký thay mặt Ủy ban nhân dân"),
    ("KT.", "KT. – Phó Chủ tịch ký thay Chủ tịch"),
)
MAX_REPORT_CHARS = {"addressees": 600, "authority": 3, "title": 60, "signer": 80}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
_FORMULA = ("=", "+", "-", "@")  # a spreadsheet would run it as a formula
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


@dataclass(frozen=True)
class WardField:
    """One editable item of the ward's data."""

    key: str  # "contacts.cong_an.phone", "facts.le_phi_can_cuoc" or "report.signer"
    group: str  # the contact's label, FACTS_GROUP or REPORT_GROUP
    label: str  # "Số điện thoại", or the fact's key
    value: str | None
    essential: bool  # counted as unfilled while empty
    long: bool = False  # several lines of text (a fact, the addressees)
    choices: tuple[tuple[str, str], ...] = ()  # (value, label): one of these or empty


def fields(ward: WardConfig, ward_file: WardConfig | None = None) -> Iterator[WardField]:
    """Every editable item, contacts first (in the ward file's order), then facts. The
    details a contact is expected to have are those the ward file lists (`ward_file`, when
    `ward` carries the console's values)."""
    for contact_id, contact in ward.contacts.items():
        given = (ward_file or ward).contacts[contact_id].model_fields_set
        for name, label in CONTACT_FIELDS.items():
            value = getattr(contact, name)
            yield WardField(
                f"contacts.{contact_id}.{name}",
                contact.label,
                label,
                None if value is None else str(value),
                name in ESSENTIAL and name in given,
            )
    for fact, value in ward.facts.items():
        yield WardField(f"facts.{fact}", FACTS_GROUP, fact, value, True, long=True)
    for name, label in REPORT_FIELDS.items():
        yield WardField(
            f"report.{name}",
            REPORT_GROUP,
            label,
            getattr(ward.report, name),
            False,
            long=name == "addressees",
            choices=AUTHORITIES if name == "authority" else (),
        )


def unfilled(ward: WardConfig, ward_file: WardConfig | None = None) -> list[WardField]:
    """The items residents are told "chưa cập nhật" about."""
    return [f for f in fields(ward, ward_file) if f.essential and not f.value]


class InvalidValue(ValueError):
    """A value the console refuses, with the reason in Vietnamese for the form."""


def clean(key: str, raw: str, ward: WardConfig) -> str | None:
    """The value to store for `key` (None: not filled in), or InvalidValue."""
    kind, name = _kind(key, ward)
    if kind == "report":
        return _report_value(name, raw)
    text = _one_line(raw)
    if not text:
        if name == "label":
            raise InvalidValue("Tên hiển thị không được để trống.")
        return None
    limit = MAX_FACT_CHARS if kind == "fact" else MAX_CHARS[name]
    if len(text) > limit:
        raise InvalidValue(f"Quá dài (tối đa {limit} ký tự).")
    if name == "phone":
        return _phone(text)
    if text.startswith(_FORMULA):
        raise InvalidValue("Không bắt đầu bằng các dấu =, +, -, @.")
    if name == "email" and not _EMAIL.match(text):
        raise InvalidValue("Thư điện tử không đúng dạng, ví dụ: ubnd@quangngai.gov.vn.")
    if name == "url":
        return _https(text)
    return text


def _one_line(raw: str) -> str:
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", raw)).strip()


def _report_value(name: str, raw: str) -> str | None:
    """Addressees one per line (or between ";"), kept as "A; B"; TM. or KT.; a title or a
    name on one line."""
    if name == "addressees":
        items = (
            _one_line(item).strip("-–•* ").rstrip(";.,").strip()
            for item in re.split(r"[;\n]", raw)
        )
        text = "; ".join(item for item in items if item)
    elif name == "authority":
        text = _one_line(raw).upper().rstrip(".")
        text = f"{text}." if text else ""
        if text and text not in dict(AUTHORITIES):
            raise InvalidValue("Chọn TM. (Chủ tịch ký) hoặc KT. (Phó Chủ tịch ký thay).")
    else:
        text = _one_line(raw)
    if not text:
        return None
    if len(text) > MAX_REPORT_CHARS[name]:
        raise InvalidValue(f"Quá dài (tối đa {MAX_REPORT_CHARS[name]} ký tự).")
    if any(item.strip().startswith(_FORMULA) for item in text.split(";")):
        raise InvalidValue("Không bắt đầu bằng các dấu =, +, -, @.")
    return text


def _kind(key: str, ward: WardConfig) -> tuple[str, str]:
    parts = key.split(".")
    contact = len(parts) == 3 and parts[0] == "contacts" and parts[1] in ward.contacts
    if contact and parts[2] in CONTACT_FIELDS:
        return "contact", parts[2]
    if len(parts) == 2 and parts[0] == "facts" and parts[1] in ward.facts:
        return "fact", parts[1]
    if len(parts) == 2 and parts[0] == "report" and parts[1] in REPORT_FIELDS:
        return "report", parts[1]
    raise InvalidValue(f"Không có mục {key!r} trong thông tin của phường.")


def _phone(text: str) -> str:
    """A Vietnamese number as it is written at home ("0260 3862 111", "1900 0368")."""
    try:
        number = phonenumbers.parse(text, "VN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or number.country_code != 84 or not phonenumbers.is_valid_number(number):
        raise InvalidValue(
            "Số điện thoại không hợp lệ. Ghi một số của Việt Nam, ví dụ 0260 3862 111, "
            "0905 123 456 hoặc 1900 0368."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)


def _https(text: str) -> str:
    try:
        url = HttpUrl(text)
    except ValidationError:
        raise InvalidValue("Địa chỉ trang web không đúng dạng.") from None
    if url.scheme != "https" or not url.host or "." not in url.host:
        raise InvalidValue("Chỉ nhận địa chỉ trang web bắt đầu bằng https://.")
    return str(url)


def overlay(data: dict[str, Any], values: Mapping[str, str | None]) -> dict[str, Any]:
    """The ward file's data (as read from YAML) with the console's values laid over it, in
    place; keys the ward file no longer has are left out."""
    contacts, facts = data.get("contacts") or {}, data.get("facts") or {}
    for key, value in values.items():
        parts = key.split(".")
        if len(parts) == 3 and parts[0] == "contacts" and parts[1] in contacts:
            if parts[2] in CONTACT_FIELDS and (value or parts[2] != "label"):
                contacts[parts[1]][parts[2]] = value
        elif len(parts) == 2 and parts[0] == "facts" and parts[1] in facts:
            facts[parts[1]] = value
        elif len(parts) == 2 and parts[0] == "report" and parts[1] in REPORT_FIELDS:
            data["report"] = {**(data.get("report") or {}), parts[1]: value}
    return data


def apply(ward: WardConfig, values: Mapping[str, str | None]) -> WardConfig:
    """The ward with the console's values laid over the ward file's."""
    return WardConfig.model_validate(overlay(ward.model_dump(mode="json"), values))
