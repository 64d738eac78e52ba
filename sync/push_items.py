"""Pushed notes (append-only, inserted per batch) and checklist items (per-field merge)."""

from kernel.context import Actor
from kernel.errors import AlreadyExists, DomainError
from mobile_contract import work_orders as wo_contract
from mobile_contract.enums import WorkOrderStatus
from mobile_contract.errors import ErrorCode
from mobile_contract.sync import ChecklistItemDocument, NoteDocument
from sync import changelog
from sync.collections import CHECKLIST_ITEMS, Document
from sync.merge import Merge, Override, three_way
from sync.push_rows import (
    TOMBSTONE,
    Batch,
    Row,
    base_of,
    comparable,
    decode,
    for_row,
    in_sync_scope,
    out_of_scope,
    record_overrides,
)
from workorders import items, queries, state_machine

CHECKLIST_FIELDS = ("label", "position", "required", "done", "value")


async def push_note(row: Row) -> Document | None:
    """Notes are append-only. New ones are checked here and inserted together at the end of
    the batch (``insert_new_notes``)."""
    document: NoteDocument = decode(row.new, NoteDocument)
    actor, batch = row.actor, row.batch
    stored = batch.stored_notes.get(document.id)
    if stored is not None:
        if await in_sync_scope(actor, stored["work_order_id"], batch) is None:
            return await out_of_scope(row, changelog.NOTES, document.id)
        if document.body == stored["body"] and not document.deleted:
            return None
        merge = Merge(
            overrides=[Override("body", document.body, stored["body"], "notes are append-only")]
        )
        await record_overrides(row, changelog.NOTES, document.id, merge)
        return stored
    if document.deleted:
        return None  # made and deleted offline: nothing ever reached the server
    if document.work_order_id is None or not document.body.strip():
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "A new note needs work_order_id and a body.",
            {"field": "work_order_id" if document.work_order_id is None else "body"},
        )
    if await in_sync_scope(actor, document.work_order_id, batch) is None:
        await out_of_scope(row, changelog.WORK_ORDERS, document.work_order_id)
        return {"id": document.id, TOMBSTONE: True}
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


async def insert_new_notes(actor: Actor, batch: Batch) -> None:
    for work_order_id, pending in batch.new_notes.items():
        work_order = batch.scopes[work_order_id]
        assert work_order is not None
        notes = [note for _, note in pending]
        try:
            await items.add_new_notes(actor=actor, work_order=work_order, notes=notes)
        except AlreadyExists as error:  # a client-made id already used (elsewhere: 409, as the API)
            index, note = next((i, n) for i, n in pending if str(n.id) == error.details["value"])
            raise for_row(error, index, str(note.id)) from error


async def push_checklist_item(row: Row) -> Document | None:
    document: ChecklistItemDocument = decode(row.new, ChecklistItemDocument)
    actor = row.actor
    stored = (await CHECKLIST_ITEMS.load(actor.tenant_id, [document.id])).get(document.id)
    work_order_id = stored["work_order_id"] if stored else document.work_order_id
    if work_order_id is None:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "A new checklist item needs work_order_id.",
            {"field": "work_order_id"},
        )
    work_order = await in_sync_scope(actor, work_order_id)
    if work_order is None:
        return await out_of_scope(row, changelog.CHECKLIST_ITEMS, document.id)
    allowed = state_machine.may_edit_checklist(
        WorkOrderStatus(work_order["status"]),
        role=actor.role,
        is_assignee=queries.is_assignee(actor, work_order),
    )
    client = comparable(document, CHECKLIST_FIELDS)
    if stored is None:
        if document.deleted:
            return None
        if not allowed:
            return {"id": document.id, TOMBSTONE: True}
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
    server = comparable(stored, CHECKLIST_FIELDS)
    if client == server and not document.deleted:
        return None
    merge = three_way(
        base_of(row, ChecklistItemDocument, CHECKLIST_FIELDS), server, client, CHECKLIST_FIELDS
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
    await record_overrides(row, changelog.CHECKLIST_ITEMS, document.id, merge)
    final = (await CHECKLIST_ITEMS.load(actor.tenant_id, [document.id]))[document.id]
    return None if comparable(final, CHECKLIST_FIELDS) == client and not document.deleted else final
