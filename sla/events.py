"""What the SLA clocks announce to the packages above them (``kernel.events``): ``push``
sends an escalation's pushes and its on-call alert."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from mobile_contract.enums import Priority
from mobile_contract.sla import ClockKind


@dataclass(frozen=True, slots=True)
class Escalated:
    """An escalation stage fired for a work order not accepted (or not on site) in time.
    ``snapshot``: what the push carries so a supervisor can act from the lock screen (number,
    title, site, asset, priority and its reasons, the last five timeline entries)."""

    tenant_id: UUID
    escalation_id: UUID
    work_order_id: UUID
    number: str
    title: str
    priority: Priority
    stage: int
    clock: ClockKind
    recipient_ids: list[UUID]
    on_call: bool
    strong: bool
    critical: bool
    overdue_seconds: float
    now: datetime
    snapshot: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ClockPassed:
    """A clock passed a warning percentage (``kind`` sla_warning, ``percent``) or its
    deadline (sla_breached): the live feed shows it to dispatchers."""

    tenant_id: UUID
    work_order_id: UUID
    kind: str
    clock: ClockKind
    due_at: datetime
    now: datetime
    percent: int | None = None
