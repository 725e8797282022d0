"""Console accounts and sessions: argon2 password hashes, server-side sessions that expire,
a CSRF token per session, and sign-in rate limiting that holds across processes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.channels.inbound import same_secret
from db import locks
from db import staff_queries as sq
from db.models import LoginAttempt, StaffSession, StaffUser, utcnow

ROLES = ("admin", "staff", "tech_team")
COOKIE = "ward_staff"
IDLE = timedelta(hours=2)  # a session unused this long expires
LONGEST = timedelta(hours=12)  # and none lives longer than a working day
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
# An account's failures from anywhere only slow its sign-in (an attacker elsewhere must not
# lock its owner out); an address's failures lock that address for the window.
ACCOUNT_DELAY = timedelta(seconds=30)
LOCKED_ADDRESS = "Đăng nhập sai quá nhiều lần từ máy này. Thử lại sau 15 phút."
SLOWED_ACCOUNT = "Tài khoản này vừa bị đăng nhập sai nhiều lần. Bạn đợi 30 giây rồi thử lại."

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches (in constant time, by argon2)."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time string comparison."""
    return same_secret(a, b)


async def add_staff(
    session: AsyncSession, username: str, display_name: str, password: str, role: str
) -> StaffUser:
    """Create an account (the CLI's `staff add`)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < 10:
        raise ValueError("password must have at least 10 characters")
    user = StaffUser(
        username=username.strip().lower(),
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
    )
    session.add(user)
    await session.flush()
    return user


async def refusal(session: AsyncSession, address: str, username: str) -> str | None:
    """Why this sign-in may not be tried now (None: it may); call first in the transaction
    that checks the password and records a failure."""
    address_key, account_key = f"ip:{address}", f"user:{username}"
    # Counting the failures, checking the password and recording a failure: one step.
    await locks.hold(session, [address_key, account_key])
    since = utcnow() - FAILURE_WINDOW
    if (await sq.failures_since(session, address_key, since))[0] >= MAX_FAILURES:
        return LOCKED_ADDRESS
    count, last = await sq.failures_since(session, account_key, since)
    if count >= MAX_FAILURES and last is not None and utcnow() - last < ACCOUNT_DELAY:
        return SLOWED_ACCOUNT
    return None


async def record_failure(session: AsyncSession, keys: list[str]) -> None:
    session.add_all(LoginAttempt(key=key[:200]) for key in keys)


async def authenticate(session: AsyncSession, username: str, password: str) -> StaffUser | None:
    """The active account with these credentials, or None."""
    user = await sq.by_username(session, username.strip().lower())
    if user is None or not user.active:
        verify_password(_dummy_hash(), password)  # same work either way: no username probing
        return None
    return user if verify_password(user.password_hash, password) else None


async def start_session(session: AsyncSession, user: StaffUser) -> tuple[str, str]:
    """A new session: returns (cookie token, CSRF token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
    now = utcnow()
    session.add(
        StaffSession(
            token_hash=_digest(token),
            staff_id=user.id,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
            expires_at=now + IDLE,
        )
    )
    user.last_login_at = now
    return token, csrf


async def load_session(session: AsyncSession, token: str) -> tuple[StaffUser, StaffSession] | None:
    """The signed-in user for a cookie token, extending the idle timeout; None if expired."""
    if not token:
        return None
    row = await session.get(StaffSession, _digest(token))
    now = utcnow()
    if row is None or row.expires_at <= now or now - row.created_at > LONGEST:
        return None
    user = await session.get(StaffUser, row.staff_id)
    if user is None or not user.active:
        return None
    row.last_seen_at = now
    row.expires_at = min(now + IDLE, row.created_at + LONGEST)
    return user, row


async def end_session(session: AsyncSession, token: str) -> None:
    """Sign out: the session stored for this cookie token is deleted."""
    await sq.end_session(session, _digest(token))


@cache
def _dummy_hash() -> str:
    """A hash to verify against for an unknown name (the same work either way). Made on the
    first failed sign-in, not at import: argon2 takes a fifth of a second and 64 MB, which
    every process start (each CLI command included) would otherwise pay."""
    return hash_password("not-a-real-password-0")
