"""Greeting, main menu and its sections."""

from __future__ import annotations

from content.models import ContactList, MenuSection
from handlers.cards import MENU_BUTTON, contacts_card
from handlers.domain.actions import Action, open_entry
from handlers.domain.types import Button, Reply, Response
from handlers.feature import Feature
from handlers.render import with_buttons
from handlers.turn import Turn

STALE = "Nút này không còn dùng được nữa. Bạn chọn lại trong menu giúp mình nhé."


def menu_buttons(turn: Turn) -> list[Button]:
    """One button per main-menu section, and one for a contest while it runs."""
    sections = [
        Button(s.title, Action("section", s.id).pack()) for s in turn.deps.catalogue.menu.sections
    ]
    contests = [
        Button(f"🏆 {title}", Action("quiz", f"open:{contest_id}").pack())
        for contest_id, title in turn.open_contests
    ]
    return [*sections, *contests]


def main_menu(turn: Turn, greet: bool = True, intro: str | None = None) -> Response:
    """The greeting (on first contact or when asked) and the main menu."""
    menu = turn.deps.catalogue.menu
    ward = turn.deps.catalogue.ward
    parts = [intro] if intro else []
    if greet:
        parts.append(menu.greeting.replace("{ward}", ward.name))
    parts.append(menu.prompt)
    reply = with_buttons("\n\n".join(parts), menu_buttons(turn))
    return Response([reply], intent="greeting" if greet else "menu")


def find_section(turn: Turn, section_id: str) -> MenuSection | None:
    """The menu section with this id, if it exists."""
    return next((s for s in turn.deps.catalogue.menu.sections if s.id == section_id), None)


def entries_section(turn: Turn, section: MenuSection) -> Response:
    """A section that lists entries: hotlines inline, everything else as buttons."""
    catalogue = turn.deps.catalogue
    entries = [e for e in (catalogue.get(i) for i in section.entries) if e is not None]
    if section.inline:
        replies = [contacts_card(e, catalogue) for e in entries if isinstance(e, ContactList)]
        if len(replies) == 1:  # one card (one phone screen): its buttons lead to the details
            return Response(replies, intent="hotline", title=section.title)
        last = replies[-1]
        replies[-1] = Reply(last.text, (MENU_BUTTON,))
        replies = [Reply(r.text) for r in replies[:-1]] + [replies[-1]]
        return Response(replies, intent="hotline", title=section.title)
    buttons = [Button(e.title, open_entry(e.id)) for e in entries]
    text = f"{section.title.upper()}\n{section.intro or 'Bạn chọn một mục bên dưới.'}"
    return Response(
        [with_buttons(text, [*buttons, MENU_BUTTON])], intent="menu", title=section.title
    )


HELP = (
    "Cách dùng trợ lý:\n"
    '• Gõ câu hỏi bằng lời của bạn, có dấu hay không dấu đều được, ví dụ "lam cccd o dau".\n'
    "• Bấm nút, hoặc gõ số thứ tự của mục muốn chọn.\n"
    '• Gõ "menu" để về menu chính, "hủy" để dừng việc đang làm.\n'
    "Thông tin chỉ để tham khảo; khi cần chắc chắn, bạn hỏi Bộ phận Một cửa của phường."
)


async def _start(turn: Turn, _arg: str = "") -> Response:
    return main_menu(turn, greet=True)


async def _menu(turn: Turn, _arg: str = "") -> Response:
    return main_menu(turn, greet=False)


async def _help(turn: Turn, _arg: str = "") -> Response:
    return Response([with_buttons(HELP, [MENU_BUTTON])], intent="menu")


async def _menu_act(turn: Turn) -> Response:
    return main_menu(turn, greet=False)


FEATURE = Feature(
    "menu",
    verbs={"menu": _menu},
    commands={
        "/start": _start,
        "/batdau": _start,
        "/menu": _menu,
        "/help": _help,
        "/huongdan": _help,
        "/tro_giup": _help,
    },
    acts={"menu": _menu_act},
)
