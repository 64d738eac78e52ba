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
from collections.abc import Awaitable, Callable
from typing import Any

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


async def measure(db: Database, tx: Transaction, count: int) -> dict[str, float]:
    """Microseconds per statement, the driver's and the handle's turns interleaved in batches:
    every UPDATE leaves a dead row version behind in the transaction, so whichever ran last
    would otherwise pay for the other's."""
    connection = tx._connection  # the bench looks inside the handle; the product never does
    compiled_update = UPDATE.compile(db.dialect, {"label": "x", "id": 5})
    compiled_select = SELECT.compile(db.dialect, {"id": 5})
    assert compiled_update is not None
    assert compiled_select is not None

    async def driver(text: str, values: list[Any]) -> None:
        if db.is_sqlite:
            connection.raw.execute(text, values).fetchall()
        else:
            await connection.fetch(text, *values)

    turns: dict[str, Callable[[], Awaitable[Any]]] = {
        "driver UPDATE": lambda: driver(*compiled_update),
        "tx.execute UPDATE": lambda: tx.execute(UPDATE, label="x", id=5),
        "driver SELECT": lambda: driver(*compiled_select),
        "tx.fetch_one SELECT into a Struct": lambda: tx.fetch_one(SELECT, Probe, id=5),
    }
    spent = dict.fromkeys(turns, 0.0)
    batch = 500
    for _ in range(count // batch):
        for name, turn in turns.items():
            started = time.perf_counter()
            for _ in range(batch):
                await turn()
            spent[name] += time.perf_counter() - started
    return {name: seconds / (count // batch * batch) * 1e6 for name, seconds in spent.items()}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--count", type=int, default=20_000)
    args = parser.parse_args()
    async with database(args.database) as url, connected(url) as db, db.transaction() as tx:
        await tx.execute(CREATE)
        await tx.execute(INSERT)
        figures = await measure(db, tx, args.count)
    print(f"database: {args.database}; {args.count} statements each, one transaction")
    for name, microseconds in figures.items():
        print(f"{name:36s} {microseconds:8.2f} us")


if __name__ == "__main__":
    asyncio.run(main())
