"""Raw SQL for hot paths, straight to the driver.

Piccolo compiles every query from column objects on each call (measured: ~0.9 ms for a
one-row select on SQLite, against ~0.06 ms for the same statement sent to aiosqlite directly),
and its ``raw()`` still parses the statement each time. Sync pushes and pulls, authentication
and the work-order writes they share send their fixed statements through here: written once
with ``{}`` placeholders (as Piccolo's ``raw``), translated once per dialect, run on the current
transaction's connection when there is one. Values are bound, never formatted in.

Rows come back as dicts of driver values: on SQLite, UUID and timestamp columns are converted
by the column's declared type (Piccolo registers the converters), JSON stays text.
"""

from functools import lru_cache
from typing import Any

from piccolo.table import Table

Row = dict[str, Any]


@lru_cache(maxsize=4096)
def _compiled(statement: str, engine_type: str) -> str:
    parts = statement.split("{}")
    if engine_type == "sqlite":
        return "?".join(parts)
    numbered = [parts[0]]
    for position, part in enumerate(parts[1:], start=1):
        numbered.append(f"${position}{part}")
    return "".join(numbered)


async def fetch(table: type[Table], statement: str, *args: Any) -> list[Row]:
    """Run ``statement`` on ``table``'s database; its rows (empty for a plain write)."""
    engine: Any = table._meta.db
    text = _compiled(statement, engine.engine_type)
    if engine.engine_type == "sqlite":
        rows: list[Row] = await engine.fetch_all(text, args)
        return rows
    transaction = engine.current_transaction.get()
    if transaction is not None:
        records = await transaction.connection.fetch(text, *args)
    elif engine.pool is not None:
        async with engine.pool.acquire() as connection:
            records = await connection.fetch(text, *args)
    else:
        connection = await engine.get_new_connection()
        try:
            records = await connection.fetch(text, *args)
        finally:
            await connection.close()
    return [dict(record) for record in records]


async def fetch_one(table: type[Table], statement: str, *args: Any) -> Row | None:
    rows = await fetch(table, statement, *args)
    return rows[0] if rows else None


def share_lock(table: type[Table]) -> str:
    """`` FOR SHARE`` on PostgreSQL: the row read stays as read until the transaction ends
    (a concurrent writer of it waits, or this read waits for its commit). SQLite runs one
    writer at a time and needs none."""
    engine: Any = table._meta.db
    return "" if engine.engine_type == "sqlite" else " FOR SHARE"


def placeholders(count: int) -> str:
    """``{}, {}, {}``: an ``IN`` list of ``count`` values."""
    return ", ".join("{}" for _ in range(count))


ROWS_PER_STATEMENT = 500  # 500 rows of up to 60 values: under both databases' bound-value limits


async def insert_rows(
    table: type[Table], head: str, rows: list[list[Any]], tail: str = ""
) -> list[Row]:
    """``head VALUES (...), (...) tail`` for ``rows`` of equal width, a few statements at most
    (a multi-row insert is one round trip instead of one per row). Answers what a
    ``RETURNING`` tail returns."""
    if not rows:
        return []
    row = "(" + ", ".join("{}" for _ in rows[0]) + ")"
    returned: list[Row] = []
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        values = ", ".join(row for _ in chunk)
        statement = f"{head} VALUES {values} {tail}"
        returned += await fetch(table, statement, *(v for r in chunk for v in r))
    return returned
