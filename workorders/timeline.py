"""The timeline: append-only events, inserted and never updated. A hot path (every write and
every pushed note adds one), so the rows go in as one multi-row insert."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from kernel.context import Actor, Author, SystemCaller
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


TERMINAL_ROLE = "terminal"  # the actor_role of entries a terminal's alarms caused
SYSTEM_ROLE = "system"  # the actor_role of entries the server's clocks caused (SLA)


async def record_events(tx: Transaction, *, actor: Author, events: list[Event]) -> None:
    """Append ``events`` by ``actor`` (with the request's captured metadata), in one statement.
    A terminal is no user: its entries have no actor id, role ``terminal``, and its device
    code in the metadata; the server's clocks write role ``system``."""
    if not events:
        return
    metadata = json_text(actor.meta.as_dict())
    if isinstance(actor, Actor):
        user_id, role = actor.user_id, actor.role.value
    elif isinstance(actor, SystemCaller):
        user_id, role = None, SYSTEM_ROLE
    else:
        user_id, role = None, TERMINAL_ROLE
    await tx.execute(
        sql.INSERT_EVENTS,
        rows=[
            (
                uuid4(),
                actor.tenant_id,
                event.work_order_id,
                user_id,
                role,
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
    actor: Author,
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
