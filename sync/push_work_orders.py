"""A pushed work order: merged, planned and applied through the work-order services (the same
state machine, role rules and transition lock as the HTTP API), on the row this push holds.

Everything the rules refuse is checked before anything is written (the state machine's paths,
the assignee, references, the closure checkpoint), so a refusal is a conflict record, never a
failed batch.
"""

from typing import Any

from kernel.changes import Synced
from kernel.errors import DomainError
from mobile_contract import work_orders as wo_contract
from mobile_contract.enums import WorkOrderStatus
from mobile_contract.errors import ErrorCode
from mobile_contract.sync import WorkOrderDocument
from sync.collections import WORK_ORDERS, Document
from sync.merge import (
    Merge,
    Override,
    Plan,
    Pushed,
    Step,
    Target,
    plan_status,
    schedule_edits,
    targets,
    three_way,
    unapplied,
    who,
)
from sync.push_rows import (
    REASSIGNED,
    Row,
    answer,
    check_limits,
    comparable,
    decode,
    in_sync_scope,
    out_of_scope,
    record_overrides,
)
from workorders import queries, services, state_machine, transitions
from workorders.sql import WORK_ORDER_FIELDS, WorkOrderRow

# Merged per field: what an edit may change, plus assignee_id (moved by (re)assigning), in the
# stored row's order; status moves through the state machine.
FIELDS = tuple(
    name for name in WORK_ORDER_FIELDS if name in services.UPDATABLE or name == "assignee_id"
)
COMPARED = (*FIELDS, "status", "hold_reason")
_REFERENCES = ("site_id", "asset_id", "customer_id", "team_id")
_UNAPPLIED = {"hold_reason": "the hold reason is given when putting the work on hold"}


async def push_work_order(row: Row) -> Document | None:
    document: WorkOrderDocument = decode(row.new, WorkOrderDocument)
    actor = row.actor
    client = comparable(document, COMPARED)
    stored = await in_sync_scope(row.tx, actor, document.id)
    if stored is None:
        return await _left_the_device(row, document, client)
    server = comparable(stored, COMPARED)
    changed = {n: client[n] for n in FIELDS if client[n] != server[n] and n != "assignee_id"}
    check_limits(changed, wo_contract.WorkOrderUpdate)
    # Deleting is refused and recorded; what else the document changed merges as usual.
    overrides = [_deleted("work orders are cancelled, never deleted")] if document.deleted else []
    base, seen = _seen(row)
    moves = targets(_pushed(document), seen, stored.status_history)
    if client == server and not moves:
        await record_overrides(row, Synced.WORK_ORDERS, document.id, overrides)
        return answer(WORK_ORDERS, WORK_ORDERS.as_document(stored), row.new)
    row.tx.will_write()
    merge = three_way(base, server, client, FIELDS)
    plan = await _plan(row, document, stored, base, merge, moves)
    mine = queries.is_assignee(actor, stored)
    edits = await _schedule(row, plan, merge, server, is_assignee=mine)
    final = await _apply(row, stored, plan, edits)
    overrides += [*merge.overrides, *plan.overrides]
    after = comparable(final, COMPARED)
    missed = {o.field for o in overrides}
    # A hold reason changed without a status change: it is given by holding, not on its own.
    checked = (*FIELDS, "hold_reason") if _same_status(base, client) else FIELDS
    for lost in unapplied(base, server, client, checked, ""):
        if lost.field not in missed and lost.client != after[lost.field]:
            reason = _UNAPPLIED.get(lost.field, "the server could not apply this change")
            overrides.append(Override(lost.field, lost.client, after[lost.field], reason))
    await record_overrides(row, Synced.WORK_ORDERS, document.id, overrides)
    return answer(WORK_ORDERS, WORK_ORDERS.as_document(final), row.new)


def _same_status(base: dict[str, Any] | None, client: dict[str, Any]) -> bool:
    return base is not None and base["status"] == client["status"]


def _deleted(reason: str) -> Override:
    return Override("_deleted", True, False, reason)


def _pushed(document: WorkOrderDocument) -> Pushed:
    return Pushed(
        document.status, document.status_history, document.occurred_at, document.hold_reason
    )


def _seen(row: Row) -> tuple[dict[str, Any] | None, Pushed | None]:
    """What the device last saw (``assumedMasterState``), decoded once: its fields to merge
    against and its status part (both None when it never saw the server's copy)."""
    if row.assumed is None:
        return None, None
    seen: WorkOrderDocument = decode(row.assumed, WorkOrderDocument, "assumedMasterState")
    return comparable(seen, COMPARED), Pushed(seen.status, seen.status_history)


async def _left_the_device(
    row: Row, document: WorkOrderDocument, client: dict[str, Any]
) -> Document:
    """Changes to a work order reassigned away (or never the caller's: 404): recorded."""
    lost: list[Override] = []
    try:
        stored: WorkOrderRow | None = await queries.load_row_in_tenant(
            row.actor.tenant_id, document.id, reader=row.tx
        )
    except DomainError:
        stored = None
    if stored is not None:
        server = comparable(stored, COMPARED)
        base, seen = _seen(row)
        lost = unapplied(base, server, client, FIELDS, REASSIGNED)
        moves = targets(_pushed(document), seen, stored.status_history)
        for move in moves:  # each step the device made
            lost.append(Override("status", move.status, server["status"], REASSIGNED))
        if _same_status(base, client):  # a hold reason changed on its own
            lost += unapplied(base, server, client, ("hold_reason",), REASSIGNED)
        if document.deleted:
            lost.append(_deleted(REASSIGNED))
    return await out_of_scope(row, Synced.WORK_ORDERS, document.id, document.id, lost)


