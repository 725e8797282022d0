"""Where a Zalo OA app's token pair lives between refreshes: the adapter asks this store and
never opens a session itself (adapters build no SQL and import no db module)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import queries
from db.models import ZaloOAToken


class OATokenStore:
    """The stored token pair of one Zalo OA app."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], app_id: str) -> None:
        self._sessions, self.app_id = sessions, app_id

    async def seed(self, access: str, refresh: str) -> None:
        """Store the first pair from the settings, unless a pair is stored already."""
        async with self._sessions() as session, session.begin():
            await queries.seed_oa_token(session, self.app_id, access, refresh)

    async def current(self) -> ZaloOAToken | None:
        """The stored pair as it is now (no lock)."""
        async with self._sessions() as session:
            return await queries.get_oa_token(session, self.app_id)

    @asynccontextmanager
    async def locked(self) -> AsyncIterator[ZaloOAToken]:
        """The pair under the write lock; what the caller changes on it is committed at the
        end, also when the caller then raises a refresh failure it recorded."""
        async with self._sessions() as session, session.begin():
            yield await queries.lock_oa_token(session, self.app_id)
