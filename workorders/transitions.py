"""Transitions: the state machine applied to the stored work order, with the role rules and
the requirements of each step (assignee, hold reason, reason)."""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from accounts.tables import User
from kernel.clock import as_utc, utcnow
from kernel.context import Actor
from kernel.db import Database
from kernel.errors import DomainError, InvalidReference
from media import requirements
from mobile_contract import work_orders as contract
from mobile_contract.enums import Role, WorkOrderStatus
from mobile_contract.errors import ErrorCode
from mobile_contract.sync import StatusStep
from workorders import notifications, queries, state_machine
from workorders.state_machine import Action, Requirement
from workorders.timeline import Event, record_events
from workorders.writes import check_version, log_change, write

_TICK = timedelta(microseconds=1)
HISTORY_KEPT = 20  # status steps a device gets on the work order; the timeline keeps them all


def with_step(
    history: list[dict[str, Any]], status: WorkOrderStatus, at: datetime, hold_reason: Any = None
) -> list[dict[str, Any]]:
    """``history`` (the stored ``status_history``) with one more step, the oldest dropped
    beyond ``HISTORY_KEPT``."""
    step = StatusStep(status=status, at=as_utc(at), hold_reason=hold_reason)
    return [*history, msgspec.to_builtins(step)][-HISTORY_KEPT:]


async def check_assignee(actor: Actor, assignee_id: UUID | None) -> UUID:
    """``assignee_id`` when it names an active engineer of the caller's tenant; otherwise the
    refusal (sync turns it into a conflict before writing anything)."""
    if assignee_id is None:
        raise _missing(Requirement.ASSIGNEE, "Name the engineer to assign (assignee_id).")
    engineer = await (
        User.select(User.role, User.is_active)
        .where((User.tenant == actor.tenant_id) & (User.id == assignee_id))
        .first()
    )
    if engineer is None:
        raise InvalidReference("assignee_id", assignee_id)
    if engineer["role"] != Role.ENGINEER.value or not engineer["is_active"]:
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
    async with db.transaction():
        await apply_transitions(db=db, actor=actor, work_order_id=work_order_id, requests=[request])
        return await queries.detail(actor, await queries.load_row(actor, work_order_id))


async def apply_transitions(
    *,
    db: Database,
    actor: Actor,
    work_order_id: UUID,
    requests: list[contract.TransitionRequest],
    row: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Transitions without the detail view, one after the other in one write (an offline
    device's status change may need a chain of them): each is checked by the state machine
    against the state the one before left, and each gets its own timeline entry. ``row`` is
    the caller's copy from this transaction, if it holds one. Answers the row after them (the
    caller may no longer see it: a dispatcher's reassignment is still in their scope, and an
    engineer never moves a work order out of their own)."""
    async with db.transaction():
        if row is None:
            row = await queries.load_row(actor, work_order_id)
        state, changes = dict(row), dict[str, Any]()
        events: list[Event] = []
        now = utcnow()
        for request in requests:
            step_changes, event = await _plan_transition(actor, state, request, now)
            step_changes["status_history"] = with_step(
                state["status_history"],
                WorkOrderStatus(step_changes["status"]),
                request.occurred_at or now,
                step_changes.get("hold_reason"),
            )
            state.update(step_changes)
            changes.update(step_changes)
            events.append(event)
            now = max(utcnow(), now + _TICK)  # the timeline keeps the steps' order
        after_row = await write(actor, row, changes, events[-1].now)
        await record_events(actor=actor, events=events)
        await log_change(
            actor=actor, row=after_row, now=events[-1].now, previous_assignee=row["assignee_id"]
        )
        if after_row["assignee_id"] not in (None, row["assignee_id"]):
            await notifications.assigned(actor=actor, row=after_row, now=events[-1].now)
        if row["status"] == WorkOrderStatus.ASSIGNED and row["assignee_id"] == actor.user_id:
            await notifications.responded(actor=actor, work_order_id=row["id"], now=now)
        await notifications.moved_on(actor=actor, before=row, after=after_row, now=now)
        return after_row


async def _plan_transition(
    actor: Actor, row: dict[str, Any], request: contract.TransitionRequest, now: datetime
) -> tuple[dict[str, Any], Event]:
    """What one transition changes on ``row``, and its timeline entry; raises when the state
    machine, the caller's role or a missing requirement forbids it."""
    check_version(row, request.expected_version)
    current = WorkOrderStatus(row["status"])
    step = state_machine.find_transition(
        current,
        request.target,
        role=actor.role,
        is_assignee=queries.is_assignee(actor, row),
    )
    changes: dict[str, Any] = {"status": step.target.value}
    before: dict[str, Any] = {"status": current}
    after: dict[str, Any] = {"status": step.target}
    if Requirement.ASSIGNEE in step.requires:
        assignee = await check_assignee(actor, request.assignee_id)
        if step.action is Action.REASSIGN and assignee == row["assignee_id"]:
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
        before["assignee_id"], after["assignee_id"] = row["assignee_id"], assignee
    if Requirement.HOLD_REASON in step.requires:
        if request.hold_reason is None:
            raise _missing(
                Requirement.HOLD_REASON,
                "Say why the work is on hold: parts, customer or access.",
            )
        changes["hold_reason"] = request.hold_reason.value
        after["hold_reason"] = request.hold_reason
    elif row["hold_reason"] is not None:
        changes["hold_reason"] = None
    if Requirement.REASON in step.requires and not request.reason.strip():
        raise _missing(Requirement.REASON, f"Give a reason to {step.action.value}.")
    if step.action is Action.RESOLVE:
        # The closure checkpoint: every required piece of evidence verified first.
        await requirements.check_resolvable(tenant_id=actor.tenant_id, row=row)
        changes["resolved_at"] = now
    elif step.action is Action.REOPEN:
        changes["resolved_at"] = None
    elif step.action in (Action.CLOSE, Action.CANCEL):
        changes["closed_at"] = now
    event = Event(
        row["id"],
        f"transition:{step.action.value}",
        now,
        before=before,
        after=after,
        reason=request.reason,
        device_time=request.occurred_at,
    )
    return changes, event
