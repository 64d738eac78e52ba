"""The database handle and the transaction rules (engines: ``kernel/engines.py``).

SQLite: concurrent deferred transactions fail with "database is locked" (and IMMEDIATE ones
still time out under a burst), so writes run one at a time behind an in-process lock, as
IMMEDIATE transactions on a WAL database, queued ones sharing a commit
(``kernel/group_commit.py``). Reads use deferred transactions, which WAL lets run
beside the writer. PostgreSQL: plain transactions over an asyncpg pool.

Everything runs through explicit handles (``Transaction``, ``Reader``): see
docs/architecture.md for the rules they enforce.
"""

import asyncio
import contextvars
import logging
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import msgspec
from asyncpg.exceptions import TransactionRollbackError, UniqueViolationError
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.table import Table

from kernel.engines import TunedSQLiteEngine, create_engine
from kernel.errors import DomainError
from kernel.events import Reactions
from kernel.group_commit import GroupCommit
from kernel.rows import decode, decode_all
from kernel.statements import DIALECTS, Statement, chunks
from mobile_contract.errors import ErrorCode

T = TypeVar("T")
S = TypeVar("S", bound=msgspec.Struct)
R = TypeVar("R", bound="Reader")
log = logging.getLogger("fieldops.db")


@dataclass
class _TransactionHooks:
    """Work attached to the current write transaction: flushes that must run inside it just
    before it commits, callbacks for after it committed, and the state those share."""

    before_commit: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)


_open: contextvars.ContextVar["Reader | None"] = contextvars.ContextVar(
    "fieldops_open_handle", default=None
)


@contextmanager
def _opened(handle: "Reader") -> Iterator[None]:
    """``handle`` is this context's open transaction or snapshot while the block runs."""
    token = _open.set(handle)
    try:
        yield
    finally:
        _open.reset(token)


class WouldWrite(Exception):
    """A rehearsal (``Database.rehearsal``) reached a change: run the use case in a write
    transaction instead."""


class TransactionMisuse(RuntimeError):
    """Code asked for a transaction where it must not have one (a programming error)."""


async def _run_before_commit(hooks: _TransactionHooks) -> None:
    while hooks.before_commit:  # a flush may register more work
        await hooks.before_commit.pop(0)()


def is_contention(error: BaseException) -> bool:
    """Whether ``error`` is PostgreSQL refusing one of two concurrent transactions (a deadlock,
    a serialization failure, a unique row the other inserted first): running the use case
    again sees the other's commit. SQLite runs one writer at a time and never raises these."""
    return isinstance(error, TransactionRollbackError | UniqueViolationError)


def lost_race(error: BaseException) -> bool:
    """``is_contention``, or the domain's own word for it: a version compare-and-set or a
    unique check that a concurrent writer of the same rows won."""
    return is_contention(error) or (
        isinstance(error, DomainError)
        and error.code in (ErrorCode.VERSION_CONFLICT, ErrorCode.ALREADY_EXISTS)
    )


async def run_use_case(
    db: "Database",
    use_case: "Callable[[Transaction], Awaitable[T]]",
    *,
    attempts: int = 3,
    contended: Callable[[BaseException], bool] = lost_race,
    rehearse: bool = True,
) -> T:
    """``use_case`` rehearsed first (``Database.rehearsal``: on SQLite, one that changes nothing
    never queues for the write lock), then in a write transaction. On PostgreSQL a use case
    that loses a race with a concurrent writer of the same rows (``contended``) runs again,
    up to ``attempts`` times, and then sees the other's commit. ``rehearse=False`` skips the
    rehearsal where a use case that changes nothing is rare."""
    tries = attempts if db.writers_race else 1
    for attempt in range(1, tries + 1):
        try:
            if rehearse:
                try:
                    async with db.rehearsal() as tx:
                        return await use_case(tx)
                except WouldWrite:
                    pass
            async with db.transaction() as tx:
                return await use_case(tx)
        except Exception as error:
            if attempt == tries or not contended(error):
                raise
    raise AssertionError("unreachable")


