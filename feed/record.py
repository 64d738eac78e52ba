"""Recording feed events in the transaction that causes them. Events accumulate and are
written just before the commit: one bump of the tenant's counter (its row locked until the
commit on PostgreSQL, so sequence order is commit order and a reader never skips an event that
commits late), one insert, and the wake-up: a NOTIFY delivered at commit on PostgreSQL (every
API process listens), an in-process one after commit on SQLite."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any
from uuid import UUID, uuid4

from feed import sql
from kernel.db import Transaction
from kernel.rows import json_text


@dataclass(frozen=True, slots=True)
class _Event:
    tenant_id: UUID
    kind: str
    work_order_id: UUID
    detail: dict[str, Any]
    at: datetime


def channel(tenant_id: UUID) -> str:
    """The tenant's channel (a PostgreSQL identifier: letters, digits, underscores)."""
    return f"feed_{tenant_id.hex}"


class LocalWakeup:
    """Wakes this process's feed streams after a commit where the database cannot (SQLite).
    The server connects it to its channels at start."""

    def __init__(self) -> None:
        self.listeners: list[Callable[[str], None]] = []

    def wake(self, name: str) -> None:
        for listener in list(self.listeners):
            listener(name)


LOCAL = LocalWakeup()


async def record(
    tx: Transaction,
    *,
    tenant_id: UUID,
    kind: str,
    work_order_id: UUID,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> None:
    pending = tx.pending_until_commit("feed", dict, partial(_flush, tx))
    key = (tenant_id, kind, work_order_id) if kind == "work_order" else (tenant_id, uuid4())
    pending[key] = _Event(tenant_id, kind, work_order_id, detail or {}, now)


async def _flush(tx: Transaction, pending: dict[tuple[Any, ...], _Event]) -> None:
    for tenant in sorted({event.tenant_id for event in pending.values()}):
        events = [event for event in pending.values() if event.tenant_id == tenant]
        (bumped,) = await tx.fetch(
            sql.BUMP, sql.Value, id=uuid4(), tenant=tenant, count=len(events)
        )
        first = bumped.value - len(events) + 1
        await tx.execute(
            sql.INSERT_EVENTS,
            rows=[
                (
                    uuid4(),
                    tenant,
                    first + offset,
                    event.kind,
                    event.work_order_id,
                    json_text(event.detail),
                    event.at,
                )
                for offset, event in enumerate(events)
            ],
        )
        name = channel(tenant)
        if tx.db.is_sqlite:
            tx.after_commit(partial(LOCAL.wake, name))
        else:
            await tx.execute(sql.NOTIFY, channel=name, payload=str(bumped.value))
