"""Pushed notes (append-only, inserted per batch) and checklist items (per-field merge)."""

from datetime import timedelta
from typing import Any
from uuid import UUID

from kernel.changes import Synced
from kernel.context import Actor
from kernel.db import Transaction
from kernel.errors import AlreadyExists, DomainError, InvalidReference, NotFound
from mobile_contract import work_orders as wo_contract
from mobile_contract.errors import ErrorCode
from mobile_contract.sync import ChecklistItemDocument, NoteDocument
from sync import sql
from sync.collections import CHECKLIST_ITEMS, NOTES, Document
from sync.merge import Override, three_way, unapplied
from sync.push_rows import (
    REASSIGNED,
    TOMBSTONE,
    Batch,
    NewNote,
    Row,
    answer,
    base_of,
    check_limits,
    comparable,
    decode,
    for_row,
    has_left,
    in_sync_scope,
    out_of_scope,
    record_overrides,
    tombstone,
)
from workorders import items, queries, state_machine

CHECKLIST_FIELDS = ("label", "position", "required", "done", "value")
# A note written offline on a work order that was then reassigned away is kept for the new
# assignee when it arrives within this time; later, it is recorded as a conflict instead.
FORMER_ASSIGNEE_NOTES = timedelta(days=7)


async def push_note(row: Row) -> Document | None:
    """Notes are append-only. New ones are checked here and inserted together at the end of
    the batch (``insert_new_notes``). A note made on a work order that was reassigned away is
    kept for the new assignee (attributed and time-stamped) and leaves the device."""
    document: NoteDocument = decode(row.new, NoteDocument)
    actor, batch = row.actor, row.batch
    stored = batch.stored_notes.get(document.id)
    if stored is not None:
        work_order_id = stored.work_order_id
        assert work_order_id is not None  # a stored note belongs to a work order
        in_scope = await in_sync_scope(row.tx, actor, work_order_id, batch, lock=True) is not None
        if not in_scope and not await has_left(row, work_order_id):
            raise NotFound("work order note", document.id)
        if document.body != stored.body or document.deleted:
            field = TOMBSTONE if document.deleted else "body"
            client = True if document.deleted else document.body
            server = False if document.deleted else stored.body
            override = Override(field, client, server, "notes are append-only")
            await record_overrides(row, Synced.NOTES, document.id, [override])
        if not in_scope:
            return tombstone(document.id)
        return answer(NOTES, NOTES.as_document(stored), row.new)
    if document.deleted:
        return None  # made and deleted offline: nothing ever reached the server
    if document.work_order_id is None:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "A new note needs work_order_id.",
            {"field": "work_order_id", "part": "newDocumentState"},
        )
    note = check_limits(
        {
            "id": document.id,
            "body": document.body,
            "occurred_at": document.device_time,
            "kb_article_id": document.kb_article_id,
            "kb_article_version": document.kb_article_version,
        },
        wo_contract.NoteCreate,
    )
    left_device = (
        await in_sync_scope(row.tx, actor, document.work_order_id, batch, lock=True) is None
    )
    if left_device:
        left_at = await queries.reassigned_away_at(
            row.tx, actor.tenant_id, document.work_order_id, actor.user_id
        )
        if left_at is None:
            raise NotFound("work order", document.work_order_id)
        if row.now - left_at > FORMER_ASSIGNEE_NOTES:
            reason = f"the work order left you more than {FORMER_ASSIGNEE_NOTES.days} days ago"
            override = Override("body", document.body, None, reason)
            await record_overrides(row, Synced.NOTES, document.id, [override])
            return tombstone(document.id)
        if document.work_order_id not in batch.former:
            batch.former[document.work_order_id] = await queries.load_row_in_tenant(
                actor.tenant_id, document.work_order_id, reader=row.tx, lock=True
            )
    if document.id not in batch.new_note_ids:  # the same note twice in a batch: once
        batch.new_note_ids.add(document.id)
        pending = batch.new_notes.setdefault(document.work_order_id, [])
        pending.append(NewNote(row.index, note, row.new, left_device))
    return None


