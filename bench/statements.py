"""What one statement costs through the kernel's transaction handle, beside the driver alone.

Inside one write transaction, an UPDATE and a SELECT decoded into a Struct run many times on
one row; the same compiled statements sent to the driver directly (sqlite3 on the loop's
thread, as a write transaction does; asyncpg's ``fetch``) are the floor. Prints microseconds
per statement: the handle's own cost is the difference.

    .venv/bin/python -m bench.statements --database sqlite
    .venv/bin/python -m bench.statements --database postgres
"""

import argparse
import asyncio
import time

import msgspec

from bench.harness import connected, database
from kernel.db import Database, Transaction
from kernel.statements import Statement

CREATE = Statement("CREATE TEMPORARY TABLE bench_probe (id INTEGER PRIMARY KEY, label TEXT)")
INSERT = Statement("INSERT INTO bench_probe (id, label) VALUES (5, 'a')")
SELECT = Statement("SELECT id, label FROM bench_probe WHERE id = :id")
UPDATE = Statement("UPDATE bench_probe SET label = :label WHERE id = :id")


class Probe(msgspec.Struct):
    id: int
    label: str


async def driver_floor(db: Database, tx: Transaction, count: int) -> tuple[float, float]:
    """The same UPDATE and SELECT straight to the driver, on the transaction's connection
    (the bench looks inside the handle; the product never does)."""
    connection = tx._connection
    dialect = db.dialect
    statements = [
        UPDATE.compile(dialect, {"label": "x", "id": 5}),
        SELECT.compile(dialect, {"id": 5}),
    ]
    figures = []
    for compiled in statements:
        assert compiled is not None
        text, values = compiled
        started = time.perf_counter()
        for _ in range(count):
            if db.is_sqlite:
                connection.raw.execute(text, values).fetchall()
            else:
                await connection.fetch(text, *values)
        figures.append((time.perf_counter() - started) / count * 1e6)
    return figures[0], figures[1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=20_000)
    args = parser.parse_args()
    async with database(args.database) as url, connected(url) as db, db.transaction() as tx:
        await tx.execute(CREATE)
        await tx.execute(INSERT)
        floor_update, floor_select = await driver_floor(db, tx, args.count)
        handle_update = await _timed(tx, args.count, update=True)
        handle_select = await _timed(tx, args.count, update=False)
    print(f"database: {args.database}; {args.count} statements per figure, one transaction")
    print(f"UPDATE:  driver {floor_update:.2f} us, tx.execute {handle_update:.2f} us")
    print(
        f"SELECT:  driver {floor_select:.2f} us, tx.fetch_one into a Struct {handle_select:.2f} us"
    )


async def _timed(tx: Transaction, count: int, *, update: bool) -> float:
    started = time.perf_counter()
    for _ in range(count):
        if update:
            await tx.execute(UPDATE, label="x", id=5)
        else:
            await tx.fetch_one(SELECT, Probe, id=5)
    return (time.perf_counter() - started) / count * 1e6


if __name__ == "__main__":
    asyncio.run(main())
