"""Console error pages: in the console's layout with its navigation, saying what went wrong
in words, and keeping what the officer typed so nothing is lost to an error."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import web

from bot.staff.common import HOME
from db.models import StaffSession, StaffUser
from handlers.domain.vocabulary import ROLE_LABELS

# Form fields officers type into (replies, notes, descriptions, canned replies): kept on an
# error page so the page they came from gets them back (bot/staff/static/staff.js).
TYPED_FIELDS = ("text", "note", "internal", "description", "area", "title", "answer")
TITLES = {
    400: "Chưa thực hiện được",
    403: "Không có quyền",
    404: "Không tìm thấy",
    413: "Tệp quá lớn",
}
# aiohttp's own words for an error raised without a text of ours ("404: Not Found").
PLAIN = {
    404: "Không có trang hoặc mục này (có thể đã bị xóa, hoặc đường dẫn bị gõ sai).",
    413: "Nội dung gửi lên quá lớn.",
}


class Rendered(Exception):
    """A page already rendered, raised out of the view's transaction so it rolls back."""

    def __init__(self, response: web.Response) -> None:
        super().__init__(response.status)
        self.response = response


def back_path(request: web.Request) -> str:
    """The console page a form was sent from (its Referer), where kept text goes back."""
    referer = urlsplit(request.headers.get("Referer", ""))
    same_host = not referer.netloc or referer.netloc == request.host
    if same_host and referer.path.startswith("/staff/") and referer.path != "/staff/login":
        return referer.path + (f"?{referer.query}" if referer.query else "")
    return ""


def kept(form: Any) -> dict[str, str]:
    """What the officer typed in the form, by field name (empty fields left out)."""
    if form is None:
        return {}
    values = {name: str(form.get(name, "")).strip() for name in TYPED_FIELDS}
    return {name: value for name, value in values.items() if value}


def error_page(
    request: web.Request,
    user: StaffUser,
    staff_session: StaffSession,
    status: int,
    message: str,
    form: Any = None,
) -> web.Response:
    """An error in the console's layout: what happened, a way back, and what was typed."""
    if not message or message.startswith(f"{status}:"):
        message = PLAIN.get(status, "Không thực hiện được yêu cầu này.")
    back = back_path(request)
    context = {
        "user": user,
        "csrf": staff_session.csrf_token,
        "heading": TITLES.get(status, "Có lỗi"),
        "message": message,
        "back": back,
        "home": HOME.get(user.role, "/staff/"),
        "kept": kept(form),
        "keep_for": back,
    }
    return aiohttp_jinja2.render_template("error.html", request, context, status=status)


def wrong_role(
    request: web.Request, user: StaffUser, staff_session: StaffSession, roles: frozenset[str]
) -> web.Response:
    """403 for a signed-in officer on a page of other roles, naming who may use it."""
    allowed = ", ".join(ROLE_LABELS[r] for r in ROLE_LABELS if r in roles)
    message = (
        f"Trang này dành cho: {allowed}. Tài khoản của bạn là "
        f"{ROLE_LABELS.get(user.role, user.role)}, nên không mở được trang này."
    )
    return error_page(request, user, staff_session, 403, message)