async def insert_new_notes(tx: Transaction, actor: Actor, batch: Batch) -> list[Document]:
    """Insert the batch's new notes; answers what the devices must adopt (each stored note
    as a pull carries it, or a tombstone for one whose work order left the device)."""
    answers: list[Document] = []
    for work_order_id, pending in batch.new_notes.items():
        work_order = batch.scopes.get(work_order_id) or batch.former[work_order_id]
        try:
            notes = await items.add_new_notes(
                tx, actor=actor, work_order=work_order, notes=[p.note for p in pending]
            )
        except AlreadyExists as error:  # a client-made id the tenant used elsewhere: 409
            taken = next(p for p in pending if str(p.note.id) == error.details["value"])
            raise for_row(error, taken.index, str(taken.note.id)) from error
        except InvalidReference as error:  # a citation of an article the tenant lacks: 422
            taken = next(p for p in pending if str(p.note.id) == error.details.get("note_id"))
            raise for_row(error, taken.index, str(taken.note.id)) from error
        stored = {note.id: NOTES.as_document(note) for note in notes}
        for new in pending:
            assert new.note.id is not None  # the device made the id
            if new.left_device:
                answers.append(tombstone(new.note.id))
            elif (document := answer(NOTES, stored[new.note.id], new.new)) is not None:
                answers.append(document)
    return answers


async def push_checklist_item(row: Row) -> Document | None:
    document: ChecklistItemDocument = decode(row.new, ChecklistItemDocument)
    actor = row.actor
    stored = await _load_item(row, document.id)
    work_order_id = stored.work_order_id if stored else document.work_order_id
    if work_order_id is None:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "A new checklist item needs work_order_id.",
            {"field": "work_order_id", "part": "newDocumentState"},
        )
    client = comparable(document, CHECKLIST_FIELDS)
    server = comparable(stored or ChecklistItemDocument(id=document.id), CHECKLIST_FIELDS)
    if not (document.deleted and stored is None):
        _check_item_limits(stored is None, client, server)
    work_order = await in_sync_scope(row.tx, actor, work_order_id, lock=True)
    if work_order is None:
        base = base_of(row, ChecklistItemDocument, CHECKLIST_FIELDS)
        lost = (
            []
            if document.deleted and stored is None
            else unapplied(base, server, client, CHECKLIST_FIELDS, REASSIGNED)
        )
        return await out_of_scope(row, Synced.CHECKLIST_ITEMS, document.id, work_order_id, lost)
    status = work_order.status
    allowed = state_machine.may_edit_checklist(
        status, role=actor.role, is_assignee=queries.is_assignee(actor, work_order)
    )
    locked = f"the checklist is locked while {status}"
    if stored is None:
        if document.deleted:
            return None  # made and deleted offline
        if not allowed:
            lost = unapplied(None, server, client, CHECKLIST_FIELDS, locked)
            await record_overrides(row, Synced.CHECKLIST_ITEMS, document.id, lost)
            return tombstone(document.id)
        await items.create_checklist_item(
            row.tx,
            actor=actor,
            work_order=work_order,
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
        return await _answer(row, document.id)
    # Deleting is refused and recorded; what else the document changed merges as usual.
    reason = "checklist items are not deleted; mark them done or leave them"
    refused = [Override(TOMBSTONE, True, False, reason)] if document.deleted else []
    if client == server:
        await record_overrides(row, Synced.CHECKLIST_ITEMS, document.id, refused)
        return answer(CHECKLIST_ITEMS, CHECKLIST_ITEMS.as_document(stored), row.new)
    merge = three_way(
        base_of(row, ChecklistItemDocument, CHECKLIST_FIELDS), server, client, CHECKLIST_FIELDS
    )
    merge.overrides[:0] = refused
    if not allowed:
        for name in sorted(merge.from_client):
            merge.refuse(name, server[name], locked)
    if merge.from_client:
        await items.change_checklist_item(
            row.tx,
            actor=actor,
            work_order=work_order,
            item_id=document.id,
            data=wo_contract.ChecklistItemUpdate(
                **{name: merge.values[name] for name in merge.from_client},
                occurred_at=document.occurred_at,
            ),
            expected_version=stored.version,
        )
    await record_overrides(row, Synced.CHECKLIST_ITEMS, document.id, merge.overrides)
    return await _answer(row, document.id)


def _check_item_limits(new: bool, client: dict[str, Any], server: dict[str, Any]) -> None:
    """A new item as the REST API would create it; changed fields as it would update them."""
    if new:
        check_limits(client, wo_contract.ChecklistItemCreate)
    else:
        changed = {name: value for name, value in client.items() if value != server[name]}
        check_limits(changed, wo_contract.ChecklistItemUpdate)


async def _load_item(row: Row, item_id: UUID) -> ChecklistItemDocument | None:
    return await row.tx.fetch_one(
        sql.LOAD[CHECKLIST_ITEMS.name],
        ChecklistItemDocument,
        tenant=row.actor.tenant_id,
        ids=[item_id],
    )


async def _answer(row: Row, item_id: UUID) -> Document | None:
    final = await _load_item(row, item_id)
    assert final is not None
    return answer(CHECKLIST_ITEMS, CHECKLIST_ITEMS.as_document(final), row.new)