async def _plan(
    row: Row,
    document: WorkOrderDocument,
    stored: WorkOrderRow,
    base: dict[str, Any] | None,
    merge: Merge,
    moves: list[Target],
) -> Plan:
    """The transitions to make: a dispatcher's reassignment first, then the device's status
    steps in its order, then its final status; cut where the work-order rules stop the chain
    for want of evidence (resolving before the closure checkpoint is met)."""
    actor, status = row.actor, stored.status
    first = None
    if "assignee_id" in merge.from_client and actor.dispatches:
        first = await _reassignment(row, document, status, merge)
    if base is None and document.status != stored.status:
        reason = "the client never saw this state"
        merge.overrides.append(Override("status", document.status, status, reason))
    plan = plan_status(
        status,
        moves,
        role=actor.role,
        is_assignee=queries.is_assignee(actor, stored),
        first=first,
    )
    if not plan.steps:
        return plan
    outcome = await transitions.apply_transitions(
        row.tx,
        actor=actor,
        row=stored,
        requests=[_request(step) for step in plan.steps],
        as_far_as_allowed=True,
        check_only=True,
    )
    refusal = outcome.stopped_by
    if refusal is not None:
        if refusal.code is not ErrorCode.EVIDENCE_MISSING:
            raise refusal
        # As far as allowed, and say what is missing.
        missing = refusal.details.get("missing", [])
        listed = "; ".join(f"{m['label']} ({m['state']})" for m in missing)
        reason = f"resolving needs the required evidence: {listed}"
        target = plan.steps[outcome.applied].transition.target
        plan.overrides.append(Override("status", target, plan.states[outcome.applied], reason))
        plan.cut(outcome.applied)
    return plan


def _request(step: Step) -> wo_contract.TransitionRequest:
    return wo_contract.TransitionRequest(
        target=step.transition.target,
        assignee_id=step.assignee_id,
        hold_reason=step.hold_reason,
        occurred_at=step.at,
    )


async def _reassignment(
    row: Row, document: WorkOrderDocument, status: WorkOrderStatus, merge: Merge
) -> Step | None:
    """A dispatcher's offline (re)assignment as a step, or an override saying why not."""
    actor, server_value = row.actor, merge.values["assignee_id"]
    wanted = document.assignee_id
    try:
        if wanted is None:
            raise DomainError(
                ErrorCode.ILLEGAL_TRANSITION,
                "a work order is never unassigned: reassign it or cancel it",
            )
        transition = state_machine.find_transition(
            status, WorkOrderStatus.ASSIGNED, role=actor.role, is_assignee=False
        )
        await transitions.check_assignee(row.tx, actor, wanted)
    except DomainError as refusal:
        reason = refusal.message.rstrip(".")
        merge.refuse("assignee_id", server_value, reason[0].lower() + reason[1:])
        return None
    merge.from_client.discard("assignee_id")  # moved by the step, not edited
    return Step(transition, document.occurred_at, assignee_id=wanted)


async def _schedule(
    row: Row, plan: Plan, merge: Merge, server: dict[str, Any], *, is_assignee: bool
) -> dict[int, dict[str, Any]]:
    """Each field edit at the first state along the plan where the caller may make it;
    edits no state allows and references that name nothing usable are refused."""
    actor = row.actor
    at, refused = schedule_edits(
        merge.from_client, plan.states, role=actor.role, is_assignee=is_assignee
    )
    states = plan.states
    for name in refused:
        where = f"while {states[0]}" if len(states) == 1 else f"from {states[0]} to {states[-1]}"
        merge.refuse(name, server[name], f"{who(actor.role)} may not change {name} {where}")
    edits: dict[int, dict[str, Any]] = {}
    for index, names in at.items():
        for name in names:
            if name in _REFERENCES and not await _usable(row, {name: merge.values[name]}):
                merge.refuse(name, server[name], f"{name} names nothing this work order can use")
                continue
            edits.setdefault(index, {})[name] = merge.values[name]
        pair = {name: edits.get(index, {}).get(name) for name in ("site_id", "asset_id")}
        if None not in pair.values() and not await _usable(row, pair):  # moved meanwhile
            del edits[index]["asset_id"]
            merge.refuse("asset_id", server["asset_id"], "the asset is not at that site")
    return edits


async def _usable(row: Row, values: dict[str, Any]) -> bool:
    """Whether the references in ``values`` name what the caller may use (and an asset at
    the site, when both are given), as the edit will check them."""
    typed = check_limits(values, wo_contract.WorkOrderUpdate)
    try:
        await services.check_references(
            row.tx, row.actor, {name: getattr(typed, name) for name in values}
        )
    except DomainError:
        return False
    return True


async def _apply(
    row: Row, current: WorkOrderRow, plan: Plan, edits: dict[int, dict[str, Any]]
) -> WorkOrderRow:
    """Edits and transitions in plan order, as few writes as the order allows; answers the
    row after them."""
    pending: list[wo_contract.TransitionRequest] = []

    async def flush(current: WorkOrderRow) -> WorkOrderRow:
        if not pending:
            return current
        requests = list(pending)
        pending.clear()
        outcome = await transitions.apply_transitions(
            row.tx, actor=row.actor, row=current, requests=requests
        )
        return outcome.row

    for index in range(len(plan.states)):
        if index:
            pending.append(_request(plan.steps[index - 1]))
        if index in edits:
            current = await flush(current)
            update = check_limits(edits[index], wo_contract.WorkOrderUpdate)
            current = await services.apply_update(row.tx, actor=row.actor, row=current, data=update)
    return await flush(current)
