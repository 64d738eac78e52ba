"""What the work-order life cycle announces to the packages above it (``kernel.events``):
``push`` tells engineers about assignments, ``media`` guards the closure checkpoint."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from mobile_contract.enums import Priority, WorkOrderStatus, WorkOrderType


@dataclass(frozen=True, slots=True)
class WorkOrderMoved:
    """One write changed the work order's status or assignee (a chain of transitions is one
    event, with the state before the first and after the last)."""

    tenant_id: UUID
    actor_id: UUID
    work_order_id: UUID
    number: str
    title: str
    priority: Priority
    status_before: WorkOrderStatus
    status_after: WorkOrderStatus
    assignee_before: UUID | None
    assignee_after: UUID | None
    now: datetime


@dataclass(frozen=True, slots=True)
class Resolving:
    """A work order is about to be resolved: a reaction that raises a ``DomainError`` refuses
    the transition (the closure checkpoint: required evidence verified first)."""

    tenant_id: UUID
    work_order_id: UUID
    work_order_type: WorkOrderType
