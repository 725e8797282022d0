"""Signing in and out of the console (every role)."""

from __future__ import annotations

import re
import secrets
from importlib import resources

import aiohttp_jinja2
from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.keys import DEPS
from bot.staff import auth
from bot.staff.common import db_of, see_other
from bot.web.client import client_address
from db.models import StaffSession, StaffUser

LOGIN_CSRF = "ward_login_csrf"
HOME = {"tech_team": "/staff/announcements"}  # the tech team has no feedback inbox
TELEGRAM_ID = re.compile(r"\d{1,20}")


async def login_form(request: web.Request) -> web.Response:
    """GET /staff/login: the form, with a double-submit CSRF token."""
    token = secrets.token_urlsafe(24)
    response = aiohttp_jinja2.render_template(
        "login.html",
        request,
        {"csrf": token, "next": request.query.get("next", "/staff/"), "error": None},
    )
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="Strict", path="/staff/")
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """POST /staff/login: rate-limited, then a session cookie."""
    form = await request.post()
    if not auth.same(str(form.get("csrf", "")), request.cookies.get(LOGIN_CSRF, "-")):
        raise web.HTTPForbidden(text="Phiên đăng nhập không hợp lệ (CSRF). Tải lại trang.")
    username = str(form.get("username", "")).strip().lower()[:64]
    address = client_address(request)
    keys = [f"ip:{address}", f"user:{username}"]
    async with request.app[DEPS].sessions() as session, session.begin():
        refused = await auth.refusal(session, address, username)
        if refused is not None:
            raise web.HTTPTooManyRequests(text=refused)
        user = await auth.authenticate(session, username, str(form.get("password", "")))
        if user is None:
            await auth.record_failure(session, keys)
            error = "Tên đăng nhập hoặc mật khẩu không đúng."
        else:
            token, _ = await auth.start_session(session, user)
    if user is None:
        context = {"csrf": request.cookies.get(LOGIN_CSRF, ""), "next": "/staff/", "error": error}
        return aiohttp_jinja2.render_template("login.html", request, context, status=401)
    target = str(form.get("next", "/staff/"))
    if not target.startswith("/staff/") or target == "/staff/":
        target = HOME.get(user.role, "/staff/")
    response = see_other(target)
    # Secure cookies whenever the browser came over https (directly or via the TLS proxy).
    secure = request.secure or request.headers.get("X-Forwarded-Proto") == "https"
    response.set_cookie(
        auth.COOKIE,
        token,
        httponly=True,
        samesite="Strict",
        path="/staff/",
        secure=secure,
        max_age=int(auth.LONGEST.total_seconds()),
    )
    return response


async def account(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/account: who is signed in and what they may do (every role)."""
    return _account(request, user, staff_session, saved=request.query.get("saved") == "1")


def _account(
    request: web.Request,
    user: StaffUser,
    staff_session: StaffSession,
    error: str | None = None,
    saved: bool = False,
) -> web.Response:
    context = {"user": user, "csrf": staff_session.csrf_token, "error": error, "saved": saved}
    return aiohttp_jinja2.render_template(
        "account.html", request, context, status=400 if error else 200
    )


async def link_telegram(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/account: link the user's Telegram id (empty unlinks), so a staff command
    sent from that Telegram account is known to come from them."""
    value = str((await request.post()).get("telegram_user_id", "")).strip()
    if value and not TELEGRAM_ID.fullmatch(value):
        error = "Mã người dùng Telegram chỉ gồm chữ số (ví dụ 123456789)."
        return _account(request, user, staff_session, error)
    db = db_of(request)
    taken = "Mã Telegram này đã gắn với tài khoản cán bộ khác. Bạn kiểm tra lại giúp nhé."
    if value and await db.scalar(
        select(StaffUser.id).where(StaffUser.telegram_user_id == value, StaffUser.id != user.id)
    ):
        return _account(request, user, staff_session, taken)
    try:
        async with db.begin_nested():  # a colleague may link the same id at the same moment
            user.telegram_user_id = value or None
    except IntegrityError:
        await db.refresh(user)
        await db.refresh(staff_session)
        return _account(request, user, staff_session, taken)
    return see_other("/staff/account?saved=1")


async def logout(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    await auth.end_session(db_of(request), request.cookies.get(auth.COOKIE, ""))
    response = see_other("/staff/login")
    response.del_cookie(auth.COOKIE, path="/staff/")
    return response


async def script(_request: web.Request) -> web.Response:
    """The console's only script (no inline script: its Content-Security-Policy)."""
    js = (resources.files("bot.staff") / "static" / "staff.js").read_bytes()
    return web.Response(body=js, content_type="text/javascript", charset="utf-8")


async def stylesheet(_request: web.Request) -> web.Response:
    css = (resources.files("bot.staff") / "static" / "staff.css").read_bytes()
    return web.Response(body=css, content_type="text/css", charset="utf-8")
