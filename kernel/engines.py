"""Database engines from a URL: PostgreSQL over asyncpg, and SQLite tuned for a server.

Piccolo opens a new SQLite connection (and thread) per query or transaction, which measured as
most of a request's time (see bench/RESULTS.md); ``TunedSQLiteEngine`` keeps a small pool of
open connections with the settings a server needs. ``TunedPostgresEngine`` returns a connection
to asyncpg's pool without a reset query, which was a second round trip for every statement or
transaction.
"""

import asyncio
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType, dict_factory
from piccolo.table import Table

SQLITE_BUSY_TIMEOUT_MS = 10_000
# A WAL reader waits only in rare moments (recovery after a crash, all read marks in use at
# once); inline on the loop's thread it waits at most this long before the read fails.
SQLITE_READ_BUSY_TIMEOUT_MS = 200


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
    than running it (profiled on the outage replay; see bench/RESULTS.md). BEGIN and COMMIT
    (which may checkpoint the WAL, with an fsync) still run on the connection's thread.

    Reads outside a write transaction run on the loop's thread too, on connections of their own
    (``reader``): under WAL a reader never waits for the writer, so a read costs its own
    microseconds, where handing it to a thread and back cost several times that on every
    request (profiled on ``GET /api/v1/me``; see bench/RESULTS.md)."""

    pool_size = 8
    idle_readers = 8

    def __init__(self, **kwargs: Any) -> None:
        # Connections are used from their own thread and, inside write transactions, from the
        # loop's; never from both at once (each call is awaited before the next).
        super().__init__(check_same_thread=False, **kwargs)
        self._idle: list[Any] = []
        # At most pool_size connections exist: under a burst, callers wait for one rather than
        # each opening (and closing) a connection and its thread.
        self._available = asyncio.Semaphore(self.pool_size)
        self._readers: dict[bool, list[sqlite3.Connection]] = {False: [], True: []}

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
        for readers in self._readers.values():
            while readers:
                readers.pop().close()

    def _open_reader(self, *, stored: bool) -> sqlite3.Connection:
        options: dict[str, Any] = {**self.connection_kwargs, "check_same_thread": False}
        if stored:  # values as SQLite stores them: no per-value conversion calls
            options["detect_types"] = 0
        connection: sqlite3.Connection = sqlite3.connect(**options)
        if not stored:
            connection.row_factory = dict_factory
        connection.execute(f"PRAGMA busy_timeout = {SQLITE_READ_BUSY_TIMEOUT_MS}")
        connection.execute("PRAGMA query_only = 1")  # a reader that writes is a bug: refuse
        return connection

    @contextmanager
    def reader(self, *, stored: bool = False) -> Iterator[sqlite3.Connection]:
        """A read-only connection for statements run on the caller's (the loop's) thread; each
        holder has it to itself until the block ends, awaits included. Its rows are dicts of
        Piccolo's Python values, or with ``stored`` tuples of the values as stored (UUIDs and
        timestamps as text, booleans as 0/1)."""
        idle = self._readers[stored]
        connection = idle.pop() if idle else self._open_reader(stored=stored)
        try:
            yield connection
        finally:
            if connection.in_transaction:
                connection.rollback()
            if len(idle) < self.idle_readers:
                idle.append(connection)
            else:
                connection.close()

    def read(self, query: str, args: Sequence[Any]) -> list[dict[str, Any]]:
        """The rows of one read statement, on the caller's thread."""
        with self.reader() as connection:
            rows: list[dict[str, Any]] = connection.execute(query, args).fetchall()
            return rows

    def read_stored(self, query: str, args: Sequence[Any]) -> tuple[tuple[str, ...], list[Any]]:
        """The column names and rows (tuples of stored values) of one read statement."""
        with self.reader(stored=True) as connection:
            cursor = connection.execute(query, args)
            rows = cursor.fetchall()
            if not rows:  # a caught-up poll, the commonest answer: no names needed
                return (), rows
            return tuple(column[0] for column in cursor.description), rows

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


async def _keep_session(_connection: Any) -> None:
    """Nothing to undo: our statements leave no session state behind on a pooled connection
    (no ``SET`` without ``LOCAL``, session advisory locks, cursors or ``LISTEN``;
    tests/kernel/test_engines.py checks every statement). asyncpg still rolls back a
    transaction left open, and drops listeners, before it calls this."""


class TunedPostgresEngine(PostgresEngine):
    async def start_connection_pool(self, **kwargs: Any) -> None:
        # asyncpg's default reset runs "SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
        # RESET ALL" whenever a connection goes back to the pool: one more round trip for
        # every statement outside a transaction and every transaction.
        await super().start_connection_pool(reset=_keep_session, **kwargs)


def create_engine(url: str) -> Engine:  # type: ignore[type-arg]
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        return TunedSQLiteEngine(path=str(path))
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"Unsupported DATABASE_URL scheme {parts.scheme!r}")
    return TunedPostgresEngine(config={"dsn": url})