class Database:
    """Owns the engine's lifecycle and opens transactions the same way for every service."""

    def __init__(self, engine: Engine, *, pool_size: int = 10) -> None:  # type: ignore[type-arg]
        self.engine = engine
        self.pool_size = pool_size
        self.is_sqlite = engine.engine_type == "sqlite"
        self.dialect = DIALECTS[engine.engine_type]
        # SQLite's one writer at a time, with queued use cases sharing commits.
        self._writes = GroupCommit(engine) if isinstance(engine, TunedSQLiteEngine) else None
        # What other packages do when one publishes an event (wired by server/wiring.py).
        self.reactions = Reactions()

    @property
    def statements_are_cheap(self) -> bool:
        """Whether a statement inside a write transaction costs next to nothing: on SQLite it
        runs in-process, on the loop's thread (``TunedSQLiteEngine``), so a statement per row
        is as quick as one statement for many; on PostgreSQL each is a round trip, and a bulk
        statement saves them."""
        return self.is_sqlite

    @property
    def writers_race(self) -> bool:
        """Whether two write transactions can run at once and one lose to the other (a
        deadlock, a serialization failure, a unique row the other inserted first): on
        PostgreSQL; SQLite runs one writer at a time, so running a use case again changes
        nothing there."""
        return not self.is_sqlite

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
    async def transaction(self) -> AsyncIterator["Transaction"]:
        """One write transaction per use case. Inside another write transaction it is that
        one (a use case calling another commits once, at the end); inside a read snapshot it
        raises: the write would run without SQLite's write lock and its after-commit work
        would run before anything committed."""
        current = _open.get()
        if isinstance(current, Transaction):
            yield current
            return
        if current is not None:
            raise TransactionMisuse("a write transaction was opened inside a read snapshot")
        hooks = _TransactionHooks()
        if self._writes is not None:
            async with self._writes.member() as connection:
                handle = Transaction(self, connection, hooks, inline=True)
                with _opened(handle):
                    yield handle
                    await _run_before_commit(hooks)
        else:
            async with self.engine.transaction() as tx:
                handle = Transaction(self, tx.connection, hooks)
                with _opened(handle):
                    yield handle
                    await _run_before_commit(hooks)
        for callback in hooks.after_commit:
            callback()

    @asynccontextmanager
    async def snapshot(self) -> AsyncIterator["Reader"]:
        """A consistent read on one connection (no write lock on SQLite: a read transaction
        on a reader connection, run on the loop's thread); inside a write transaction, that
        transaction."""
        current = _open.get()
        if current is not None:
            yield current
            return
        if isinstance(self.engine, TunedSQLiteEngine):
            with self._read_transaction(lambda c: Reader(self, c, inline=True)) as reader:
                yield reader
            return
        async with self.engine.transaction() as tx:
            reader = Reader(self, tx.connection)
            with _opened(reader):
                yield reader

    @asynccontextmanager
    async def rehearsal(self) -> AsyncIterator["Transaction"]:
        """A use case run on a read snapshot, as if in a write transaction, until it tries to
        change something: then ``WouldWrite`` is raised, and the caller runs it again in a
        write transaction. A use case that changes nothing (a replayed sync push) so never
        takes SQLite's write lock, which writers queue for one at a time. On PostgreSQL, where
        writers do not queue so, it is a write transaction."""
        if not isinstance(self.engine, TunedSQLiteEngine) or _open.get() is not None:
            async with self.transaction() as tx:
                yield tx
            return
        with self._read_transaction(lambda c: _Rehearsal(self, c)) as rehearsal:
            yield rehearsal

    @contextmanager
    def _read_transaction(self, handle: Callable[[sqlite3.Connection], R]) -> Iterator[R]:
        """A read transaction on one of SQLite's reader connections, run on the loop's thread,
        as the open handle ``handle`` makes of it."""
        assert isinstance(self.engine, TunedSQLiteEngine)
        with self.engine.reader() as connection:
            connection.execute("BEGIN")
            opened = handle(connection)
            with _opened(opened):
                yield opened

    @staticmethod
    def assert_outside_transaction(what: str) -> None:
        """For I/O that must never hold a transaction open (object store calls, network):
        a slow peer would hold the database's write lock or a pooled connection."""
        if _open.get() is not None:
            raise TransactionMisuse(f"{what} must not run inside a database transaction")

    async def fetch(self, statement: Statement, kind: type[S], /, **params: Any) -> list[S]:
        """Rows of one statement outside any transaction (a pooled connection)."""
        return await Reader(self, None).fetch(statement, kind, **params)

    async def fetch_one(self, statement: Statement, kind: type[S], /, **params: Any) -> S | None:
        return await Reader(self, None).fetch_one(statement, kind, **params)

    async def fetch_stored(
        self, statement: Statement, /, **params: Any
    ) -> tuple[tuple[str, ...], Sequence[Sequence[Any]]]:
        """Column names and rows of one read statement outside any transaction, with values
        as the driver gives them without conversion: SQLite's text UUIDs and timestamps, 0/1
        booleans and JSON text; asyncpg's own types (JSON as text). For the hottest path
        (a pull's page), which converts only what its answer needs."""
        if _open.get() is not None:
            raise TransactionMisuse("fetch_stored runs outside transactions")
        compiled = statement.compile(self.dialect, params)
        assert compiled is not None, "fetch_stored takes no bulk parameters"
        engine: Any = self.engine
        if isinstance(engine, TunedSQLiteEngine):
            return engine.read_stored(*compiled)
        text, values = compiled
        async with engine.pool.acquire() as pooled:
            records = await pooled.fetch(text, *values)
        return (tuple(records[0].keys()) if records else ()), records

    async def execute(self, statement: Statement, /, **params: Any) -> None:
        """One write statement in a transaction of its own."""
        async with self.transaction() as tx:
            await tx.execute(statement, **params)

    async def write(self, statement: Statement, kind: type[S], /, **params: Any) -> list[S]:
        """One write statement, atomic on its own, and the rows it returns. On PostgreSQL it
        runs on a pooled connection without BEGIN and COMMIT (a statement is its own
        transaction): one round trip instead of three; on SQLite it joins the write lock's
        group commit. Inside a transaction it is that transaction's."""
        current = _open.get()
        if isinstance(current, Transaction) or self._writes is not None:
            async with self.transaction() as tx:
                return await tx.fetch(statement, kind, **params)
        if current is not None:
            raise TransactionMisuse("a write was made inside a read snapshot")
        return await Reader(self, None).fetch(statement, kind, **params)


