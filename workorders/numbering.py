"""Per-tenant human numbers, ``WO-<year>-<counter>``: gap-free within a committed history,
safe under concurrent creators (one atomic upsert, valid on SQLite and PostgreSQL)."""

from datetime import datetime
from uuid import UUID, uuid4

from kernel.db import Transaction
from workorders import sql


async def next_number(tx: Transaction, *, tenant_id: UUID, now: datetime) -> str:
    (row,) = await tx.fetch(
        sql.NEXT_NUMBER, sql.Number, id=uuid4(), tenant=tenant_id, year=now.year
    )
    return f"WO-{now.year}-{row.last_value:06d}"
