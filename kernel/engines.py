"""Database engines from a URL: PostgreSQL over asyncpg, and SQLite tuned for a server.

Piccolo opens a new SQLite connection (and thread) per query or transaction, which measured as
most of a request's time (see bench/RESULTS.md); ``TunedSQLiteEngine`` keeps a small pool of
open connections with the settings a server needs.
"""

import asyncio
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

SQLITE_BUSY_TIMEOUT_MS = 10_000


class _PooledConnection:
    """An aiosqlite connection whose ``close()`` hands it back to its engine's pool."""

    def __init__(self, connection: Any, engine: "TunedSQLiteEngine") -> None:
        self._connection = connection
        self._engine = engine

    def __getattr__(self, name: str) -> Any:
        return getattr(self._connection, name)

    @property
    def raw(self) -> sqlite3.Connection:
        """The sqlite3 connection itself, for statements run on the caller's thread."""
        connection: sqlite3.Connection = self._connection._conn
        return connection

    async def close(self) -> None:
        await self._engine.release(self._connection)


class TunedSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine with the per-connection settings a server needs, and a small
    pool of open connections: Piccolo opens a new connection (and thread) per query or
    transaction, which measured as most of a request's time (see bench/RESULTS.md).

    Statements inside a write transaction run on the event loop's thread: the transaction holds
    the database's only write lock (``Database.transaction``), so no other work could use the
    database meanwhile, and under WAL a statement in an IMMEDIATE transaction never waits for a
    lock, while handing each statement to the connection's thread and back costs the loop more
    than running it (profiled on the outage replay; see bench/RESULTS.md). BEGIN, COMMIT
    (which may checkpoint the WAL, with an fsync) and every read still run on the connection's
    thread."""

    pool_size = 8

    def __init__(self, **kwargs: Any) -> None:
        # Connections are used from their own thread and, inside write transactions, from the
        # loop's; never from both at once (each call is awaited before the next).
        super().__init__(check_same_thread=False, **kwargs)
        self._idle: list[Any] = []
        # At most pool_size connections exist: under a burst, callers wait for one rather than
        # each opening (and closing) a connection and its thread.
        self._available = asyncio.Semaphore(self.pool_size)

    async def _open(self) -> Any:
        connection = await super().get_connection()
        await connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    async def get_connection(self) -> Any:
        await self._available.acquire()
        try:
            connection = self._idle.pop() if self._idle else await self._open()
        except BaseException:
            self._available.release()
            raise
        return _PooledConnection(connection, self)

    async def release(self, connection: Any) -> None:
        try:
            if connection.in_transaction:
                await connection.rollback()
            self._idle.append(connection)
        finally:
            self._available.release()

    async def close_pool(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.close()

    async def fetch_all(self, query: str, args: Sequence[Any]) -> list[Any]:
        """Rows of one statement, on the current transaction's connection (inline in a write
        transaction, see the class) or else on a pooled one."""
        transaction = self.current_transaction.get()
        if transaction is None:
            return list(await self._run_in_new_connection(query, list(args)))
        rows = await self._run_in_existing_connection(transaction.connection, query, list(args))
        return list(rows)

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",  # noqa: ARG002 - Piccolo's signature
        table: type[Table] | None = None,  # noqa: ARG002 - Piccolo's signature
    ) -> Any:
        connection = await self.get_connection()
        try:
            return await connection.execute_fetchall(query, args or [])
        finally:
            await connection.close()

    async def _run_in_existing_connection(
        self,
        connection: Any,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",  # noqa: ARG002 - Piccolo's signature
        table: type[Table] | None = None,  # noqa: ARG002 - Piccolo's signature
    ) -> Any:
        """Inline in a write transaction (see the class), else one round trip to the
        connection's thread. Piccolo's own sends ``PRAGMA foreign_keys`` before every statement
        and fetches through a cursor (four round trips); pooled connections set the pragma once,
        when opened, and SQLite here has RETURNING."""
        transaction = self.current_transaction.get()
        if (
            transaction is not None
            and transaction.connection is connection
            and transaction.transaction_type is TransactionType.immediate
        ):
            return connection.raw.execute(query, args or []).fetchall()
        return list(await connection.execute_fetchall(query, args or []))


def sqlite_path(url: str) -> Path | None:
    """``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db``; None if not SQLite."""
    if not url.startswith("sqlite:"):
        return None
    return Path(unquote(url.removeprefix("sqlite:///").removeprefix("sqlite://")))


def create_engine(url: str) -> Engine:  # type: ignore[type-arg]
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        return TunedSQLiteEngine(path=str(path))
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"Unsupported DATABASE_URL scheme {parts.scheme!r}")
    return PostgresEngine(config={"dsn": url})