class Reader:
    """Runs statements on one connection (a snapshot's or a transaction's) or, without one, on
    a pooled connection per statement. Rows come back typed (``kernel.rows.decode``)."""

    __slots__ = ("_connection", "_inline", "db")

    def __init__(self, db: Database, connection: Any, *, inline: bool = False) -> None:
        self.db = db
        self._connection = connection
        # Inline: the sqlite3 connection itself, whose statements run on the loop's thread
        # (a write transaction's, or a snapshot's reader connection).
        self._inline: sqlite3.Connection | None = None
        if inline:
            self._inline = (
                connection if isinstance(connection, sqlite3.Connection) else connection.raw
            )

    async def fetch(self, statement: Statement, kind: type[S], /, **params: Any) -> list[S]:
        return decode_all(await self._rows(statement, params), kind)

    async def fetch_one(self, statement: Statement, kind: type[S], /, **params: Any) -> S | None:
        rows = await self._rows(statement, params)
        return decode(rows[0], kind) if rows else None

    async def execute(self, statement: Statement, /, **params: Any) -> None:
        await self._rows(statement, params)

    async def fetch_rows(self, statement: Statement, /, **params: Any) -> list[dict[str, Any]]:
        """Driver rows, undecoded: for ``kernel`` and hot paths that build documents
        themselves; everything else asks for a typed row."""
        return await self._rows(statement, params)

    async def _rows(self, statement: Statement, params: dict[str, Any]) -> list[dict[str, Any]]:
        # Hot: every statement of every use case comes through here, some once per row.
        if self._connection is None and _open.get() is not None:
            raise TransactionMisuse(
                "a statement ran on a pooled connection while a transaction is open: "
                "run it on the transaction's handle"
            )
        compiled = statement.compile(self.db.dialect, params)
        if compiled is None:  # a bulk insert over the bound-value limits: a few statements
            rows: list[dict[str, Any]] = []
            for part in chunks(params):
                part_compiled = statement.compile(self.db.dialect, part)
                assert part_compiled is not None
                rows += await self._run(*part_compiled)
            return rows
        if self._inline is not None:  # see TunedSQLiteEngine: the write lock is ours
            inline_rows: list[dict[str, Any]] = self._inline.execute(*compiled).fetchall()
            return inline_rows
        return await self._run(*compiled)

    async def _run(self, text: str, values: list[Any]) -> list[dict[str, Any]]:
        engine: Any = self.db.engine
        connection = self._connection
        if self.db.is_sqlite:
            if connection is None:  # a read on the loop's thread (TunedSQLiteEngine.read)
                rows: list[dict[str, Any]] = engine.read(text, values)
                return rows
            return list(await connection.execute_fetchall(text, values))
        if connection is not None:
            records = await connection.fetch(text, *values)
        else:
            async with engine.pool.acquire() as pooled:
                records = await pooled.fetch(text, *values)
        return [dict(record) for record in records]


