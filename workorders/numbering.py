"""Per-tenant human numbers, ``WO-<year>-<counter>``: gap-free within a committed history,
safe under concurrent creators (one atomic upsert, valid on SQLite and PostgreSQL)."""

from datetime import datetime
from uuid import UUID, uuid4

from workorders.tables import NumberCounter

_NEXT = (
    "INSERT INTO workorders_number_counter (id, tenant, year, last_value) "
    "VALUES ({}, {}, {}, 1) "
    "ON CONFLICT (tenant, year) "
    "DO UPDATE SET last_value = workorders_number_counter.last_value + 1 "
    "RETURNING last_value"
)


async def next_number(*, tenant_id: UUID, now: datetime) -> str:
    rows = await NumberCounter.raw(_NEXT, uuid4(), tenant_id, now.year)
    return f"WO-{now.year}-{rows[0]['last_value']:06d}"
