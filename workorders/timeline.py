"""The timeline: append-only events, inserted and never updated. A hot path (every write and
every pushed note adds one), so the rows go in as raw multi-row inserts."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec

from kernel import sql
from kernel.context import Actor
from workorders.tables import WorkOrderEvent

_INSERT = (
    "INSERT INTO workorders_event (id, tenant, work_order, actor, actor_role, action, before, "
    "after, reason, metadata, server_time, device_time)"
)


@dataclass(frozen=True, slots=True)
class Event:
    work_order_id: UUID
    action: str
    now: datetime
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str = ""
    device_time: datetime | None = None


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


async def record_events(*, actor: Actor, events: list[Event]) -> None:
    """Append ``events`` by ``actor`` (with the request's captured metadata), in one statement.
    Later packages hook their outbox writes beside this call, inside the same transaction."""
    metadata = _json(actor.meta.as_dict())
    await sql.insert_rows(
        WorkOrderEvent,
        _INSERT,
        [
            [
                uuid4(),
                actor.tenant_id,
                event.work_order_id,
                actor.user_id,
                actor.role.value,
                event.action,
                _json(event.before or {}),
                _json(event.after or {}),
                event.reason,
                metadata,
                event.now,
                event.device_time,
            ]
            for event in events
        ],
    )


async def record_event(
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
        actor=actor,
        events=[Event(work_order_id, action, now, before, after, reason, device_time)],
    )
