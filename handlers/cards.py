"""Chat cards for catalogue entries: short first, details on request, sources always."""

from __future__ import annotations

import re
from collections.abc import Sequence

from content.loader import Catalogue
from content.models import (
    AnswerEntry,
    ContactList,
    HowTo,
    Procedure,
    Redirect,
    Topic,
    WardAnswer,
    WardConfig,
)
from content.normalize import folded_phrase
from handlers.domain.actions import Action, more_of, open_entry
from handlers.domain.types import Button, Reply
from handlers.render import bullets, fill, footer, sentences, spelled_out, with_buttons

MENU_BUTTON = Button("Về menu chính", Action("menu").pack())
# One label, always the last button of a flow's screen, so its number never moves.
CANCEL_BUTTON = Button("Hủy", Action("cancel").pack())
MAX_RELATED = 3
CONTACT_LABELS = (("phone", "điện thoại"), ("address", "địa chỉ"), ("hours", "giờ làm việc"))


def _related_buttons(entry: AnswerEntry, catalogue: Catalogue) -> list[Button]:
    found = (catalogue.get(ref) for ref in entry.related[:MAX_RELATED])
    return [Button(e.title, open_entry(e.id)) for e in found if e is not None]


def procedure_facts(entry: Procedure, ward: WardConfig) -> dict[str, str]:
    online = (
        f"{entry.online.how} {entry.online.url or ''}".strip()
        if entry.online.available
        else f"Chưa nộp trực tuyến được. {entry.online.how}"
    )
    return {
        "time": f"Thời hạn: {fill(entry.processing_time, ward)}",
        "fee": f"Lệ phí: {fill(entry.fee, ward)}",
        "where": f"Nơi nộp: {fill(entry.where, ward)}",
        "online": f"Nộp trực tuyến: {fill(online, ward)}",
    }


# A summary that already gives the time or the fee: the card does not say it again below.
STATES_TIME = re.compile(
    r"\b\d+ (?:ngay|gio|thang|tuan)\b|\btrong ngay\b|\bngay lam viec\b|\btiep nhan ngay\b"
)
STATES_FEE = re.compile(r"\ble phi\b|\bmien phi\b|\bkhong mat (?:tien|phi)\b|\b\d+\.000 dong\b")
MORE = "Xem thêm: hồ sơ, các bước"


def first_sentence(text: str) -> str:
    """The first sentence of a fact ("UBND phường nơi bạn cư trú." of a longer "Nơi nộp");
    the rest is in the details."""
    return next(iter(sentences(text)), text)


def short_facts(entry: Procedure, ward: WardConfig) -> list[str]:
    """The facts of the short card: the first sentence of each, and none the summary gives."""
    said = folded_phrase(entry.summary)
    lines = []
    if not STATES_TIME.search(said):
        lines.append(f"Thời hạn: {first_sentence(fill(entry.processing_time, ward))}")
    if not STATES_FEE.search(said):
        lines.append(f"Lệ phí: {first_sentence(fill(entry.fee, ward))}")
    lines.append(f"Nơi nộp: {first_sentence(fill(entry.where, ward))}")
    if entry.online.available:
        lines.append("Nộp trực tuyến: được (cách làm trong phần Xem thêm).")
    else:
        lines.append("Nộp trực tuyến: chưa được, nộp trực tiếp.")
    return lines


def online_link(entry: Procedure | Redirect) -> list[str]:
    """The portal as a label and its address on a line of its own."""
    online = entry.online
    if online is None or not online.available or online.url is None:
        return []
    host = online.url.host or ""
    label = PORTALS.get(host.removeprefix("www."), "Trang nộp trực tuyến")
    return [f"{label}:", str(online.url)]


PORTALS = {
    "dichvucong.gov.vn": "Cổng Dịch vụ công quốc gia",
    "dichvucong.bocongan.gov.vn": "Cổng Dịch vụ công Bộ Công an",
}


