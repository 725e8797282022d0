"""Console accounts and sessions: sign-in failures, the accounts themselves, and the
Telegram link with its one-time code (sent through the outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import LoginAttempt, Outbox, StaffSession, StaffUser

CODE_KIND = "staff_code"  # the outbox kind of a Telegram link code


async def failures_since(
    session: AsyncSession, key: str, since: datetime
) -> tuple[int, datetime | None]:
    """Failed sign-ins recorded under `key` since then: how many, and the latest one's time."""
    count, last = (
        await session.execute(
            select(func.count(), func.max(LoginAttempt.created_at)).where(
                LoginAttempt.key == key, LoginAttempt.created_at >= since
            )
        )
    ).one()
    return int(count or 0), last


async def by_username(session: AsyncSession, username: str) -> StaffUser | None:
    """The account with exactly this username (active or not)."""
    rows = await session.execute(select(StaffUser).where(StaffUser.username == username))
    return rows.scalar_one_or_none()


async def by_usernames(session: AsyncSession, usernames: Sequence[str]) -> list[StaffUser]:
    """The accounts among these usernames (unknown ones are left out)."""
    rows = await session.execute(select(StaffUser).where(StaffUser.username.in_(usernames)))
    return list(rows.scalars())


ASSIGNABLE_ROLES = ("admin", "staff")  # the tech team handles no feedback


async def assignable(session: AsyncSession) -> list[StaffUser]:
    """Accounts a phản ánh can be handed to: active, and handling feedback; by name."""
    rows = await session.execute(
        select(StaffUser)
        .where(StaffUser.active, StaffUser.role.in_(ASSIGNABLE_ROLES))
        .order_by(StaffUser.display_name, StaffUser.id)
    )
    return list(rows.scalars())


async def display_names(session: AsyncSession, ids: Sequence[int]) -> dict[int, str]:
    """The display names of these accounts (the inbox's assignee column)."""
    if not ids:
        return {}
    rows = await session.execute(
        select(StaffUser.id, StaffUser.display_name).where(StaffUser.id.in_(set(ids)))
    )
    return {staff_id: name for staff_id, name in rows.all()}


async def end_session(session: AsyncSession, token_hash: str) -> None:
    """Delete the console session stored under this token hash (signing out)."""
    await session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash))


async def telegram_id_taken(session: AsyncSession, chat: str, staff_id: int) -> bool:
    """True when another account than `staff_id` is linked to this Telegram chat."""
    found = await session.scalar(
        select(StaffUser.id).where(StaffUser.telegram_user_id == chat, StaffUser.id != staff_id)
    )
    return found is not None


def forget_code(user: StaffUser) -> None:
    """Drop the account's pending Telegram code (and the chat it was sent to)."""
    user.telegram_pending_id = None
    user.telegram_code_hash = None
    user.telegram_code_expires = None
    user.telegram_code_tries = 0


async def link_telegram(session: AsyncSession, user: StaffUser, chat: str) -> bool:
    """Link the chat to the account and drop the pending code; False (the account re-read
    as stored) when a colleague linked the same chat at the same moment."""
    try:
        async with session.begin_nested():  # the unique index decides the race
            user.telegram_user_id = chat
            forget_code(user)
    except IntegrityError:
        await session.refresh(user)
        return False
    return True


async def latest_code_status(session: AsyncSession, chat: str | None) -> str | None:
    """The outbox status of the latest code message sent to this Telegram chat."""
    return await session.scalar(
        select(Outbox.status)
        .where(Outbox.kind == CODE_KIND, Outbox.user_ref == chat)
        .order_by(Outbox.id.desc())
        .limit(1)
    )


async def blank_sent_codes(session: AsyncSession, chat: str | None) -> None:
    """Empty the text of code messages to this chat no longer waiting: a used code is not
    kept in the sent messages."""
    await session.execute(
        update(Outbox)
        .where(Outbox.kind == CODE_KIND, Outbox.user_ref == chat, Outbox.status != "pending")
        .values(text="")
    )
