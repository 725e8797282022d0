"""`/staff/ward`: the ward's own contacts and facts, filled in by an admin. Values are checked,
stored with who changed what and when, and used by the next answer in every process."""

from __future__ import annotations

from collections import defaultdict

from aiohttp import web

from bot.keys import DEPS
from bot.staff.common import WARD_CHANGED, db_of, page, see_other
from content.models import WardConfig
from content.ward_fields import InvalidValue, WardField, apply, clean, fields, unfilled
from db import ward_value_queries as values
from db.models import StaffSession, StaffUser

HISTORY = 30  # changes listed under the form


async def current_ward(request: web.Request) -> tuple[WardConfig, WardConfig]:
    """(the ward file's values, the same with the console's values laid over them)."""
    ward_file = request.app[DEPS].catalogue.ward
    saved = await values.current(db_of(request), ward_file.id)
    return ward_file, apply(ward_file, saved) if saved else ward_file


async def unfilled_count(request: web.Request) -> int:
    """How many items residents are still told "chưa cập nhật" about (the console's home)."""
    ward_file, ward = await current_ward(request)
    return len(unfilled(ward, ward_file))


def _grouped(items: list[WardField]) -> dict[str, list[WardField]]:
    groups: dict[str, list[WardField]] = defaultdict(list)
    for item in items:
        groups[item.group].append(item)
    return dict(groups)


async def form(
    request: web.Request,
    user: StaffUser,
    staff_session: StaffSession,
    errors: dict[str, str] | None = None,
    typed: dict[str, str] | None = None,
    saved: int | None = None,
) -> web.Response:
    ward_file, ward = await current_ward(request)
    items = list(fields(ward, ward_file))
    history = await values.history(db_of(request), ward.id, HISTORY)
    return page(
        request,
        "ward.html",
        user,
        staff_session,
        status=400 if errors else 200,
        groups=_grouped(items),
        missing=len(unfilled(ward, ward_file)),
        errors=errors or {},
        # Errors of fields the form does not have (a forged or stale form), listed on top.
        stray={k: v for k, v in (errors or {}).items() if k not in {i.key for i in items}},
        typed=typed or {},
        history=history,
        saved=saved if saved is not None else request.query.get("saved"),
        can_edit=user.role == "admin",
    )


async def save(request: web.Request, user: StaffUser, staff_session: StaffSession) -> web.Response:
    """Store the items whose value changed; any invalid value sends the form back with every
    typed value kept and nothing stored."""
    posted = await request.post()
    ward_file, ward = await current_ward(request)
    before = {item.key: item.value for item in fields(ward, ward_file)}
    changes: dict[str, str | None] = {}
    errors: dict[str, str] = {}
    typed: dict[str, str] = {}
    for key, raw in posted.items():
        if key == "csrf" or not isinstance(raw, str):
            continue
        typed[key] = raw
        try:
            value = clean(key, raw, ward_file)
        except InvalidValue as problem:
            errors[key] = str(problem)
            continue
        if value != before.get(key):
            changes[key] = value
    if errors:
        return await form(request, user, staff_session, errors=errors, typed=typed)
    if changes:
        await values.record(db_of(request), ward.id, changes, user.username)
        request[WARD_CHANGED] = True
    return see_other(f"/staff/ward?saved={len(changes)}")


async def page_view(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    return await form(request, user, staff_session)
