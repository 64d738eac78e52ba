"""Push: apply a batch of offline changes in one transaction (all or nothing).

Per row: stored == new is a no-op (replays are safe); otherwise a three-way merge whose result
goes through the same services (and so the same state machine, role rules and transition lock)
as the HTTP API. A row whose result differs from what the client sent comes back as a conflict:
the client adopts the server's document. Bad input (a malformed document, another tenant's or an
out-of-scope document, a read-only collection) fails the whole batch with a 4xx naming the row.
"""

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import msgspec

from kernel.clock import utcnow
from kernel.context import Actor
from kernel.db import Database
from kernel.errors import DomainError, Forbidden
from media import requirements
from mobile_contract import work_orders as wo_contract
from mobile_contract.enums import WorkOrderStatus
from mobile_contract.errors import ErrorCode
from mobile_contract.sync import (
    PushRow,
    WorkOrderDocument,
)
from sync import changelog, push_items
from sync.collections import NOTES, WORK_ORDERS, Document
from sync.merge import Merge, Override, status_path, three_way
from sync.pull import collection_named
from sync.push_rows import (
    TOMBSTONE,
    Batch,
    Row,
    base_of,
    comparable,
    decode,
    for_row,
    in_sync_scope,
    is_uuid,
    out_of_scope,
    record_overrides,
)
from workorders import queries, services, state_machine, transitions
from workorders.state_machine import Requirement

MAX_BATCH = 500
WORK_ORDER_FIELDS = (
    "title",
    "description",
    "type",
    "priority",
    "site_id",
    "asset_id",
    "customer_id",
    "team_id",
    "assignee_id",
    "environment",
    "tags",
)
COMPARED_WORK_ORDER_FIELDS = (*WORK_ORDER_FIELDS, "status", "hold_reason")


async def _push_work_order(row: Row) -> Document | None:
    """One work order: its fields merged and edited, then its status moved, each through the
    work-order services on the row this push holds (read once, passed along)."""
    document: WorkOrderDocument = decode(row.new, WorkOrderDocument)
    actor = row.actor
    stored_row = await in_sync_scope(actor, document.id)
    if stored_row is None:
        return await out_of_scope(row, changelog.WORK_ORDERS, document.id)
    stored = WORK_ORDERS.document(stored_row)
    server = comparable(stored, COMPARED_WORK_ORDER_FIELDS)
    client = comparable(document, COMPARED_WORK_ORDER_FIELDS)
    if client == server and not document.deleted:
        return None
    if document.deleted:
        merge = Merge(
            overrides=[Override(TOMBSTONE, True, False, "work orders are cancelled, never deleted")]
        )
        await record_overrides(row, changelog.WORK_ORDERS, document.id, merge)
        return stored
    base = base_of(row, WorkOrderDocument, COMPARED_WORK_ORDER_FIELDS)
    merge = three_way(base, server, client, WORK_ORDER_FIELDS)
    status = WorkOrderStatus(stored_row["status"])
    mine = queries.is_assignee(actor, stored_row)
    editable = state_machine.editable_fields(status, role=actor.role, is_assignee=mine)
    for name in sorted(merge.from_client):
        if name == "assignee_id" and actor.dispatches:
            continue
        if name not in editable:
            merge.refuse(name, server[name], f"a {actor.role} may not change {name} while {status}")
    current = stored_row
    edits = {name: merge.values[name] for name in merge.from_client if name != "assignee_id"}
    if edits:
        update = msgspec.convert(edits, wo_contract.WorkOrderUpdate, strict=False)
        current = await services.apply_update(
            db=row.db, actor=actor, work_order_id=document.id, data=update, row=current
        )
    if "assignee_id" in merge.from_client:
        assign = wo_contract.TransitionRequest(
            target=WorkOrderStatus.ASSIGNED,
            assignee_id=UUID(merge.values["assignee_id"]),
            occurred_at=document.occurred_at,
        )
        current = await transitions.apply_transitions(
            db=row.db, actor=actor, work_order_id=document.id, requests=[assign], row=current
        )
    current = await _push_status(row, document, base, server, current, merge)
    await record_overrides(row, changelog.WORK_ORDERS, document.id, merge)
    final = WORK_ORDERS.document(current)
    return None if comparable(final, COMPARED_WORK_ORDER_FIELDS) == client else final


