"""The timeline: append-only events, inserted and never updated. A hot path (every write and
every pushed note adds one), so the rows go in as one multi-row insert."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from kernel.context import Actor
from kernel.db import Transaction
from kernel.rows import json_text
from workorders import sql


@dataclass(frozen=True, slots=True)
class Event:
    work_order_id: UUID
    action: str
    now: datetime
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str = ""
    device_time: datetime | None = None


async def record_events(tx: Transaction, *, actor: Actor, events: list[Event]) -> None:
    """Append ``events`` by ``actor`` (with the request's captured metadata), in one statement."""
    if not events:
        return
    metadata = json_text(actor.meta.as_dict())
    await tx.execute(
        sql.INSERT_EVENTS,
        rows=[
            (
                uuid4(),
                actor.tenant_id,
                event.work_order_id,
                actor.user_id,
                actor.role.value,
                event.action,
                json_text(event.before or {}),
                json_text(event.after or {}),
                event.reason,
                metadata,
                event.now,
                event.device_time,
            )
            for event in events
        ],
    )


async def record_event(
    tx: Transaction,
    *,
    actor: Actor,
    work_order_id: UUID,
    action: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    device_time: datetime | None = None,
    now: datetime,
) -> None:
    await record_events(
        tx,
        actor=actor,
        events=[Event(work_order_id, action, now, before, after, reason, device_time)],
    )
