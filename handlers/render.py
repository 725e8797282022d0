"""Text helpers shared by the cards: placeholders, footers, numbered choices."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date

from content.models import PLACEHOLDER, EntryBase, Source, WardConfig
from handlers.types import Button, Reply

NOT_SET = "chưa cập nhật"
_DESK = "Bộ phận Một cửa của phường"


def missing_fact(key: str, ward: WardConfig) -> str:
    """How a fact not filled in yet reads: said plainly, with the office that knows it."""
    contact = ward.contacts.get(ward.fact_desks.get(key, ""))
    return f"{NOT_SET}, bạn vui lòng hỏi {contact.label if contact else _DESK}"


def fill(text: str, ward: WardConfig) -> str:
    """Replace {fact:...} and {contact:...} with the ward's values or a plain "chưa cập nhật"."""

    def value(match: re.Match[str]) -> str:
        kind, key = match.group(1), match.group(2)
        if kind == "fact":
            return ward.facts.get(key) or missing_fact(key, ward)
        name, _, attr = key.partition(".")
        contact = ward.contacts.get(name)
        found = getattr(contact, attr, None) if contact else None
        return str(found) if found else NOT_SET

    return PLACEHOLDER.sub(value, text)


def vn_date(day: date) -> str:
    """Vietnamese date form: 26/11/2026."""
    return day.strftime("%d/%m/%Y")


def _source_label(source: Source) -> str:
    return source.url.host.removeprefix("www.") if source.url and source.url.host else source.title


def footer(entry: EntryBase, legal_basis: Sequence[str] = ()) -> str:
    """The closing lines of every card: legal basis, sources and the date last checked."""
    lines = []
    if legal_basis:
        lines.append("Căn cứ: " + "; ".join(legal_basis) + ".")
    sources = ", ".join(dict.fromkeys(_source_label(s) for s in entry.source))
    lines.append(f"Nguồn: {sources}. Thông tin kiểm tra ngày {vn_date(entry.verified_on)}.")
    return "\n".join(lines)


def bullets(items: Iterable[str], ward: WardConfig, numbered: bool = False) -> str:
    """A list as chat lines: "• item" or "1. item"."""
    return "\n".join(
        f"{i}. {fill(item, ward)}" if numbered else f"• {fill(item, ward)}"
        for i, item in enumerate(items, 1)
    )


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