async def _push_status(
    row: Row,
    document: WorkOrderDocument,
    base: dict[str, Any] | None,
    server: dict[str, Any],
    current: dict[str, Any],
    merge: Merge,
) -> dict[str, Any]:
    """Move along the shortest legal chain to the client's status (one write), or record why
    not. Answers the work order's row after it."""
    wanted, status = document.status, WorkOrderStatus(current["status"])
    if base is None or wanted.value == base["status"] or wanted == status:
        if base is None and wanted.value != server["status"]:
            merge.overrides.append(
                Override("status", wanted, server["status"], "the client never saw this state")
            )
        return current
    actor = row.actor
    available = frozenset({Requirement.HOLD_REASON}) if document.hold_reason else frozenset()
    path = status_path(
        status,
        wanted,
        role=actor.role,
        is_assignee=queries.is_assignee(actor, current),
        available=available,
    )
    if path is None:
        merge.overrides.append(
            Override(
                "status",
                wanted,
                status,
                f"a {actor.role} cannot move this work order from {status} to {wanted}",
            )
        )
        return current
    if not path:
        return current
    targets = [step.target for step in path]
    if WorkOrderStatus.RESOLVED in targets:
        unmet = await requirements.unmet_requirements(tenant_id=actor.tenant_id, row=current)
        if unmet:  # the closure checkpoint: as far as allowed, and say what is missing
            stop = targets.index(WorkOrderStatus.RESOLVED)
            listed = "; ".join(f"{s.label} ({s.state})" for s in unmet)
            reached = targets[stop - 1] if stop else status
            reason = f"resolving needs the required evidence: {listed}"
            merge.overrides.append(Override("status", wanted, reached, reason))
            path = path[:stop]
            if not path:
                return current
    steps = [
        wo_contract.TransitionRequest(
            target=step.target,
            hold_reason=document.hold_reason if Requirement.HOLD_REASON in step.requires else None,
            occurred_at=document.occurred_at,
        )
        for step in path
    ]
    return await transitions.apply_transitions(
        db=row.db, actor=actor, work_order_id=document.id, requests=steps, row=current
    )


_HANDLERS: dict[str, Callable[[Row], Awaitable[Document | None]]] = {
    changelog.WORK_ORDERS: _push_work_order,
    changelog.NOTES: push_items.push_note,
    changelog.CHECKLIST_ITEMS: push_items.push_checklist_item,
}


async def push(
    *, db: Database, actor: Actor, collection: str, rows: list[PushRow]
) -> list[Document]:
    """Apply ``rows`` in one transaction; the conflicts (server documents) to adopt."""
    spec = collection_named(collection)
    if not spec.writable:
        raise Forbidden(
            f"The {collection} collection is read-only for devices.", {"collection": collection}
        )
    if len(rows) > MAX_BATCH:
        raise DomainError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"A push carries at most {MAX_BATCH} documents; send the rest in another batch.",
            {"max_documents": MAX_BATCH, "documents": len(rows)},
        )
    handler = _HANDLERS[collection]
    conflicts: list[Document] = []
    now = utcnow()
    batch = Batch()
    async with db.transaction():
        if collection == changelog.NOTES:
            ids = [row.new.get("id") for row in rows]
            batch.stored_notes = await NOTES.load(
                actor.tenant_id, [UUID(str(i)) for i in ids if is_uuid(i)]
            )
        for index, pushed in enumerate(rows):
            row = Row(index, actor, db, now, pushed.assumed, pushed.new, batch)
            try:
                conflict = await handler(row)
            except DomainError as error:
                raise for_row(error, index, str(pushed.new.get("id", ""))) from error
            if conflict is not None:
                conflicts.append(conflict)
        await push_items.insert_new_notes(actor, batch)
    return conflicts
