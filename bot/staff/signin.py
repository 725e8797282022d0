"""Signing in and out of the console (every role)."""

from __future__ import annotations

import secrets
from importlib import resources

import aiohttp_jinja2
from aiohttp import web

from bot.keys import DEPS
from bot.staff import auth
from bot.staff.common import HOME, db_of, see_other
from bot.web.client import client_address
from db.models import StaffSession, StaffUser

LOGIN_CSRF = "ward_login_csrf"
EXPIRED = "Phiên làm việc đã hết hạn. Bạn đăng nhập lại để tiếp tục."


def safe_next(target: str) -> str:
    """A console page to go back to after signing in; anything else goes home."""
    unsafe = any(c in target for c in "\r\n\\")
    return target if target.startswith("/staff/") and not unsafe else ""


def login_page(
    request: web.Request,
    next_page: str = "",
    notice: str | None = None,
    kept: dict[str, str] | None = None,
    status: int = 200,
) -> web.Response:
    """The sign-in form with a fresh double-submit CSRF token; after signing in the officer
    goes back to `next_page`, where what they had typed (`kept`) is put back."""
    token = secrets.token_urlsafe(24)
    context = {
        "csrf": token,
        "next": safe_next(next_page) or "/staff/",
        "error": None,
        "notice": notice,
        "kept": kept or {},
    }
    response = aiohttp_jinja2.render_template("login.html", request, context, status=status)
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="Strict", path="/staff/")
    return response


async def login_form(request: web.Request) -> web.Response:
    """GET /staff/login: the form (`expired=1`: the session had ended)."""
    notice = EXPIRED if request.query.get("expired") else None
    return login_page(request, request.query.get("next", ""), notice)


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
        context = {
            "csrf": request.cookies.get(LOGIN_CSRF, ""),
            "next": safe_next(str(form.get("next", ""))) or "/staff/",
            "error": error,
            "notice": None,
            "kept": {},
        }
        return aiohttp_jinja2.render_template("login.html", request, context, status=401)
    target = safe_next(str(form.get("next", "")))
    if target in ("", "/staff/"):
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