def procedure_card(entry: Procedure, catalogue: Catalogue, lead: Sequence[str] = ()) -> Reply:
    """Short procedure card, made for a phone: the answer asked for first, the summary, the
    key facts in one line each; documents, steps and the legal basis behind "Xem thêm"."""
    ward = catalogue.ward
    lines = [entry.title.upper(), *lead, fill(entry.summary, ward), ""]
    shown = "\n".join(lead)
    lines += [text for text in short_facts(entry, ward) if text.split(":")[0] not in shown]
    lines += online_link(entry)
    lines += ["", footer(entry, ward=ward, short=True)]
    buttons = [Button(MORE, more_of(entry.id)), *_related_buttons(entry, catalogue), MENU_BUTTON]
    return with_buttons("\n".join(lines), buttons)


def procedure_details(entry: Procedure, catalogue: Catalogue) -> Reply:
    """Everything about a procedure: documents, steps, notes, the full facts, the legal basis."""
    ward = catalogue.ward
    parts = [entry.title.upper(), "Hồ sơ cần chuẩn bị:\n" + bullets(entry.documents, ward)]
    if entry.steps:
        parts.append("Các bước:\n" + bullets(entry.steps, ward, numbered=True))
    if entry.notes:
        parts.append("Lưu ý:\n" + bullets(entry.notes, ward))
    parts.append("\n".join(procedure_facts(entry, ward).values()))
    parts.append(f"Cơ quan giải quyết: {fill(entry.handled_by, ward)}")
    if entry.tthc_code:
        parts.append(f"Mã thủ tục trên Cổng Dịch vụ công: {entry.tthc_code}")
    parts.append(footer(entry, entry.legal_basis, catalogue.ward))
    return with_buttons("\n\n".join(parts), [*_related_buttons(entry, catalogue), MENU_BUTTON])


def _links(entry: HowTo | Redirect) -> str:
    return "\n".join(f"{link.label}:\n{link.url}" for link in entry.links)


def howto_card(entry: HowTo, catalogue: Catalogue, lead: Sequence[str] = ()) -> Reply:
    """A how-to: the steps are the answer, so they come right after the summary; notes and
    the legal basis behind "Xem thêm"."""
    ward = catalogue.ward
    parts = [
        "\n".join([entry.title.upper(), *lead, fill(entry.summary, ward)]),
        bullets(entry.steps, ward, numbered=True),
    ]
    if entry.links:
        parts.append(_links(entry))
    parts.append(footer(entry, ward=ward, short=True))
    buttons = [*_related_buttons(entry, catalogue), MENU_BUTTON]
    if entry.notes or entry.legal_basis:
        buttons.insert(0, Button("Xem thêm lưu ý", more_of(entry.id)))
    return with_buttons("\n\n".join(parts), buttons)


def howto_details(entry: HowTo, catalogue: Catalogue) -> Reply:
    """The notes and the legal basis of a how-to."""
    ward = catalogue.ward
    parts = [entry.title.upper()]
    if entry.notes:
        parts.append("Lưu ý:\n" + bullets(entry.notes, ward))
    parts.append(footer(entry, entry.legal_basis, catalogue.ward))
    return with_buttons("\n\n".join(parts), [*_related_buttons(entry, catalogue), MENU_BUTTON])


def redirect_card(entry: Redirect, catalogue: Catalogue, lead: Sequence[str] = ()) -> Reply:
    """A matter another office handles: who, how to reach it, how to do it online; the steps
    and notes one tap away."""
    ward = catalogue.ward
    lines = [
        entry.title.upper(),
        *lead,
        "Việc này không do UBND phường giải quyết. "
        f"Nơi giải quyết: {fill(entry.handled_by, ward)}.",
        fill(entry.summary, ward),
        "",
        f"Liên hệ: {fill(entry.where, ward)}",
    ]
    if entry.online is not None:
        lines.append(f"Làm trực tuyến: {fill(entry.online.how, ward)}")
        lines += online_link(entry)
    lines += ["", footer(entry, ward=ward, short=True)]
    buttons = [*_related_buttons(entry, catalogue), MENU_BUTTON]
    if entry.steps or entry.notes or entry.links or entry.legal_basis:
        buttons.insert(0, Button("Xem thêm", more_of(entry.id)))
    return with_buttons("\n".join(lines), buttons)


