"""Text helpers shared by the cards: placeholders, footers, numbered choices."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from content.loader import model_strings
from content.models import PLACEHOLDER, EntryBase, Source, WardConfig
from handlers.domain.calendar import VIETNAM
from handlers.domain.types import Button, Reply

NOT_SET = "chưa cập nhật"
_DESK = "Bộ phận Một cửa của phường"


def missing_fact(key: str, ward: WardConfig) -> str:
    """How a fact not filled in yet reads: said plainly, with the office that knows it."""
    contact = ward.contacts.get(ward.fact_desks.get(key, ""))
    return f"{NOT_SET}, bạn vui lòng hỏi {contact.label if contact else _DESK}"


CONTACT_FIELDS = {
    "phone": "số điện thoại",
    "address": "địa chỉ",
    "hours": "giờ làm việc",
    "email": "thư điện tử",
    "url": "trang web",
}
UPDATING = "phường đang cập nhật"
_OPENERS = "(,;\n"  # a clause starts after one of these (or at a sentence start)
_CLOSERS = "),;\n"
_LEADING_JOINER = re.compile(r"^(?:hoặc|và|rồi)\s+", re.IGNORECASE)


def _contact_value(key: str, ward: WardConfig) -> str | None:
    name, _, attr = key.partition(".")
    contact = ward.contacts.get(name)
    found = getattr(contact, attr, None) if contact else None
    return str(found) if found else None


def _clause_start(text: str, at: int) -> int:
    i = at
    while i > 0 and text[i - 1] not in _OPENERS and text[i - 2 : i] != ". ":
        i -= 1
    return i


def _clause_end(text: str, at: int) -> int:
    i = at
    while i < len(text) and text[i] not in _CLOSERS and not text.startswith(". ", i):
        i += 1
    return i


def _drop_clause(text: str, start: int, end: int) -> str:
    """The text without the clause around text[start:end], and without the separator that
    joined it: "A (địa chỉ: X) B" -> "A B", "A, điện thoại: X, B" -> "A, B"."""
    left, right = _clause_start(text, start), _clause_end(text, end)
    opener = text[left - 1] if left else ""
    closer = text[right] if right < len(text) else ""
    before, after = text[: max(left - 1, 0)], text[right + 1 :]
    if opener == "(" and closer == ")":
        after = after.lstrip(" ")
        return before.rstrip() + (" " if after[:1].isalnum() else "") + after
    if opener == "(" and closer in ",;":
        return text[:left] + after.lstrip(" ")
    if opener in (",", ";"):
        return before + closer + after
    # The clause began a sentence or a line: what follows takes its place.
    if closer in ",;":
        rest = _LEADING_JOINER.sub("", after.lstrip(" "))
        rest = rest[:1].upper() + rest[1:]
    elif closer == ".":
        rest = after.lstrip(" ")
    else:
        rest = closer + after
    head = text[:left]
    return head.rstrip() + rest if not rest.strip(" ") or rest[0] == "\n" else head + rest


def fill(text: str, ward: WardConfig) -> str:
    """`filled`, or "Phường đang cập nhật." when nothing is left of the text."""
    return filled(text, ward) or f"{UPDATING[0].upper()}{UPDATING[1:]}."


def filled(text: str, ward: WardConfig) -> str:
    """Replace {fact:...} and {contact:...} with the ward's values. A fact not filled in says
    so and names the office that knows it; a contact detail not filled in takes its clause
    with it ("Công an phường (địa chỉ: ...)" -> "Công an phường"), and the card's closing line
    (`missing_contacts`) says what the ward is still filling in."""
    while True:
        for match in PLACEHOLDER.finditer(text):
            kind, key = match.group(1), match.group(2)
            if kind == "contact" and _contact_value(key, ward) is None:
                text = _drop_clause(text, match.start(), match.end())
                break
        else:
            break

    def value(match: re.Match[str]) -> str:
        kind, key = match.group(1), match.group(2)
        if kind == "fact":
            return ward.facts.get(key) or missing_fact(key, ward)
        return _contact_value(key, ward) or UPDATING

    return re.sub(r" {2,}", " ", PLACEHOLDER.sub(value, text).strip())


def missing_contacts(texts: Iterable[str], ward: WardConfig) -> str | None:
    """One closing line for the ward's contact details a card refers to but the ward has not
    filled in yet: "Phường đang cập nhật: số điện thoại của Công an phường Đăk Bla."."""
    wanted: dict[str, list[str]] = {}
    for text in texts:
        for kind, key in PLACEHOLDER.findall(text):
            name, _, attr = key.partition(".")
            if kind == "contact" and attr in CONTACT_FIELDS and _contact_value(key, ward) is None:
                fields = wanted.setdefault(name, [])
                if CONTACT_FIELDS[attr] not in fields:
                    fields.append(CONTACT_FIELDS[attr])
    parts = [
        f"{', '.join(fields)} của {ward.contacts[name].label}"
        for name, fields in wanted.items()
        if name in ward.contacts
    ]
    return f"Phường đang cập nhật {'; '.join(parts)}." if parts else None


def sentences(text: str) -> list[str]:
    """The sentences of a text: a break after "." or ";" before a capital letter (dates such
    as 01/7/2025 and lists "a; b" in lower case stay whole); each ends with a full stop."""
    parts, start = [], 0
    for match in re.finditer(r"[.;] +", text):
        if text[match.end() : match.end() + 1].isupper():
            parts.append(text[start : match.start()] + ".")
            start = match.end()
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def vn_date(day: date) -> str:
    """Vietnamese date form: 26/11/2026."""
    return day.strftime("%d/%m/%Y")


def local_date(moment: datetime) -> str:
    """The day of a stored (UTC) moment in Vietnam, in the Vietnamese form."""
    return vn_date(moment.astimezone(VIETNAM).date())


def _source_label(source: Source) -> str:
    return source.url.host.removeprefix("www.") if source.url and source.url.host else source.title


SHORT_SOURCES = 2  # a short card names its first sources; "Xem thêm" lists them all


def footer(
    entry: EntryBase,
    legal_basis: Sequence[str] = (),
    ward: WardConfig | None = None,
    short: bool = False,
) -> str:
    """The closing lines of every card: the ward's details still being filled in, legal basis,
    sources and the date last checked (a short card: its first sources, no legal basis)."""
    lines = []
    missing = missing_contacts(model_strings(entry), ward) if ward is not None else None
    if missing:
        lines.append(missing)
    if legal_basis and not short:
        lines.append("Căn cứ: " + "; ".join(legal_basis) + ".")
    names = list(dict.fromkeys(_source_label(s) for s in entry.source))
    if short and len(names) > SHORT_SOURCES + 1:
        more = len(names) - SHORT_SOURCES
        names = [*names[:SHORT_SOURCES], f"{more} nguồn khác"]
    lines.append(
        f"Nguồn: {', '.join(names)}. Thông tin kiểm tra ngày {vn_date(entry.verified_on)}."
    )
    return "\n".join(lines)


def bullets(items: Iterable[str], ward: WardConfig, numbered: bool = False) -> str:
    """A list as chat lines: "• item" or "1. item"."""
    shown = [text for text in (filled(item, ward) for item in items) if text]
    return "\n".join(
        f"{i}. {item}" if numbered else f"• {item}" for i, item in enumerate(shown, 1)
    )


# Abbreviations residents may not know, glossed where an answer first uses them.
ABBREVIATIONS = {
    "HĐND": "Hội đồng nhân dân",
    "CT01": "tờ khai thay đổi thông tin cư trú",
    "CT07": "giấy xác nhận thông tin về cư trú",
    "NFC": "chạm thẻ căn cước vào điện thoại",
    "OTP": "mã xác thực gửi qua tin nhắn",
    "PAKN": "phản ánh, kiến nghị",
    "BHYT": "bảo hiểm y tế",
    "BHXH": "bảo hiểm xã hội",
    "GPLX": "giấy phép lái xe",
    "TTHC": "thủ tục hành chính",
}

# Each abbreviation with its gloss, the gloss folded, and the abbreviation as a word of its
# own not already followed by a gloss: compiled once, every answer goes through them.
_GLOSSES = [
    (short, full, full.casefold(), re.compile(rf"(?<![\w/]){re.escape(short)}(?![\w/])(?! \()"))
    for short, full in ABBREVIATIONS.items()
]


def spell_out(text: str) -> str:
    """The text with each abbreviation glossed at its first use below the title ("HĐND" ->
    "HĐND (Hội đồng nhân dân)"), unless the text already says it in full or glosses it."""
    title, newline, body = text.partition("\n")
    folded_body = body.casefold()
    for short, full, folded_full, standalone in _GLOSSES:
        if short not in body or folded_full in folded_body:  # most answers use none
            continue
        match = standalone.search(body)
        if match is not None:
            body = f"{body[: match.end()]} ({full}){body[match.end() :]}"
            folded_body = body.casefold()
    return title + newline + body


def spelled_out(reply: Reply) -> Reply:
    """The reply with its abbreviations glossed (`spell_out`)."""
    return Reply(spell_out(reply.text), reply.buttons, reply.image_url)


def numbered_choices(reply: Reply) -> str:
    """The reply with its buttons as numbered lines, for channels without buttons."""
    if not reply.buttons:
        return reply.text
    lines = [f"{i}. {button.title}" for i, button in enumerate(reply.buttons, 1)]
    return f"{reply.text}\n\nGõ số để chọn:\n" + "\n".join(lines)


def with_buttons(text: str, buttons: Iterable[Button]) -> Reply:
    """A reply, dropping duplicate buttons (same payload) while keeping their order."""
    unique = {b.payload: b for b in buttons}
    return Reply(text=text, buttons=tuple(unique.values()))
