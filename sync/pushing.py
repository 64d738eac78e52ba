"""Push: apply a batch of offline changes in one transaction (all or nothing).

Per row: stored == new is a no-op (replays are safe); otherwise a three-way merge whose result
goes through the same services (and so the same state machine, role rules and transition lock)
as the HTTP API. A row whose result differs from what the client sent comes back as a conflict:
the client adopts the server's document. Bad input (a malformed document, another tenant's or an
out-of-scope document, a read-only collection) fails the whole batch with a 4xx naming the row.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from kernel.clock import utcnow
from kernel.context import Actor
from kernel.db import Database
from kernel.errors import AlreadyExists, DomainError, Forbidden, NotFound
from mobile_contract import work_orders as wo_contract
from mobile_contract.enums import Role, WorkOrderStatus
from mobile_contract.errors import ErrorCode
from mobile_contract.sync import (
    ChecklistItemDocument,
    NoteDocument,
    PushRow,
    WorkOrderDocument,
)
from sync import changelog
from sync.collections import CHECKLIST_ITEMS, NOTES, WORK_ORDERS, Document
from sync.merge import Merge, Override, status_path, three_way
from sync.pull import collection_named
from sync.tables import SyncConflict, SyncScopeExit
from workorders import items, queries, services, state_machine
from workorders.state_machine import Requirement
from workorders.tables import Note

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
CHECKLIST_FIELDS = ("label", "position", "required", "done", "value")
_TOMBSTONE = "_deleted"


@dataclass(slots=True)
class Batch:
    """What the rows of one push share: looked-up scopes, the stored notes of the batch, and
    new notes to insert together when every row has been checked."""

    scopes: dict[UUID, dict[str, Any] | None] = field(default_factory=dict)
    stored_notes: dict[UUID, Document] = field(default_factory=dict)
    new_notes: dict[UUID, list[tuple[int, wo_contract.NoteCreate]]] = field(default_factory=dict)


@dataclass(slots=True)
class Row:
    index: int
    actor: Actor
    db: Database
    now: datetime
    assumed: dict[str, Any] | None
    new: dict[str, Any]
    batch: Batch


def _builtins(document: Any) -> dict[str, Any]:
    """A document as JSON builtins (UUIDs and times as strings), for comparisons."""
    result: dict[str, Any] = msgspec.to_builtins(document)
    return result


def _comparable(document: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    builtins = _builtins(document)
    return {name: builtins.get(name) for name in fields}


def _decode(data: dict[str, Any], kind: type[Any], part: str = "newDocumentState") -> Any:
    try:
        return msgspec.convert(data, kind, strict=False)
    except msgspec.ValidationError as error:
        message = str(error)
        field = message.rsplit("`$.", 1)[1].rstrip("`") if "`$." in message else ""
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            f"{part} is not a valid {kind.__name__}: {message}",
            {"field": field, "part": part},
        ) from None


def _base(row: Row, kind: type[Any], fields: tuple[str, ...]) -> dict[str, Any] | None:
    if row.assumed is None:
        return None
    return _comparable(_decode(row.assumed, kind, "assumedMasterState"), fields)


async def _out_of_scope(row: Row, collection: str, document_id: UUID) -> Document:
    """A document the caller cannot write: if it left their device (reassigned away), the
    answer is a tombstone they adopt; if it was never theirs, a 404 like any unknown id."""
    if await SyncScopeExit.exists().where(
        (SyncScopeExit.tenant == row.actor.tenant_id)
        & (SyncScopeExit.collection == collection)
        & (SyncScopeExit.document_id == document_id)
        & (SyncScopeExit.user == row.actor.user_id)
    ):
        return {"id": document_id, _TOMBSTONE: True}
    raise NotFound(collection.rstrip("s").replace("_", " "), document_id)


async def _in_sync_scope(
    actor: Actor, work_order_id: UUID, batch: Batch | None = None
) -> dict[str, Any] | None:
    """The work order's row when the caller may sync it (engineers: assigned to them)."""
    if batch is not None:
        if work_order_id not in batch.scopes:
            batch.scopes[work_order_id] = await _in_sync_scope(actor, work_order_id)
        return batch.scopes[work_order_id]
    try:
        row = await queries.load_row(actor, work_order_id)
    except NotFound:
        return None
    if actor.role is Role.ENGINEER and row["assignee_id"] != actor.user_id:
        return None
    return row


def _json_text(value: Any) -> str:
    """Piccolo stores a str given to a JSON column as-is: always hand it JSON text."""
    return msgspec.json.encode(value).decode()


async def _record_overrides(row: Row, collection: str, document_id: UUID, merge: Merge) -> None:
    if merge.overrides:
        await SyncConflict.insert(
            *(
                SyncConflict(
                    tenant=row.actor.tenant_id,
                    collection=collection,
                    document_id=document_id,
                    actor=row.actor.user_id,
                    actor_role=row.actor.role.value,
                    field=override.field,
                    client_value=_json_text(override.client),
                    server_value=_json_text(override.server),
                    reason=override.reason,
                    created_at=row.now,
                )
                for override in merge.overrides
            )
        )


