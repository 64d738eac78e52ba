"""Transitions: the state machine applied to the stored work order, with the role rules and
the requirements of each step (assignee, hold reason, reason)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from kernel.clock import as_utc, utcnow
from kernel.context import Actor
from kernel.db import Database, Reader, Transaction
from kernel.errors import DomainError, InvalidReference
from mobile_contract import work_orders as contract
from mobile_contract.enums import HoldReason, Role, WorkOrderStatus
from mobile_contract.errors import ErrorCode
from mobile_contract.sync import StatusStep
from workorders import queries, sql, state_machine
from workorders.events import Resolving, WorkOrderMoved
from workorders.sql import WorkOrderRow
from workorders.state_machine import Action, Requirement
from workorders.timeline import Event, record_events
from workorders.writes import check_version, log_change, write

_TICK = timedelta(microseconds=1)
HISTORY_KEPT = 20  # status steps a device gets on the work order; the timeline keeps them all


def with_step(
    history: list[StatusStep],
    status: WorkOrderStatus,
    at: datetime,
    hold_reason: HoldReason | None = None,
) -> list[StatusStep]:
    """``history`` (the stored ``status_history``) with one more step, the oldest dropped
    beyond ``HISTORY_KEPT``."""
    step = StatusStep(status=status, at=as_utc(at), hold_reason=hold_reason)
    return [*history, step][-HISTORY_KEPT:]


async def check_assignee(reader: Reader, actor: Actor, assignee_id: UUID | None) -> UUID:
    """``assignee_id`` when it names an active engineer of the caller's tenant; otherwise the
    refusal (sync turns it into a conflict before writing anything)."""
    if assignee_id is None:
        raise _missing(Requirement.ASSIGNEE, "Name the engineer to assign (assignee_id).")
    engineer = await reader.fetch_one(
        sql.ASSIGNEE, sql.Assignee, tenant=actor.tenant_id, id=assignee_id
    )
    if engineer is None:
        raise InvalidReference("assignee_id", assignee_id)
    if engineer.role != Role.ENGINEER.value or not engineer.is_active:
        raise DomainError(
            ErrorCode.INVALID_REFERENCE,
            f"User {assignee_id} is not an active engineer; only engineers take work orders.",
            {"field": "assignee_id", "id": str(assignee_id)},
        )
    return assignee_id


def _missing(requirement: Requirement, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION_FAILED, message, {"field": requirement.value})


async def transition(
    *, db: Database, actor: Actor, work_order_id: UUID, request: contract.TransitionRequest
) -> contract.WorkOrderDetail:
    async with db.transaction() as tx:
        row = await queries.load_row(actor, work_order_id, reader=tx)
        await apply_transitions(tx, actor=actor, row=row, requests=[request])
        after = await queries.load_row(actor, work_order_id, reader=tx)
        return await queries.detail(actor, after, reader=tx)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How far a chain of transitions got: the row after the ``applied`` first requests, and
    the refusal that stopped the next one (None: all applied)."""

    row: WorkOrderRow
    applied: int
    stopped_by: DomainError | None = None


