"""SQLite connections for SQLAlchemy's aiosqlite dialect with one trip to the driver's thread
per statement.

aiosqlite runs every sqlite3 call on a thread of its own, and SQLAlchemy's adapter makes four
calls a statement (open a cursor, execute, fetch, close): four hand-overs between threads and
four wake-ups of the event loop, where the statement itself takes microseconds. Here a
statement is executed, its rows fetched and its cursor closed in one call on that thread, and
the cursor SQLAlchemy holds reads the buffered result. A message's transaction on SQLite
makes about 30 hand-overs instead of about 100.

`create_engine` (db/session.py) hands SQLAlchemy these connections through `async_creator`,
the documented way to supply a driver connection; everything else (pool, dialect, adapter,
errors) is SQLAlchemy's and aiosqlite's own.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Sequence
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy.engine import URL

# What one statement leaves behind: description, rows, rowcount, lastrowid.
Outcome = tuple[Any, list[Any], int, int | None]


class OneTripConnection(aiosqlite.Connection):
    """An aiosqlite connection whose cursors run a statement in one call on its thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        # As SQLAlchemy does for the connections it opens itself: never keep the
        # interpreter alive at exit.
        self._thread.daemon = True

    def cursor(self) -> BufferedCursor:  # type: ignore[override]
        return BufferedCursor(self)

    async def run(self, sql: str, parameters: Any) -> Outcome:
        return await self._execute(self._run, sql, parameters)

    async def run_many(self, sql: str, parameters: Iterable[Any]) -> Outcome:
        return await self._execute(self._run_many, sql, parameters)

    def _run(self, sql: str, parameters: Any) -> Outcome:  # on the driver's thread
        return _outcome(self._conn.execute(sql, parameters))

    def _run_many(self, sql: str, parameters: Iterable[Any]) -> Outcome:
        return _outcome(self._conn.executemany(sql, parameters))


def _outcome(cursor: sqlite3.Cursor) -> Outcome:
    try:
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


class BufferedCursor:
    """The part of aiosqlite's cursor SQLAlchemy's adapter uses, over a buffered result."""

    arraysize = 1

    def __init__(self, connection: OneTripConnection) -> None:
        self._connection = connection
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self._rows: deque[Any] = deque()

    async def __aenter__(self) -> BufferedCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Any = None) -> BufferedCursor:
        self._keep(await self._connection.run(sql, () if parameters is None else parameters))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Any]) -> BufferedCursor:
        self._keep(await self._connection.run_many(sql, parameters))
        return self

    def _keep(self, outcome: Outcome) -> None:
        self.description, rows, self.rowcount, self.lastrowid = outcome
        self._rows = deque(rows)

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> Sequence[Any]:
        count = min(size or self.arraysize, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> Sequence[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def __aiter__(self) -> BufferedCursor:
        return self

    async def __anext__(self) -> Any:
        if not self._rows:
            raise StopAsyncIteration
        return self._rows.popleft()

    async def close(self) -> None:
        self._rows.clear()


def connection_creator(
    url: URL, connect_args: dict[str, Any]
) -> Callable[[], Awaitable[OneTripConnection]]:
    """`async_creator` for an SQLite URL: the sqlite3 arguments SQLAlchemy's dialect reads
    from the URL, then `connect_args`, as the dialect would pass them to aiosqlite."""
    args, options = url.get_dialect()().create_connect_args(url)
    connector = partial(sqlite3.connect, *args, **{**options, **connect_args})

    async def create() -> OneTripConnection:
        return await OneTripConnection(connector)

    return create