class Transaction(Reader):
    """The handle of one write transaction: what must run inside one takes it."""

    __slots__ = ("_hooks",)

    def __init__(
        self, db: Database, connection: Any, hooks: _TransactionHooks, *, inline: bool = False
    ) -> None:
        super().__init__(db, connection, inline=inline)
        self._hooks = hooks

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once this transaction committed (never if it rolls back)."""
        self._hooks.after_commit.append(callback)

    def pending_until_commit(
        self,
        key: str,
        make: Callable[[], T],
        flush: Callable[[T], Awaitable[None]],
    ) -> T:
        """A per-transaction accumulator (made on first use) that ``flush`` writes just
        before this transaction commits: several changes share one write, and row locks the
        flush takes are held only for the commit."""
        state = self._hooks.state
        if key not in state:
            value = make()
            state[key] = value
            self._hooks.before_commit.append(lambda: flush(value))
        accumulated: T = state[key]
        return accumulated

    def will_write(self) -> None:
        """Say that the use case is about to change something: a rehearsal stops here, before
        the work that leads to the change (``Database.rehearsal``)."""

    async def publish(self, event: object) -> None:
        """Run the reactions wired to ``event`` inside this transaction (``kernel.events``)."""
        await self.db.reactions.publish(self, event)


class _Rehearsal(Transaction):
    """A write transaction's handle on a read snapshot: reads run, the first change raises
    ``WouldWrite`` (``Database.rehearsal``)."""

    __slots__ = ()

    def __init__(self, db: Database, connection: sqlite3.Connection) -> None:
        super().__init__(db, connection, _TransactionHooks(), inline=True)

    async def _rows(self, statement: Statement, params: dict[str, Any]) -> list[dict[str, Any]]:
        if not statement.reads:
            raise WouldWrite(statement.text)
        return await super()._rows(statement, params)

    def after_commit(self, callback: Callable[[], None]) -> None:  # noqa: ARG002 - refused
        raise WouldWrite("work after a commit")

    def will_write(self) -> None:
        raise WouldWrite("the use case said so")

    def pending_until_commit(
        self,
        key: str,
        make: Callable[[], T],  # noqa: ARG002 - refused
        flush: Callable[[T], Awaitable[None]],  # noqa: ARG002 - refused
    ) -> T:
        raise WouldWrite(f"work before a commit ({key})")

    async def publish(self, event: object) -> None:
        raise WouldWrite(f"an event ({type(event).__name__})")
