"""Photos website visitors attach to feedback: stored with the draft, named by the record's
`media_url` ("web:file:<token>"), removed with the record's link to the person."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import delete, exists, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Feedback, FeedbackPhoto

PREFIX = "web:file:"  # as Telegram's photos are "telegram:file:<file_id>"


def token_of(media_url: str | None) -> str | None:
    """The stored photo a record's `media_url` names, if it names one."""
    if media_url and media_url.startswith(PREFIX):
        return media_url[len(PREFIX) :]
    return None


async def add_photo(
    session: AsyncSession, user_id: int | None, content_type: str, data: bytes
) -> str:
    """Store a photo; returns the `media_url` naming it."""
    token = secrets.token_urlsafe(18)  # 24 characters
    session.add(FeedbackPhoto(token=token, user_id=user_id, content_type=content_type, data=data))
    await session.flush()
    return PREFIX + token


async def photo(session: AsyncSession, media_url: str | None) -> FeedbackPhoto | None:
    """The stored photo a record names (None for another kind of `media_url`)."""
    token = token_of(media_url)
    if token is None:
        return None
    return await session.scalar(select(FeedbackPhoto).where(FeedbackPhoto.token == token))


async def delete_photos(session: AsyncSession, media_urls: Iterable[str | None]) -> int:
    """Delete the stored photos these records name (their link to the person is cut)."""
    tokens = [token for url in media_urls if (token := token_of(url))]
    if not tokens:
        return 0
    result = await session.execute(delete(FeedbackPhoto).where(FeedbackPhoto.token.in_(tokens)))
    return result.rowcount or 0


async def delete_unused_photos_before(session: AsyncSession, cutoff: datetime) -> int:
    """Delete photos no record names, stored before the cutoff: drafts the resident dropped."""
    named = exists().where(Feedback.media_url == literal(PREFIX) + FeedbackPhoto.token)
    result = await session.execute(
        delete(FeedbackPhoto).where(FeedbackPhoto.created_at < cutoff, ~named)
    )
    return result.rowcount or 0