async def _push_work_order(row: Row) -> Document | None:
    document: WorkOrderDocument = _decode(row.new, WorkOrderDocument)
    actor = row.actor
    stored_row = await _in_sync_scope(actor, document.id)
    if stored_row is None:
        return await _out_of_scope(row, changelog.WORK_ORDERS, document.id)
    stored = (await WORK_ORDERS.load(actor.tenant_id, [document.id]))[document.id]
    server = _comparable(stored, COMPARED_WORK_ORDER_FIELDS)
    client = _comparable(document, COMPARED_WORK_ORDER_FIELDS)
    if client == server and not document.deleted:
        return None
    if document.deleted:
        merge = Merge(
            overrides=[
                Override(_TOMBSTONE, True, False, "work orders are cancelled, never deleted")
            ]
        )
        await _record_overrides(row, changelog.WORK_ORDERS, document.id, merge)
        return stored
    base = _base(row, WorkOrderDocument, COMPARED_WORK_ORDER_FIELDS)
    merge = three_way(base, server, client, WORK_ORDER_FIELDS)
    status = WorkOrderStatus(stored_row["status"])
    mine = queries.is_assignee(actor, stored_row)
    editable = state_machine.editable_fields(status, role=actor.role, is_assignee=mine)
    for name in sorted(merge.from_client):
        if name == "assignee_id" and actor.dispatches:
            continue
        if name not in editable:
            merge.refuse(name, server[name], f"a {actor.role} may not change {name} while {status}")
    edits = {name: merge.values[name] for name in merge.from_client if name != "assignee_id"}
    if edits:
        update = msgspec.convert(edits, wo_contract.WorkOrderUpdate, strict=False)
        await services.apply_update(db=row.db, actor=actor, work_order_id=document.id, data=update)
    if "assignee_id" in merge.from_client:
        await services.apply_transition(
            db=row.db,
            actor=actor,
            work_order_id=document.id,
            request=wo_contract.TransitionRequest(
                target=WorkOrderStatus.ASSIGNED,
                assignee_id=UUID(merge.values["assignee_id"]),
                occurred_at=document.occurred_at,
            ),
        )
        status = WorkOrderStatus.ASSIGNED
    await _push_status(row, document, base, server, status, merge)
    await _record_overrides(row, changelog.WORK_ORDERS, document.id, merge)
    final = (await WORK_ORDERS.load(actor.tenant_id, [document.id]))[document.id]
    return None if _comparable(final, COMPARED_WORK_ORDER_FIELDS) == client else final


async def _push_status(
    row: Row,
    document: WorkOrderDocument,
    base: dict[str, Any] | None,
    server: dict[str, Any],
    current: WorkOrderStatus,
    merge: Merge,
) -> None:
    """Move along the shortest legal chain to the client's status, or record why not."""
    wanted = document.status
    if base is None or wanted.value == base["status"] or wanted == current:
        if base is None and wanted.value != server["status"]:
            merge.overrides.append(
                Override("status", wanted, server["status"], "the client never saw this state")
            )
        return
    actor = row.actor
    row_now = await queries.load_row_in_tenant(actor.tenant_id, document.id)
    available = frozenset({Requirement.HOLD_REASON}) if document.hold_reason else frozenset()
    path = status_path(
        current,
        wanted,
        role=actor.role,
        is_assignee=queries.is_assignee(actor, row_now),
        available=available,
    )
    if path is None:
        merge.overrides.append(
            Override(
                "status",
                wanted,
                current,
                f"a {actor.role} cannot move this work order from {current} to {wanted}",
            )
        )
        return
    for step in path:
        await services.apply_transition(
            db=row.db,
            actor=actor,
            work_order_id=document.id,
            request=wo_contract.TransitionRequest(
                target=step.target,
                hold_reason=document.hold_reason
                if Requirement.HOLD_REASON in step.requires
                else None,
                occurred_at=document.occurred_at,
            ),
        )


async def _push_note(row: Row) -> Document | None:
    """Notes are append-only. New ones are checked here and inserted together at the end of
    the batch (``_insert_new_notes``)."""
    document: NoteDocument = _decode(row.new, NoteDocument)
    actor, batch = row.actor, row.batch
    stored = batch.stored_notes.get(document.id)
    if stored is not None:
        if await _in_sync_scope(actor, stored["work_order_id"], batch) is None:
            return await _out_of_scope(row, changelog.NOTES, document.id)
        if document.body == stored["body"] and not document.deleted:
            return None
        merge = Merge(
            overrides=[Override("body", document.body, stored["body"], "notes are append-only")]
        )
        await _record_overrides(row, changelog.NOTES, document.id, merge)
        return stored
    if document.deleted:
        return None  # made and deleted offline: nothing ever reached the server
    if document.work_order_id is None or not document.body.strip():
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "A new note needs work_order_id and a body.",
            {"field": "work_order_id" if document.work_order_id is None else "body"},
        )
    if await _in_sync_scope(actor, document.work_order_id, batch) is None:
        await _out_of_scope(row, changelog.WORK_ORDERS, document.work_order_id)
        return {"id": document.id, _TOMBSTONE: True}
    pending = batch.new_notes.setdefault(document.work_order_id, [])
    if all(note.id != document.id for _, note in pending):  # the same note twice: once
        pending.append(
            (
                row.index,
                wo_contract.NoteCreate(
                    id=document.id, body=document.body, occurred_at=document.device_time
                ),
            )
        )
    return None