async def apply_transitions(
    tx: Transaction,
    *,
    actor: Actor,
    row: WorkOrderRow,
    requests: list[contract.TransitionRequest],
    as_far_as_allowed: bool = False,
    check_only: bool = False,
) -> Outcome:
    """Transitions without the detail view, one after the other in one write (an offline
    device's status change may need a chain of them): each is checked by the state machine
    against the state the one before left, and each gets its own timeline entry. A refusal
    raises, or with ``as_far_as_allowed`` ends the chain there (the steps before it are
    applied) and is reported. ``check_only``: nothing is written; the outcome says how far
    the chain would get. The row after may be out of the caller's scope (a dispatcher's
    reassignment is still in their scope, and an engineer never moves a work order out of
    their own)."""
    state = row
    events: list[Event] = []
    now = utcnow()
    stopped_by: DomainError | None = None
    for request in requests:
        try:
            state, event = await _plan_transition(tx, actor, state, request, now)
        except DomainError as refusal:
            if not as_far_as_allowed:
                raise
            stopped_by = refusal
            break
        events.append(event)
        now = max(utcnow(), now + _TICK)  # the timeline keeps the steps' order
    if check_only or not events:
        return Outcome(state, len(events), stopped_by)
    after_row = await write(tx, actor, row, state, events[-1].now)
    await record_events(tx, actor=actor, events=events)
    await log_change(
        tx, actor=actor, row=after_row, now=events[-1].now, previous_assignee=row.assignee_id
    )
    await tx.publish(
        WorkOrderMoved(
            tenant_id=actor.tenant_id,
            actor_id=actor.user_id,
            work_order_id=row.id,
            number=after_row.number,
            title=after_row.title,
            priority=after_row.priority,
            status_before=row.status,
            status_after=after_row.status,
            assignee_before=row.assignee_id,
            assignee_after=after_row.assignee_id,
            now=events[-1].now,
        )
    )
    return Outcome(after_row, len(events), stopped_by)


async def _plan_transition(
    tx: Transaction,
    actor: Actor,
    row: WorkOrderRow,
    request: contract.TransitionRequest,
    now: datetime,
) -> tuple[WorkOrderRow, Event]:
    """``row`` after one transition, and its timeline entry; raises when the state machine,
    the caller's role or a missing requirement forbids it."""
    check_version(row, request.expected_version)
    current = row.status
    step = state_machine.find_transition(
        current,
        request.target,
        role=actor.role,
        is_assignee=queries.is_assignee(actor, row),
    )
    changes: dict[str, Any] = {"status": step.target}
    before: dict[str, Any] = {"status": current}
    after: dict[str, Any] = {"status": step.target}
    if Requirement.ASSIGNEE in step.requires:
        assignee = await check_assignee(tx, actor, request.assignee_id)
        if step.action is Action.REASSIGN and assignee == row.assignee_id:
            raise DomainError(
                ErrorCode.ILLEGAL_TRANSITION,
                "The work order is already assigned to that engineer.",
                {
                    "current": current,
                    "target": request.target,
                    "assignee_id": str(assignee),
                    "allowed": state_machine.allowed_targets(
                        current, role=actor.role, is_assignee=False
                    ),
                },
            )
        changes["assignee_id"] = assignee
        before["assignee_id"], after["assignee_id"] = row.assignee_id, assignee
    if Requirement.HOLD_REASON in step.requires:
        if request.hold_reason is None:
            raise _missing(
                Requirement.HOLD_REASON,
                "Say why the work is on hold: parts, customer or access.",
            )
        changes["hold_reason"] = request.hold_reason
        after["hold_reason"] = request.hold_reason
    elif row.hold_reason is not None:
        changes["hold_reason"] = None
    if Requirement.REASON in step.requires and not request.reason.strip():
        raise _missing(Requirement.REASON, f"Give a reason to {step.action.value}.")
    if step.action is Action.RESOLVE:
        # The closure checkpoint: a reaction (media's) refuses while evidence is missing.
        await tx.publish(
            Resolving(tenant_id=actor.tenant_id, work_order_id=row.id, work_order_type=row.type)
        )
        changes["resolved_at"] = now
    elif step.action is Action.REOPEN:
        changes["resolved_at"] = None
    elif step.action in (Action.CLOSE, Action.CANCEL):
        changes["closed_at"] = now
    changes["status_history"] = with_step(
        row.status_history, step.target, request.occurred_at or now, changes.get("hold_reason")
    )
    event = Event(
        row.id,
        f"transition:{step.action.value}",
        now,
        before=before,
        after=after,
        reason=request.reason,
        device_time=request.occurred_at,
    )
    return msgspec.structs.replace(row, **changes), event
