"""Group commit on SQLite: write transactions queued for the one write lock share a commit.

SQLite runs one writer at a time (``kernel/db.py``), and a commit (the WAL's pages, now and
then a checkpoint) cost more than the statements of a small use case (profiled on the outage
replay; see bench/RESULTS.md). So the use cases queued behind one another run in one
transaction, each in a savepoint of its own: one that fails rolls back alone. The last of a
group, finding nobody queued behind it, commits; the others wait for that commit (a member
whose block ended has not committed until its group has), and each queues for the lock once
more, so a group is committed even if its last member is cancelled.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from piccolo.engine.sqlite import TransactionType

from kernel.engines import TunedSQLiteEngine

GROUP_COMMIT_MAX = 64  # use cases in one transaction, at most


@dataclass(eq=False)
class _Group:
    """The open transaction that queued use cases share."""

    connection: Any  # the pooled aiosqlite connection; statements run on its sqlite3 one
    committed: "asyncio.Future[None]"
    members: int = 0  # use cases whose changes it holds


@dataclass(frozen=True)
class _PiccoloView:
    """What Piccolo's SQLite engine reads of its current transaction (``connection``, and
    ``transaction_type`` for ``TunedSQLiteEngine``'s inline statements): Piccolo's own
    queries inside a use case (set-up scripts, tools) join the group too."""

    connection: Any
    transaction_type: TransactionType = TransactionType.immediate


class GroupCommit:
    """The write lock of one SQLite database and the group transaction it guards."""

    def __init__(self, engine: TunedSQLiteEngine) -> None:
        self.engine = engine
        self._lock = asyncio.Lock()
        self._queued = 0  # use cases waiting for the lock
        self._group: _Group | None = None

    @asynccontextmanager
    async def member(self) -> AsyncIterator[Any]:
        """One use case's part of a group: the shared connection, while the block runs in a
        savepoint; returns once the group committed (raises if the commit failed)."""
        group = await self._join()
        raw = group.connection.raw
        try:
            raw.execute("SAVEPOINT use_case")
            view: Any = _PiccoloView(group.connection)  # duck-typed as Piccolo's transaction
            piccolo = self.engine.current_transaction.set(view)
            try:
                yield group.connection
            except BaseException:
                raw.execute("ROLLBACK TO use_case")
                raw.execute("RELEASE use_case")
                raise
            finally:
                self.engine.current_transaction.reset(piccolo)
            raw.execute("RELEASE use_case")
            group.members += 1
            if not self._queued or group.members >= GROUP_COMMIT_MAX:
                await self._commit(group)
        finally:
            if self._group is group and group.members == 0 and not self._queued:
                await self._commit(group)  # nothing in it: ends the transaction
            self._lock.release()
        if not group.committed.done():
            await self._take_lock()
            try:
                if not group.committed.done():
                    await self._commit(group)
            finally:
                self._lock.release()
        await group.committed

    async def _take_lock(self) -> None:
        """Queue for the lock, counted while waiting (a group commits when none wait)."""
        self._queued += 1
        try:
            await self._lock.acquire()
        finally:
            self._queued -= 1

    async def _join(self) -> _Group:
        """Take the lock; the open group, or a new one."""
        await self._take_lock()
        try:
            if self._group is None:
                connection = await self.engine.get_connection()
                begin = asyncio.ensure_future(connection.execute("BEGIN IMMEDIATE"))
                try:
                    await asyncio.shield(begin)
                except BaseException:
                    # Cancelled or failed: the BEGIN may still run in the connection's thread.
                    # Hand the connection back only after it did (the pool rolls it back).
                    await asyncio.shield(_discard(connection, begin))
                    raise
                self._group = _Group(connection, asyncio.get_running_loop().create_future())
            return self._group
        except BaseException:
            self._lock.release()
            raise

    async def _commit(self, group: _Group) -> None:
        """End ``group``'s transaction (under the lock), whatever happens to the task asking:
        its members wait for the answer."""
        self._group = None

        async def commit() -> None:
            try:
                await group.connection.execute("COMMIT")
            except BaseException as error:
                group.committed.set_exception(error)
            else:
                group.committed.set_result(None)
            finally:
                await group.connection.close()  # back to the pool (rolled back if still open)

        await asyncio.shield(commit())


async def _discard(connection: Any, begin: "asyncio.Future[Any]") -> None:
    with contextlib.suppress(Exception):  # it failed: nothing began; the caller raises
        await begin
    await connection.close()
