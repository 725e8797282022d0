"""The photo a resident attached to a phản ánh, for signed-in staff: stored with the record
when sent from the website, fetched from Telegram on demand, and served only once its bytes
show a picture (JPEG, PNG, WebP). Zalo and Messenger photos are addresses on the platform:
the detail page shows them directly."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.channels import telegram_files
from bot.keys import DEPS, HTTP, SETTINGS
from bot.web import images
from db import feedback_queries as fq
from db import photo_queries
from db.models import Feedback, StaffSession, StaffUser

log = logging.getLogger(__name__)
PHOTO = web.RequestKey("photo", tuple)  # (bytes, content type)


def photo_address(feedback: Feedback) -> str | None:
    """Where the detail page shows the record's photo from: this route for a photo the
    server keeps or fetches, the platform's https address for Zalo and Messenger photos."""
    url = feedback.media_url
    if photo_queries.token_of(url) or telegram_files.file_id_of(url):
        return f"/staff/feedback/{feedback.service_request_id}/photo"
    return url if url and url.startswith("https://") else None


async def fetch(request: web.Request, _form: object) -> None:
    """Read the photo after the sign-in checks and before the view's transaction: a download
    from Telegram holds no database connection (SQLite has only one)."""
    async with request.app[DEPS].sessions() as session:
        feedback = await fq.by_code(session, request.match_info["code"].upper())
        media_url = feedback.media_url if feedback is not None else None
        stored = await photo_queries.photo(session, media_url)
        found = (stored.data, stored.content_type) if stored is not None else None
    file_id = telegram_files.file_id_of(media_url)
    if found is None and file_id is not None:
        found = await _from_telegram(request, file_id)
    if found is None:
        raise web.HTTPNotFound(text="Phản ánh này không có ảnh lưu ở phường.")
    request[PHOTO] = found


async def _from_telegram(request: web.Request, file_id: str) -> tuple[bytes, str]:
    own = request.app[SETTINGS].telegram
    if own.bot_token is None:
        raise web.HTTPNotFound(text="Ảnh gửi qua Telegram: phường chưa cấu hình Telegram.")
    try:
        data = await telegram_files.download(
            request.app[HTTP], str(own.api_url), own.bot_token.get_secret_value(), file_id
        )
    except telegram_files.FileUnavailable as exc:
        log.warning("a feedback photo could not be fetched from Telegram: %s", exc)
        raise web.HTTPBadGateway(text="Chưa tải được ảnh từ Telegram. Bạn thử lại sau.") from None
    kind = images.sniff(data)
    if kind is None:
        raise web.HTTPBadGateway(text="Tệp gửi qua Telegram không phải ảnh.")
    return data, kind


async def photo(
    request: web.Request, user: StaffUser, staff_session: StaffSession
) -> web.Response:
    """GET /staff/feedback/{code}/photo: the picture itself (read by `fetch`)."""
    data, kind = request[PHOTO]
    # Not cached: the console's responses all carry no-store (bot/web/security.py).
    return web.Response(body=data, content_type=kind, headers={"Content-Disposition": "inline"})