async def _insert_new_notes(actor: Actor, batch: Batch) -> None:
    ids = [note.id for pending in batch.new_notes.values() for _, note in pending]
    if not ids:
        return
    taken = {row["id"] for row in await Note.select(Note.id).where(Note.id.is_in(ids))}
    for pending in batch.new_notes.values():
        for index, note in pending:
            if note.id in taken:  # a client-made id already used (elsewhere: 409, as the API)
                raise _for_row(AlreadyExists("note", "id", note.id), index, str(note.id))
    for work_order_id, pending in batch.new_notes.items():
        work_order = batch.scopes[work_order_id]
        assert work_order is not None
        await items.add_new_notes(
            actor=actor, work_order=work_order, notes=[note for _, note in pending]
        )


async def _push_checklist_item(row: Row) -> Document | None:
    document: ChecklistItemDocument = _decode(row.new, ChecklistItemDocument)
    actor = row.actor
    stored = (await CHECKLIST_ITEMS.load(actor.tenant_id, [document.id])).get(document.id)
    work_order_id = stored["work_order_id"] if stored else document.work_order_id
    if work_order_id is None:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "A new checklist item needs work_order_id.",
            {"field": "work_order_id"},
        )
    work_order = await _in_sync_scope(actor, work_order_id)
    if work_order is None:
        return await _out_of_scope(row, changelog.CHECKLIST_ITEMS, document.id)
    allowed = state_machine.may_edit_checklist(
        WorkOrderStatus(work_order["status"]),
        role=actor.role,
        is_assignee=queries.is_assignee(actor, work_order),
    )
    client = _comparable(document, CHECKLIST_FIELDS)
    if stored is None:
        if document.deleted:
            return None
        if not allowed:
            return {"id": document.id, _TOMBSTONE: True}
        await items.add_checklist_item(
            db=row.db,
            actor=actor,
            work_order_id=work_order_id,
            data=wo_contract.ChecklistItemCreate(
                id=document.id,
                label=document.label,
                position=document.position,
                required=document.required,
                done=document.done,
                value=document.value,
                occurred_at=document.occurred_at,
            ),
        )
        return None
    server = _comparable(stored, CHECKLIST_FIELDS)
    if client == server and not document.deleted:
        return None
    merge = three_way(
        _base(row, ChecklistItemDocument, CHECKLIST_FIELDS), server, client, CHECKLIST_FIELDS
    )
    if not allowed:
        for name in sorted(merge.from_client):
            merge.refuse(
                name, server[name], f"the checklist is locked while {work_order['status']}"
            )
    if merge.from_client:
        await items.update_checklist_item(
            db=row.db,
            actor=actor,
            work_order_id=work_order_id,
            item_id=document.id,
            data=wo_contract.ChecklistItemUpdate(
                **{name: merge.values[name] for name in merge.from_client},
                occurred_at=document.occurred_at,
            ),
        )
    await _record_overrides(row, changelog.CHECKLIST_ITEMS, document.id, merge)
    final = (await CHECKLIST_ITEMS.load(actor.tenant_id, [document.id]))[document.id]
    return (
        None if _comparable(final, CHECKLIST_FIELDS) == client and not document.deleted else final
    )


_HANDLERS: dict[str, Callable[[Row], Awaitable[Document | None]]] = {
    changelog.WORK_ORDERS: _push_work_order,
    changelog.NOTES: _push_note,
    changelog.CHECKLIST_ITEMS: _push_checklist_item,
}


def _is_uuid(value: Any) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def _for_row(error: DomainError, index: int, document_id: str) -> DomainError:
    """The error, naming the row of the batch it came from."""
    return DomainError(
        error.code,
        f"Document {index} ({document_id or 'no id'}): {error.message}",
        {**error.details, "index": index, "document_id": document_id},
    )


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
                actor.tenant_id, [UUID(str(i)) for i in ids if _is_uuid(i)]
            )
        for index, pushed in enumerate(rows):
            row = Row(index, actor, db, now, pushed.assumed, pushed.new, batch)
            try:
                conflict = await handler(row)
            except DomainError as error:
                raise _for_row(error, index, str(pushed.new.get("id", ""))) from error
            if conflict is not None:
                conflicts.append(conflict)
        await _insert_new_notes(actor, batch)
    return conflicts