def redirect_details(entry: Redirect, catalogue: Catalogue) -> Reply:
    """The steps, notes and links of a redirect."""
    ward = catalogue.ward
    parts = [entry.title.upper()]
    if entry.steps:
        parts.append("Các bước:\n" + bullets(entry.steps, ward, numbered=True))
    if entry.notes:
        parts.append("Lưu ý:\n" + bullets(entry.notes, ward))
    if entry.links:
        parts.append(_links(entry))
    if entry.tthc_code:
        parts.append(f"Mã thủ tục trên Cổng Dịch vụ công: {entry.tthc_code}")
    parts.append(footer(entry, entry.legal_basis, catalogue.ward))
    return with_buttons("\n\n".join(parts), [*_related_buttons(entry, catalogue), MENU_BUTTON])


def _contact_line(contact, ward: WardConfig) -> str:
    """One phone line; a ward contact shows the details it has, and says plainly which it
    does not have yet instead of printing "chưa cập nhật" after every label."""
    if contact.number:
        return f"• {contact.name}: {contact.number} ({contact.purpose})"
    info = ward.contacts[contact.ward_contact]
    known = [
        f"{label} {value}" if name == "phone" else f"{label}: {value}"
        for name, label in CONTACT_LABELS
        if (value := getattr(info, name))
    ]
    if not known:
        return f"• {info.label}: phường đang cập nhật số điện thoại, địa chỉ."
    return f"• {info.label}: {'; '.join(known)} ({contact.purpose})"


def _compact_line(contact, ward: WardConfig) -> str:
    """ "• Cháy nổ, cứu nạn: 114": the situation and the number, nothing else."""
    if contact.number:
        return f"• {contact.name}: {contact.number}"
    phone = ward.contacts[contact.ward_contact].phone
    return f"• {contact.name}: {phone or 'phường đang cập nhật số'}"


def contacts_card(entry: ContactList, catalogue: Catalogue, lead: Sequence[str] = ()) -> Reply:
    """Phone lines; a ward number not filled in is said to be on its way, never guessed."""
    ward = catalogue.ward
    lines = [entry.title.upper(), *lead, fill(entry.summary, ward), ""]
    line = _compact_line if entry.compact else _contact_line
    lines += [line(c, ward) for c in entry.contacts]
    if entry.notes:
        lines += ["", bullets(entry.notes, ward)]
    lines += ["", footer(entry, ward=catalogue.ward)]
    return with_buttons("\n".join(lines), [*_related_buttons(entry, catalogue), MENU_BUTTON])


def topic_card(entry: Topic, catalogue: Catalogue, lead: Sequence[str] = ()) -> Reply:
    """A broad subject: a short overview and the entries to choose from."""
    ward = catalogue.ward
    lines = [entry.title.upper(), *lead, fill(entry.summary, ward)]
    if entry.body:
        lines += ["", bullets(entry.body, ward)]
    lines += ["", "Bạn cần việc nào?", "", footer(entry, ward=catalogue.ward)]
    children = (catalogue.get(child) for child in entry.children)
    buttons = [Button(c.title, open_entry(c.id)) for c in children if c is not None]
    return with_buttons("\n".join(lines), [*buttons, MENU_BUTTON])


def ward_answer_card(entry: WardAnswer, catalogue: Catalogue, lead: Sequence[str] = ()) -> Reply:
    """An answer ward staff wrote: their words as written, and who answered and when."""
    lines = [entry.title.upper(), *lead, *entry.body, "", footer(entry, short=True)]
    return with_buttons("\n".join(lines), [*_related_buttons(entry, catalogue), MENU_BUTTON])


FILE_HERE = Button("Gửi phản ánh ngay tại đây", Action("section", "feedback").pack())
FEEDBACK_GUIDE = "phan-anh-kien-nghi"
HOTLINES = "duong-day-nong"  # the card of numbers by matter, for "gọi ai bây giờ"


TOPIC_FACTS = 4  # a broad subject's procedures listed with the fact asked


