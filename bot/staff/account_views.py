"""The account page (every role): who is signed in, and linking their Telegram account.

A Telegram id typed in the console proves nothing: anyone could claim a colleague's id and
then draft announcements "from" them in the chat. So linking takes two steps: the assistant
sends a six-digit code to that Telegram chat, and the staff member types it back here within
ten minutes (five tries). The code goes through the outbox like any message to Telegram, so
no database connection waits on Telegram while the page answers."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

import aiohttp_jinja2
from aiohttp import web

from bot.keys import TELEGRAM
from bot.staff.common import WAKE_OUTBOX, db_of, see_other
from db import feedback_queries as fq
from db import staff_queries as sq
from db.models import StaffSession, StaffUser, utcnow

TELEGRAM_ID = re.compile(r"\d{1,20}")
CODE = re.compile(r"\d{6}")
CODE_LIFETIME = timedelta(minutes=10)
CODE_TRIES = 5
UNDELIVERED = frozenset({"failed", "blocked", "undeliverable"})  # bot/delivery.py
TAKEN = "Mã Telegram này đã gắn với tài khoản cán bộ khác. Bạn kiểm tra lại giúp nhé."
DONE_MESSAGES = {  # fixed texts picked by ?done=, so a link cannot put words on the page
    "sent": "Đã gửi mã xác nhận tới Telegram. Bạn mở Telegram, xem tin của trợ lý phường "
    "rồi nhập mã vào ô dưới đây.",
    "linked": "Đã gắn tài khoản Telegram.",
    "unlinked": "Đã bỏ gắn tài khoản Telegram.",
}


async def account(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/account: who is signed in, what they may do, their Telegram link."""
    return await _page(request, user, staff_session)


async def _page(
    request: web.Request,
    user: StaffUser,
    staff_session: StaffSession,
    error: str | None = None,
) -> web.Response:
    pending = _pending(user)
    undelivered = pending and await _code_undelivered(request, user)
    context = {
        "user": user,
        "csrf": staff_session.csrf_token,
        "error": error,
        "done": DONE_MESSAGES.get(request.query.get("done", "")),
        "pending": pending,
        "undelivered": undelivered,
        "telegram_on": TELEGRAM in request.app,
    }
    return aiohttp_jinja2.render_template(
        "account.html", request, context, status=400 if error else 200
    )


def _pending(user: StaffUser) -> bool:
    expires = user.telegram_code_expires
    return bool(user.telegram_pending_id and expires and expires > utcnow())


async def _code_undelivered(request: web.Request, user: StaffUser) -> bool:
    """The latest code message to that chat could not be sent (the bot was never started
    there, or was blocked)."""
    status = await sq.latest_code_status(db_of(request), user.telegram_pending_id)
    return status in UNDELIVERED


def _digest(user: StaffUser, code: str) -> str:
    # Keyed by the account and the chat: a code is good for this link only.
    key = f"{user.id}:{user.telegram_pending_id}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


async def link_telegram(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/account (telegram_user_id): send a code to that Telegram chat; empty
    unlinks at once."""
    value = str((await request.post()).get("telegram_user_id", "")).strip()
    if not value:
        sq.forget_code(user)
        user.telegram_user_id = None
        return see_other("/staff/account?done=unlinked")
    if not TELEGRAM_ID.fullmatch(value):
        error = "Mã người dùng Telegram chỉ gồm chữ số (ví dụ 123456789)."
        return await _page(request, user, staff_session, error)
    if TELEGRAM not in request.app:
        error = "Trợ lý chưa kết nối Telegram nên chưa gắn được. Bạn báo quản trị giúp nhé."
        return await _page(request, user, staff_session, error)
    if await _taken(request, user, value):
        return await _page(request, user, staff_session, TAKEN)
    code = f"{secrets.randbelow(10**6):06d}"
    user.telegram_pending_id = value
    user.telegram_code_hash = _digest(user, code)
    user.telegram_code_expires = utcnow() + CODE_LIFETIME
    user.telegram_code_tries = 0
    text = (
        f"Mã xác nhận gắn Telegram với tài khoản cán bộ “{user.username}”: {code}\n"
        "Nhập mã này trên trang cán bộ phường trong 10 phút. Nếu bạn không yêu cầu, "
        "hãy bỏ qua tin này."
    )
    await fq.enqueue(db_of(request), "telegram", value, text, sq.CODE_KIND)
    request[WAKE_OUTBOX] = True
    return see_other("/staff/account?done=sent")


async def confirm_telegram(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """POST /staff/account/telegram-code (code): the code sent to the chat links it."""
    code = re.sub(r"\s", "", str((await request.post()).get("code", "")))[:20]
    if not _pending(user):
        sq.forget_code(user)
        error = (
            "Mã đã hết hạn hoặc chưa được gửi. Bạn nhập lại mã người dùng Telegram để nhận mã mới."
        )
        return await _page(request, user, staff_session, error)
    right = CODE.fullmatch(code) and hmac.compare_digest(
        _digest(user, code), user.telegram_code_hash or ""
    )
    if not right:
        user.telegram_code_tries += 1
        if user.telegram_code_tries >= CODE_TRIES:
            sq.forget_code(user)
            error = f"Mã chưa đúng {CODE_TRIES} lần. Bạn xin mã mới giúp nhé."
        else:
            left = CODE_TRIES - user.telegram_code_tries
            error = f"Mã chưa đúng. Bạn kiểm tra tin nhắn Telegram (còn {left} lần thử)."
        return await _page(request, user, staff_session, error)
    chat = user.telegram_pending_id
    if await _taken(request, user, chat or ""):
        return await _page(request, user, staff_session, TAKEN)
    db = db_of(request)
    if not await sq.link_telegram(db, user, chat or ""):  # a colleague linked it meanwhile
        await db.refresh(staff_session)  # the page reads it after the savepoint's rollback
        return await _page(request, user, staff_session, TAKEN)
    # The code has done its job: it is not kept in the sent messages either.
    await sq.blank_sent_codes(db, chat)
    return see_other("/staff/account?done=linked")


async def _taken(request: web.Request, user: StaffUser, chat: str) -> bool:
    return await sq.telegram_id_taken(db_of(request), chat, user.id)
