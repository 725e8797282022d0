"""Buttons, slash commands, "hủy" and typed option numbers: everything that is not a question."""

from __future__ import annotations

import re

from content.normalize import folded_phrase
from handlers import (
    announcement_replies,
    contest,
    courses,
    feedback,
    privacy,
    satisfaction,
    subscriptions,
    tracking,
)
from handlers.actions import Action
from handlers.answer import entry_response
from handlers.cards import MENU_BUTTON, details
from handlers.menu import entries_section, find_section, main_menu, menu_buttons
from handlers.render import with_buttons
from handlers.turn import Turn
from handlers.types import Response

_NUMBER = re.compile(r"(?:so|chon|muc|lua chon)?\s*(\d{1,2})")
HELP = (
    "Cách dùng trợ lý:\n"
    '• Gõ câu hỏi bằng lời của bạn, có dấu hay không dấu đều được, ví dụ "lam cccd o dau".\n'
    "• Bấm nút, hoặc gõ số thứ tự của mục muốn chọn.\n"
    '• Gõ "menu" để về menu chính, "hủy" để dừng việc đang làm.\n'
    "Thông tin chỉ để tham khảo; khi cần chắc chắn, bạn hỏi Bộ phận Một cửa của phường."
)
CONTEST_WORDS = {"thi", "du thi", "cuoc thi", "thi tim hieu", "tham gia cuoc thi"}
STALE = "Nút này không còn dùng được nữa. Bạn chọn lại trong menu giúp mình nhé."


def _cancel(turn: Turn) -> Response:
    turn.state.flow = None
    keep = ("answered", "rating_asked")  # a cancelled flow does not reset the conversation
    turn.state.data = {k: v for k, v in turn.state.data.items() if k in keep}
    text = "Đã hủy. Bạn cần mình giúp gì khác không?"
    return Response([with_buttons(text, menu_buttons(turn))], intent="menu")


async def on_action(turn: Turn, action: Action | None) -> Response:
    """Carry out a pressed button (or a typed option number)."""
    catalogue = turn.deps.catalogue
    if action is None:
        return main_menu(turn, greet=False, intro=STALE)
    if action.verb in ("open", "more"):
        entry = catalogue.get(action.arg)
        if entry is None:
            return main_menu(turn, greet=False, intro=STALE)
        if action.verb == "open":
            return entry_response(turn, entry)
        response = entry_response(turn, entry)
        response.replies = [details(entry, catalogue)]
        return response
    if action.verb == "section":
        section = find_section(turn, action.arg)
        if section is None:
            return main_menu(turn, greet=False, intro=STALE)
        if section.action == "feedback":
            return await feedback.start(turn)
        if section.action == "subscribe":
            return await subscriptions.offer(turn)
        if section.action == "learn":
            return await courses.menu(turn)
        return entries_section(turn, section)
    if action.verb == "sub":
        return await subscriptions.on_button(turn, action.arg)
    if action.verb == "unsub":
        return await subscriptions.unsubscribe(turn)
    if action.verb == "cancel":
        return _cancel(turn)
    if action.verb == "fb":
        return await feedback.on_button(turn, action.arg)
    if action.verb == "rate":
        return await satisfaction.on_rating(turn, action.arg)
    if action.verb == "annq":
        return await announcement_replies.start(turn, action.arg)
    if action.verb == "learn":
        return await courses.on_button(turn, action.arg)
    if action.verb == "quiz":
        return await contest.on_button(turn, action.arg)
    if action.verb == "priv":
        return await privacy.on_button(turn, action.arg)
    return main_menu(turn, greet=False)


async def _slash(turn: Turn, command: str, rest: str) -> Response:
    if command in ("/start", "/batdau"):
        return main_menu(turn, greet=True)
    if command in ("/menu",):
        return main_menu(turn, greet=False)
    if command in ("/help", "/huongdan", "/tro_giup"):
        return Response([with_buttons(HELP, [MENU_BUTTON])], intent="menu")
    if command in ("/huy", "/cancel"):
        return _cancel(turn)
    if command in ("/tra_cuu", "/tracuu"):
        return await tracking.lookup(turn, tracking.find_code(rest))
    if command in ("/phan_anh", "/phananh"):
        return await feedback.start(turn)
    if command in ("/hoc", "/hoc_ky_nang_so"):
        return await courses.menu(turn)
    if command in ("/thi", "/cuoc_thi"):
        return await contest.entry(turn)
    if command in privacy.SHOW_COMMANDS:
        return await privacy.show(turn)
    if command in privacy.ERASE_COMMANDS:
        return privacy.ask(turn)
    return main_menu(turn, greet=False, intro="Mình chưa biết lệnh này.")


async def commands(turn: Turn) -> Response | None:
    """Handle anything that is a command rather than a question; None lets the search try."""
    if privacy.in_flow(turn):  # asked to confirm erasing: this message decides
        decided = await privacy.confirmation(turn)
        if decided is not None:
            return decided
    if turn.msg.payload is not None:
        return await on_action(turn, Action.unpack(turn.msg.payload))
    text, folded = turn.text.strip(), turn.folded
    if text.startswith("/"):
        command, _, rest = text.partition(" ")
        return await _slash(turn, command.split("@")[0].lower(), rest)
    if folded in turn.deps.lexicon.cancel:
        return _cancel(turn)
    wish = privacy.typed(turn)  # "dữ liệu của tôi", "xóa dữ liệu của tôi"
    if wish is not None:
        return await privacy.on_button(turn, wish)
    if subscriptions.wants_to_stop(folded):
        return await subscriptions.unsubscribe(turn)
    for section in turn.deps.catalogue.menu.sections:  # typing a menu item's name opens it
        if folded == folded_phrase(section.title):
            return await on_action(turn, Action("section", section.id))
    if folded_phrase(text) in CONTEST_WORDS:
        return await contest.entry(turn)
    resuming, code = courses.typed_resume(folded_phrase(text))
    if resuming:
        return await courses.resume(turn, code)
    announcement = announcement_replies.typed_request(folded)
    if announcement is not None:
        return await announcement_replies.start(turn, str(announcement))
    code = tracking.find_code(text)
    if code and not feedback.in_flow(turn):
        return await tracking.lookup(turn, code)
    number = _NUMBER.fullmatch(folded)
    if number:
        choice = int(number.group(1))
        options = turn.state.options
        if 1 <= choice <= len(options):
            return await on_action(turn, Action.unpack(options[choice - 1]))
        return main_menu(turn, greet=False, intro=f"Không có mục số {choice}. Bạn chọn lại nhé.")
    return None