def topic_facts_card(entry: Topic, catalogue: Catalogue, facets: Sequence[str]) -> Reply | None:
    """A fact asked of a broad subject ("có mất tiền không?" after "thẻ căn cước"): that fact
    of each of its procedures, which differ; None when the subject's entries have none."""
    ward = catalogue.ward
    lines = [entry.title.upper()]
    children = [catalogue.get(child) for child in entry.children]
    procedures = [c for c in children if isinstance(c, Procedure)][:TOPIC_FACTS]
    for child in procedures:
        facts = procedure_facts(child, ward)
        shown = [facts[f] for f in facets if f in facts]
        if shown:
            lines.append(f"• {child.title}: " + " ".join(shown))
    if len(lines) == 1:
        return None
    lines += ["", footer(entry, ward=catalogue.ward)]
    buttons = [Button(c.title, open_entry(c.id)) for c in procedures]
    return with_buttons("\n".join(lines), [*buttons, MENU_BUTTON])


def follow_up_card(entry: AnswerEntry, catalogue: Catalogue, lead: Sequence[str]) -> Reply:
    """The answer to a follow-up about the entry in focus ("lệ phí bao nhiêu?"): the title
    and what was asked, with the whole card one tap away."""
    if not lead or not isinstance(entry, Procedure | HowTo | Redirect):
        return card(entry, catalogue, lead)
    basis = entry.legal_basis if isinstance(entry, Procedure | Redirect) else ()
    text = "\n".join([entry.title.upper(), *lead, "", footer(entry, basis, catalogue.ward)])
    buttons = [Button("Xem đầy đủ", open_entry(entry.id))]
    if isinstance(entry, Procedure):
        buttons.append(Button("Hồ sơ cần chuẩn bị", more_of(entry.id)))
    return with_buttons(text, [*buttons, *_related_buttons(entry, catalogue), MENU_BUTTON])


def lesson_button(entry: AnswerEntry, catalogue: Catalogue) -> Button | None:
    """The "Học kỹ năng số" course about this entry, offered under its card."""
    course = catalogue.courses.get(catalogue.course_of.get(entry.id, ""))
    if course is None:
        return None
    return Button(f"Học: {course.title}", Action("learn", f"open:{course.id}").pack())


def card(entry: AnswerEntry, catalogue: Catalogue, lead: Sequence[str] = ()) -> Reply:
    """The short card of any entry (the feedback guide also offers filing in the chat; an
    entry with a course offers the lesson, before the way back to the menu)."""
    reply = spelled_out(_card(entry, catalogue, lead))
    lesson = lesson_button(entry, catalogue)
    if lesson is not None:
        buttons = [b for b in reply.buttons if b != MENU_BUTTON]
        reply = with_buttons(reply.text, [*buttons, lesson, MENU_BUTTON])
    if entry.id == FEEDBACK_GUIDE:
        return with_buttons(reply.text, [FILE_HERE, *reply.buttons])
    return reply


def _card(entry: AnswerEntry, catalogue: Catalogue, lead: Sequence[str] = ()) -> Reply:
    if isinstance(entry, Procedure):
        return procedure_card(entry, catalogue, lead)
    if isinstance(entry, HowTo):
        return howto_card(entry, catalogue, lead)
    if isinstance(entry, ContactList):
        return contacts_card(entry, catalogue, lead)
    if isinstance(entry, Redirect):
        return redirect_card(entry, catalogue, lead)
    if isinstance(entry, WardAnswer):
        return ward_answer_card(entry, catalogue, lead)
    return topic_card(entry, catalogue, lead)


def details(entry: AnswerEntry, catalogue: Catalogue) -> Reply:
    """The detailed card, for the "more" button."""
    if isinstance(entry, Procedure):
        return spelled_out(procedure_details(entry, catalogue))
    if isinstance(entry, HowTo):
        return spelled_out(howto_details(entry, catalogue))
    if isinstance(entry, Redirect):
        return spelled_out(redirect_details(entry, catalogue))
    return card(entry, catalogue)
