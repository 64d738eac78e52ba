"""The database handle: engine construction from a URL and the transaction rules.

SQLite (measured, see DESIGN.md): concurrent deferred transactions fail with "database is
locked", so writes run one at a time behind an in-process lock, as IMMEDIATE transactions, on a
WAL database. Reads use deferred transactions, which WAL lets run beside the writer.
PostgreSQL: plain transactions over an asyncpg pool.
"""

import asyncio
import contextvars
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from asyncpg.exceptions import TransactionRollbackError, UniqueViolationError
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

SQLITE_BUSY_TIMEOUT_MS = 10_000
T = TypeVar("T")
log = logging.getLogger("fieldops.db")


@dataclass
class _TransactionHooks:
    """Work attached to the current write transaction: flushes that must run inside it just
    before it commits, callbacks for after it committed, and the state those share."""

    before_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)


_hooks: contextvars.ContextVar[_TransactionHooks | None] = contextvars.ContextVar(
    "fieldops_transaction_hooks", default=None
)


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` when the surrounding ``Database.transaction()`` commits (at once when
    there is none): side effects such as waking live streams must not see uncommitted data."""
    hooks = _hooks.get()
    if hooks is None:
        callback()
    else:
        hooks.after_commit.append(callback)


def pending_until_commit(
    key: str, make: Callable[[], T], flush: Callable[[T], Awaitable[None]]
) -> T | None:
    """A per-transaction accumulator (made on first use) that ``flush`` writes just before
    the surrounding transaction commits; None outside a ``Database.transaction()``. Lets
    several changes share one write, and keeps row locks taken by the flush short."""
    hooks = _hooks.get()
    if hooks is None:
        return None
    if key not in hooks.state:
        value = make()
        hooks.state[key] = value
        hooks.before_commit.append(lambda: flush(value))
    accumulated: T = hooks.state[key]
    return accumulated


async def _run_before_commit(hooks: _TransactionHooks) -> None:
    while hooks.before_commit:  # a flush may register more work
        await hooks.before_commit.pop(0)()


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
    lock: it takes microseconds, while handing it to the connection's thread and back cost
    ~200 µs of the loop's time (waking that thread; measured with cProfile on the outage
    replay, a quarter of the server's time). BEGIN, COMMIT (which may checkpoint the WAL, with
    an fsync) and every read still run on the connection's thread."""

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


def is_contention(error: BaseException) -> bool:
    """Whether ``error`` is PostgreSQL refusing one of two concurrent transactions (a deadlock,
    a serialization failure, a unique row the other inserted first): running the use case
    again sees the other's commit. SQLite runs one writer at a time and never raises these."""
    return isinstance(error, TransactionRollbackError | UniqueViolationError)


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


class Database:
    """Owns the engine's lifecycle and opens transactions the same way for every service."""

    def __init__(self, engine: Engine, *, pool_size: int = 10) -> None:  # type: ignore[type-arg]
        self.engine = engine
        self.pool_size = pool_size
        self.is_sqlite = engine.engine_type == "sqlite"
        self._write_lock = asyncio.Lock()

    @classmethod
    def from_url(cls, url: str, *, pool_size: int = 10) -> "Database":
        return cls(create_engine(url), pool_size=pool_size)

    def bind(self, tables: Iterable[type[Table]]) -> None:
        """Point the tables at this engine (Piccolo keeps the engine on each table class)."""
        for table in tables:
            table._meta.db = self.engine

    async def start(self) -> None:
        if self.is_sqlite:
            await self.engine.run_ddl("PRAGMA journal_mode = WAL")
        elif isinstance(self.engine, PostgresEngine):
            await self.engine.start_connection_pool(min_size=1, max_size=self.pool_size)

    async def stop(self, *, grace_seconds: float = 5.0) -> None:
        """Close the connections. asyncpg's pool waits for every connection to come back: one
        still held (a request cut off mid-transaction) would keep the process from exiting,
        so after ``grace_seconds`` they are closed anyway, and the log says so."""
        if isinstance(self.engine, PostgresEngine):
            pool = self.engine.pool
            if pool is None:
                return
            try:
                await asyncio.wait_for(pool.close(), grace_seconds)
            except TimeoutError:
                log.error(
                    "database: connections still in use %.0f s into shutdown: closing them",
                    grace_seconds,
                )
                pool.terminate()
            self.engine.pool = None
        elif isinstance(self.engine, TunedSQLiteEngine):
            await self.engine.close_pool()

    async def ping(self) -> None:
        """Raise unless the database answers. For SQLite the file must still be there: pooled
        connections keep answering from a deleted file whose data is already lost."""
        engine = self.engine
        if isinstance(engine, TunedSQLiteEngine) and not await asyncio.to_thread(
            Path(engine.path).exists
        ):
            raise FileNotFoundError(f"SQLite database {engine.path} is gone")
        await self.engine.run_ddl("SELECT 1")

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        """One write transaction per use case; joins the caller's if one is already open."""
        if self.engine.transaction_exists():
            yield
            return
        hooks = _TransactionHooks()
        token = _hooks.set(hooks)
        try:
            if self.is_sqlite:
                async with (
                    self._write_lock,
                    self.engine.transaction(transaction_type=TransactionType.immediate),
                ):
                    yield
                    await _run_before_commit(hooks)
            else:
                async with self.engine.transaction():
                    yield
                    await _run_before_commit(hooks)
        finally:
            _hooks.reset(token)
        for callback in hooks.after_commit:
            callback()

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator[None]:
        """A consistent read on one connection (no write lock on SQLite)."""
        if self.engine.transaction_exists():
            yield
            return
        async with self.engine.transaction():
            yield
