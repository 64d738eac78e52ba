"""What the work-order life cycle announces to the packages above it (``kernel.events``):
``push`` tells engineers about assignments, ``media`` guards the closure checkpoint, ``triage``
decides priority and owner."""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from mobile_contract.enums import Priority, WorkOrderStatus, WorkOrderType
from mobile_contract.iot import AlarmSeverity
from mobile_contract.sla import SlaClock
from mobile_contract.triage import TriageResult

if TYPE_CHECKING:
    from workorders.sql import WorkOrderRow


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
class Citing:
    """A note inserted a knowledge-base article (``version`` None: the published one). The
    knowledge base records the citation, or refuses the note (an article the tenant does not
    have) by raising a ``DomainError``."""

    tenant_id: UUID
    work_order_id: UUID
    note_id: UUID
    article_id: UUID
    version: int | None
    author_id: UUID | None
    channel: str  # "api" or "sync"
    now: datetime


@dataclass(frozen=True, slots=True)
class Resolving:
    """A work order is about to be resolved: a reaction that raises a ``DomainError`` refuses
    the transition (the closure checkpoint: required evidence verified first)."""

    tenant_id: UUID
    work_order_id: UUID
    work_order_type: WorkOrderType


@dataclass(slots=True)
class Triaging:
    """A work order is opening (``opening``) or what the priority rules read of it changed:
    the reaction (``triage``) sets ``result`` to the priority, its reasons and, on opening,
    the owning team. ``work_order`` is the row as it will be written; ``alarm_severity`` that
    of the alarm that opened it, if one did."""

    tenant_id: UUID
    work_order: "WorkOrderRow"
    opening: bool
    now: datetime
    alarm_severity: AlarmSeverity | None = None
    result: TriageResult | None = None


@dataclass(slots=True)
class WorkOrderWritten:
    """The work-order row was written (``before`` None: created), in the writing transaction:
    the SLA clocks follow its status, hold and priority. The reaction sets ``sla`` to the
    clocks' new summary when it stored one, so the writer answers the row as it now is."""

    tenant_id: UUID
    before: "WorkOrderRow | None"
    after: "WorkOrderRow"
    now: datetime
    sla: "list[SlaClock] | None" = None
