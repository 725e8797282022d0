"""The console's route table: every route names the roles allowed, and one guard enforces
sign-in, role and CSRF before any view runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp_jinja2
import jinja2
from aiohttp import web
from multidict import MultiDictProxy
from sqlalchemy.ext.asyncio import AsyncSession

from bot.keys import DEPS
from bot.staff import account_views as account
from bot.staff import announcement_actions as actions
from bot.staff import announcement_views as announcements
from bot.staff import auth, common, errors, signin, views
from bot.staff import canned_views as canned
from bot.staff import contest_views as contests
from bot.staff import learned_views as learned
from bot.staff import photo_views as photos
from bot.staff import question_views as questions
from bot.staff import record_views as record
from bot.staff import report_views as report
from bot.staff import ward_views as ward
from db.models import StaffSession, StaffUser

View = Callable[[web.Request, StaffUser, StaffSession], Awaitable[web.StreamResponse]]
Prepare = Callable[[web.Request, Any], Awaitable[None]]
FEEDBACK_ROLES = common.FEEDBACK_ROLES
ADMIN = frozenset({"admin"})
ANNOUNCERS = frozenset({"admin", "tech_team"})  # the tech team drafts, an admin approves
CONTEST_ROLES = frozenset({"admin", "tech_team"})  # both run the quiz contests
EVERY_ROLE = frozenset(auth.ROLES)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    view: View
    roles: frozenset[str]
    max_body: int | None = None  # an upload route's own limit, above the application's
    # Reads the upload before the view's transaction (parsing a workbook holds no connection).
    prepare: Prepare | None = None


ROUTES: tuple[Route, ...] = (
    Route("GET", "/staff/", views.inbox, FEEDBACK_ROLES),
    Route("GET", "/staff/export.csv", views.export_csv, FEEDBACK_ROLES),
    Route("GET", "/staff/feedback/new", record.new_form, FEEDBACK_ROLES),
    Route("POST", "/staff/feedback/new", record.create, FEEDBACK_ROLES),
    Route("GET", "/staff/feedback/{code}", record.detail, FEEDBACK_ROLES),
    Route("POST", "/staff/feedback/{code}/reply", record.reply, FEEDBACK_ROLES),
    Route("POST", "/staff/feedback/{code}/status", record.change_status, FEEDBACK_ROLES),
    Route("POST", "/staff/feedback/{code}/assign", record.assign, FEEDBACK_ROLES),
    Route("POST", "/staff/feedback/{code}/note", record.add_note, FEEDBACK_ROLES),
    # The download from Telegram happens before the view's transaction.
    Route(
        "GET", "/staff/feedback/{code}/photo", photos.photo, FEEDBACK_ROLES, prepare=photos.fetch
    ),
    Route("GET", "/staff/questions", questions.queue, FEEDBACK_ROLES),
    Route("GET", "/staff/questions/{id}", questions.detail, FEEDBACK_ROLES),
    Route("POST", "/staff/questions/{id}/answer", questions.answer, FEEDBACK_ROLES),
    Route("POST", "/staff/questions/{id}/teach", questions.teach, FEEDBACK_ROLES),
    Route("GET", "/staff/learned", learned.index, FEEDBACK_ROLES),
    Route("POST", "/staff/learned/entry/{id}/edit", learned.edit_entry, ADMIN),
    Route("POST", "/staff/learned/entry/{id}/withdraw", learned.withdraw_entry, ADMIN),
    Route("POST", "/staff/learned/alias/{id}/withdraw", learned.withdraw_alias, ADMIN),
    Route("GET", "/staff/canned", canned.index, FEEDBACK_ROLES),
    Route("POST", "/staff/canned", canned.add, FEEDBACK_ROLES),
    Route("POST", "/staff/canned/{id}", canned.edit, FEEDBACK_ROLES),
    Route("POST", "/staff/canned/{id}/delete", canned.delete, FEEDBACK_ROLES),
    Route("GET", "/staff/announcements", announcements.index, ANNOUNCERS),
    Route("GET", "/staff/announcements/new", announcements.new_form, ANNOUNCERS),
    Route("POST", "/staff/announcements/new", announcements.create, ANNOUNCERS),
    Route("POST", "/staff/announcements/audience", announcements.audience_json, ANNOUNCERS),
    Route("GET", "/staff/announcements/{id}", announcements.detail, ANNOUNCERS),
    Route("GET", "/staff/announcements/{id}/edit", announcements.edit_form, ANNOUNCERS),
    Route("POST", "/staff/announcements/{id}/edit", announcements.edit, ANNOUNCERS),
    Route("POST", "/staff/announcements/{id}/submit", actions.submit, ANNOUNCERS),
    Route("POST", "/staff/announcements/{id}/approve", actions.approve, ADMIN),
    Route("POST", "/staff/announcements/{id}/cancel", actions.cancel, ANNOUNCERS),
    Route("POST", "/staff/announcements/{id}/runs/cancel", actions.cancel_run, ANNOUNCERS),
    Route("GET", "/staff/contests", contests.index, CONTEST_ROLES),
    Route("GET", "/staff/contests/new", contests.new_form, CONTEST_ROLES),
    Route("POST", "/staff/contests/new", contests.create, CONTEST_ROLES),
    Route("GET", "/staff/contests/template.xlsx", contests.template_xlsx, CONTEST_ROLES),
    Route("GET", "/staff/contests/{id}", contests.detail, CONTEST_ROLES),
    Route("GET", "/staff/contests/{id}/edit", contests.edit_form, CONTEST_ROLES),
    Route("POST", "/staff/contests/{id}/edit", contests.edit, CONTEST_ROLES),
    Route("POST", "/staff/contests/{id}/questions", contests.add_question, CONTEST_ROLES),
    Route(
        "POST", "/staff/contests/{id}/questions/delete", contests.delete_question, CONTEST_ROLES
    ),
    Route(
        "POST",
        "/staff/contests/{id}/import",
        contests.import_questions,
        CONTEST_ROLES,
        max_body=contests.MAX_BODY,
        prepare=contests.parse_upload,
    ),
    Route("GET", "/staff/contests/{id}/results.xlsx", contests.results_xlsx, CONTEST_ROLES),
    Route("GET", "/staff/ward", ward.page_view, EVERY_ROLE),
    Route("POST", "/staff/ward", ward.save, ADMIN),
    Route("GET", "/staff/report", report.page, EVERY_ROLE),
    Route("GET", "/staff/report/chart/{id}.png", report.chart, EVERY_ROLE),  # id: "on_time"
    Route("GET", "/staff/report/download.xlsx", report.download_xlsx, EVERY_ROLE),
    Route("GET", "/staff/report/download.docx", report.download_docx, EVERY_ROLE),
    Route("GET", "/staff/account", account.account, EVERY_ROLE),
    Route("POST", "/staff/account", account.link_telegram, EVERY_ROLE),
    Route("POST", "/staff/account/telegram-code", account.confirm_telegram, EVERY_ROLE),
    Route("POST", "/staff/logout", signin.logout, frozenset(auth.ROLES)),
)


def _with_body_limit(request: web.Request, limit: int) -> web.Request:
    """The request, allowed a body up to `limit` (the application's limit is lower); a body
    announced as larger is refused before it is read."""
    if request.content_length is not None and request.content_length > limit:
        raise web.HTTPRequestEntityTooLarge(
            limit,
            request.content_length,
            text=f"Tệp gửi lên quá lớn (tối đa khoảng {limit // 1_000_000} MB).",
        )
    return request.clone(client_max_size=limit)


def _close_uploads(form: MultiDictProxy[Any] | None) -> None:
    """aiohttp keeps each uploaded file in a temporary file; close them once answered."""
    for value in form.values() if form is not None else ():
        if isinstance(value, web.FileField):
            value.file.close()


async def _signed_in(
    request: web.Request, session: AsyncSession, route: Route
) -> tuple[StaffUser, StaffSession]:
    """The signed-in user allowed on this route, or the page that says why not."""
    found = await auth.load_session(session, request.cookies.get(auth.COOKIE, ""))
    if found is None:
        raise errors.Rendered(await _sign_in_again(request))
    user, staff_session = found
    await common.remember_navigation(request, session, user)
    if user.role not in route.roles:
        raise errors.Rendered(errors.wrong_role(request, user, staff_session, route.roles))
    return user, staff_session


async def _sign_in_again(request: web.Request) -> web.Response:
    """Not signed in, or the session expired: a page opened goes to the sign-in form and
    back to itself after it; a form sent meanwhile gets the sign-in form with what was
    typed, which the page it came from gets back after signing in."""
    expired = bool(request.cookies.get(auth.COOKIE))
    if request.method == "GET":
        query = {"next": request.rel_url.path_qs} | ({"expired": "1"} if expired else {})
        raise web.HTTPFound(f"/staff/login?{urlencode(query)}")
    form = await request.post()
    notice = signin.EXPIRED if expired else "Bạn cần đăng nhập."
    back = errors.back_path(request)
    return signin.login_page(request, back, notice, errors.kept(form), status=401)


STALE_FORM = (
    "Trang bạn gửi đã cũ (phiên làm việc vừa đổi, ví dụ bạn đăng nhập lại ở thẻ khác). "
    "Bạn quay lại trang trước, tải lại rồi gửi lại."
)


def _check_token(form: MultiDictProxy[Any], staff_session: StaffSession) -> None:
    if not auth.same(str(form.get("csrf", "")), staff_session.csrf_token):
        raise web.HTTPForbidden(text=STALE_FORM)


async def _read_form(request: web.Request, route: Route) -> tuple[web.Request, Any]:
    if route.max_body is not None:
        request = _with_body_limit(request, route.max_body)
    return request, (await request.post() if request.method == "POST" else None)


def _as_page(
    request: web.Request,
    user: StaffUser,
    staff_session: StaffSession,
    error: web.HTTPException,
    form: Any,
) -> errors.Rendered:
    """A view's 4xx as a console page (a redirect passes through)."""
    if error.status < 400:
        raise error
    page = errors.error_page(request, user, staff_session, error.status, error.text or "", form)
    return errors.Rendered(page)


def guard(route: Route) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """Wrap a view: signed in (else sign-in page), right role (else 403), CSRF on POST (else
    403), each refusal a page in the console's layout. The view runs in the same session
    transaction as the checks; a view's 4xx rolls it back. A route that prepares its upload
    (a workbook to parse) does so after the checks and before that transaction, so no
    database connection is held while it reads (SQLite has only one)."""

    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            return await _guarded(request)
        except errors.Rendered as rendered:
            return rendered.response

    async def _guarded(request: web.Request) -> web.StreamResponse:
        sessions = request.app[DEPS].sessions
        form = None
        if route.prepare is not None:
            async with sessions() as session, session.begin():
                user, staff_session = await _signed_in(request, session, route)
            try:
                request, form = await _read_form(request, route)
                if form is not None:
                    _check_token(form, staff_session)
                await route.prepare(request, form)
            except web.HTTPException as error:
                _close_uploads(form)
                raise _as_page(request, user, staff_session, error, form) from error
            except BaseException:
                _close_uploads(form)
                raise
        async with sessions() as session, session.begin():
            user, staff_session = await _signed_in(request, session, route)
            try:
                if route.prepare is None:
                    request, form = await _read_form(request, route)
                if form is not None:
                    _check_token(form, staff_session)
                request[common.DB] = session
                await common.navigation(request, session, user)
                response = await route.view(request, user, staff_session)
            except web.HTTPException as error:
                raise _as_page(request, user, staff_session, error, form) from error
            finally:
                _close_uploads(form)
        common.wake_outbox_if_needed(request)  # committed: the sender may send now
        common.wake_scheduler_if_needed(request)  # and the scheduler may queue approvals
        common.refresh_contests_if_needed(request)  # and the chat's menus show contests
        common.refresh_ward_if_needed(request)  # and the next answer uses the ward's data
        common.refresh_learned_if_needed(request)  # and what staff taught answers at once
        return response

    return handler


async def _name_the_ward(app: web.Application) -> None:
    # Every page names its ward: one person may sign in to the consoles of several wards.
    aiohttp_jinja2.get_env(app).globals["ward_name"] = app[DEPS].catalogue.ward.name


def add_routes(app: web.Application) -> None:
    """Mount the console with its templates."""
    env = aiohttp_jinja2.setup(
        app,
        loader=jinja2.PackageLoader("bot.staff", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
    )
    env.filters.update(common.FILTERS)
    app.on_startup.append(_name_the_ward)  # after the catalogue is loaded (cleanup_ctx)
    app[report.REPORTS] = report.ReportCache()
    app.router.add_get("/staff/login", signin.login_form)
    app.router.add_post("/staff/login", signin.login)
    app.router.add_get("/staff/static/staff.css", signin.stylesheet)
    app.router.add_get("/staff/static/staff.js", signin.script)
    app.router.add_get("/staff/static/announcement-form.js", announcements.form_script)
    for route in ROUTES:
        app.router.add_route(route.method, route.path, guard(route))
