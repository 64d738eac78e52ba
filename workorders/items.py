"""Notes and checklist items: separate rows keyed by (optionally client-made) UUIDs, so an
offline client's retry never adds anything twice."""

from datetime import datetime
from uuid import UUID, uuid4

import msgspec

from kernel.changes import DocumentChanged, Synced
from kernel.clock import utcnow
from kernel.context import Actor
from kernel.db import Database, Reader, Transaction
from kernel.errors import AlreadyExists, DomainError, NotFound, VersionConflict
from mobile_contract import work_orders as contract
from mobile_contract.errors import ErrorCode
from mobile_contract.sync import NoteDocument
from workorders import queries, sql, state_machine
from workorders.events import Citing
from workorders.sql import WorkOrderRow
from workorders.timeline import Event, record_event, record_events


async def list_notes(*, db: Database, actor: Actor, work_order_id: UUID) -> contract.NoteList:
    async with db.snapshot() as reader:
        await queries.load_row(actor, work_order_id, reader=reader)
        return contract.NoteList(
            items=await queries.list_notes_rows(reader, actor.tenant_id, work_order_id)
        )


async def add_note(
    *, db: Database, actor: Actor, work_order_id: UUID, data: contract.NoteCreate
) -> contract.Note:
    """Anyone who sees the work order may comment, in every state (the transition lock
    leaves comments open)."""
    note_id = data.id or uuid4()
    now = utcnow()
    async with db.transaction() as tx:
        row = await queries.load_row(actor, work_order_id, reader=tx)
        existing = await _existing_note(tx, actor, work_order_id, note_id)
        if existing is not None:
            return existing
        await tx.execute(
            sql.INSERT_NOTE,
            rows=[
                (
                    uuid4(),
                    note_id,
                    actor.tenant_id,
                    work_order_id,
                    actor.user_id,
                    data.body,
                    now,
                    data.occurred_at,
                    data.kb_article_id,
                    data.kb_article_version,
                )
            ],
        )
        await record_event(
            tx,
            actor=actor,
            work_order_id=work_order_id,
            action="note_added",
            after={"note_id": note_id},
            device_time=data.occurred_at,
            now=now,
        )
        await _changed(tx, actor, Synced.NOTES, note_id, now, row)
        await _cite(tx, actor, work_order_id, note_id, data, "api", now)
        note = await _existing_note(tx, actor, work_order_id, note_id)
        assert note is not None
        return note


async def _changed(
    tx: Transaction,
    actor: Actor,
    collection: Synced,
    document_id: UUID,
    now: datetime,
    work_order: WorkOrderRow,
) -> None:
    """Announce a changed note or item; its owner on devices is the work order's assignee."""
    await tx.publish(
        DocumentChanged(
            tenant_id=actor.tenant_id,
            collection=collection,
            document_id=document_id,
            now=now,
            owner=work_order.assignee_id,
        )
    )


async def _cite(
    tx: Transaction,
    actor: Actor,
    work_order_id: UUID,
    note_id: UUID,
    note: contract.NoteCreate,
    channel: str,
    now: datetime,
) -> None:
    if note.kb_article_id is None:
        return
    await tx.publish(
        Citing(
            tenant_id=actor.tenant_id,
            work_order_id=work_order_id,
            note_id=note_id,
            article_id=note.kb_article_id,
            version=note.kb_article_version,
            author_id=actor.user_id,
            channel=channel,
            now=now,
        )
    )


async def _existing_note(
    reader: Reader, actor: Actor, work_order_id: UUID, note_id: UUID
) -> contract.Note | None:
    owner = await reader.fetch_one(
        sql.NOTE_WORK_ORDER, sql.NoteWorkOrder, tenant=actor.tenant_id, id=note_id
    )
    if owner is None:
        return None
    if owner.work_order != work_order_id:  # the caller's own note, on another work order
        raise AlreadyExists("note", "id", note_id)
    (note,) = await queries.list_notes_rows(reader, actor.tenant_id, work_order_id, note_id)
    return note


def _require_checklist_access(actor: Actor, row: WorkOrderRow) -> None:
    status = row.status
    if not state_machine.may_edit_checklist(
        status, role=actor.role, is_assignee=queries.is_assignee(actor, row)
    ):
        raise DomainError(
            ErrorCode.FIELD_NOT_EDITABLE,
            f"You may not change the checklist of a work order that is {status}.",
            {"fields": ["checklist"], "status": status},
        )


async def list_checklist(
    *, db: Database, actor: Actor, work_order_id: UUID
) -> contract.ChecklistItemList:
    async with db.snapshot() as reader:
        await queries.load_row(actor, work_order_id, reader=reader)
        return contract.ChecklistItemList(
            items=await queries.list_checklist_rows(reader, actor.tenant_id, work_order_id)
        )


async def load_item(
    reader: Reader, actor: Actor, work_order_id: UUID, item_id: UUID
) -> contract.ChecklistItem | None:
    """The tenant's item ``item_id`` (None: there is none); 409 when it is on another work
    order (the caller's own client-made id, used twice)."""
    item = await reader.fetch_one(
        sql.CHECKLIST_ITEM, contract.ChecklistItem, tenant=actor.tenant_id, id=item_id
    )
    if item is None:
        return None
    if item.work_order_id != work_order_id:  # the caller's own item, on another work order
        raise AlreadyExists("checklist item", "id", item_id)
    return item


async def _item_on(
    reader: Reader, actor: Actor, work_order_id: UUID, item_id: UUID
) -> contract.ChecklistItem:
    """The item of this work order, or 404 — also for another tenant's or another work
    order's item (unlike a clash of client-made ids on creation, this must not say 409, which
    would confirm that the id exists somewhere)."""
    item = await reader.fetch_one(
        sql.CHECKLIST_ITEM_ON,
        contract.ChecklistItem,
        tenant=actor.tenant_id,
        work_order=work_order_id,
        id=item_id,
    )
    if item is None:
        raise NotFound("checklist item", item_id)
    return item


async def add_checklist_item(
    *, db: Database, actor: Actor, work_order_id: UUID, data: contract.ChecklistItemCreate
) -> contract.ChecklistItem:
    async with db.transaction() as tx:
        row = await queries.load_row(actor, work_order_id, reader=tx)
        return await create_checklist_item(tx, actor=actor, work_order=row, data=data)


async def create_checklist_item(
    tx: Transaction, *, actor: Actor, work_order: WorkOrderRow, data: contract.ChecklistItemCreate
) -> contract.ChecklistItem:
    """The item added to ``work_order`` (read in this transaction); idempotent by its id."""
    item_id = data.id or uuid4()
    now = utcnow()
    work_order_id = work_order.id
    _require_checklist_access(actor, work_order)
    existing = await load_item(tx, actor, work_order_id, item_id)
    if existing is not None:
        return existing
    position = data.position
    if position is None:
        last = await tx.fetch_one(
            sql.LAST_POSITION, sql.Position, tenant=actor.tenant_id, work_order=work_order_id
        )
        position = last.position + 1 if last else 0
    await tx.execute(
        sql.INSERT_CHECKLIST_ITEM,
        id=uuid4(),
        client_id=item_id,
        tenant=actor.tenant_id,
        work_order=work_order_id,
        position=position,
        label=data.label,
        required=data.required,
        done=data.done,
        value=data.value,
        updated_by=actor.user_id,
        updated_at=now,
    )
    await record_event(
        tx,
        actor=actor,
        work_order_id=work_order_id,
        action="checklist_item_added",
        after={
            "item_id": item_id,
            "label": data.label,
            "done": data.done,
            "value": data.value,
        },
        device_time=data.occurred_at,
        now=now,
    )
    await _changed(tx, actor, Synced.CHECKLIST_ITEMS, item_id, now, work_order)
    item = await load_item(tx, actor, work_order_id, item_id)
    assert item is not None
    return item


_ITEM_FIELDS = ("label", "position", "required", "done", "value")


async def update_checklist_item(
    *,
    db: Database,
    actor: Actor,
    work_order_id: UUID,
    item_id: UUID,
    data: contract.ChecklistItemUpdate,
) -> contract.ChecklistItem:
    async with db.transaction() as tx:
        row = await queries.load_row(actor, work_order_id, reader=tx)
        return await change_checklist_item(
            tx, actor=actor, work_order=row, item_id=item_id, data=data
        )


async def change_checklist_item(
    tx: Transaction,
    *,
    actor: Actor,
    work_order: WorkOrderRow,
    item_id: UUID,
    data: contract.ChecklistItemUpdate,
    expected_version: int | None = None,
) -> contract.ChecklistItem:
    """The item of ``work_order`` (read in this transaction) with ``data``'s fields set.
    ``expected_version``: the version the caller decided on (a sync merge read it earlier in
    the transaction; on PostgreSQL another writer may have committed since, and writing over
    that would lose its change without a conflict)."""
    now = utcnow()
    work_order_id = work_order.id
    _require_checklist_access(actor, work_order)
    item = await _item_on(tx, actor, work_order_id, item_id)
    if expected_version is not None and item.version != expected_version:
        raise VersionConflict("checklist item", expected_version, item.version)
    changed = {
        name: getattr(data, name)
        for name in _ITEM_FIELDS
        if getattr(data, name) is not msgspec.UNSET and getattr(data, name) != getattr(item, name)
    }
    if not changed:
        return item
    after = msgspec.structs.replace(item, **changed)
    written = await tx.fetch(
        sql.UPDATE_CHECKLIST_ITEM,
        sql.Id,
        label=after.label,
        position=after.position,
        required=after.required,
        done=after.done,
        value=after.value,
        updated_by=actor.user_id,
        updated_at=now,
        version=item.version,
        tenant=actor.tenant_id,
        id=item_id,
    )
    if not written:
        current = await tx.fetch_one(
            sql.CHECKLIST_ITEM_VERSION, sql.Version, tenant=actor.tenant_id, id=item_id
        )
        raise VersionConflict("checklist item", item.version, current.version if current else 0)
    await record_event(
        tx,
        actor=actor,
        work_order_id=work_order_id,
        action="checklist_item_updated",
        before={"item_id": item_id, **{name: getattr(item, name) for name in changed}},
        after={"item_id": item_id, **changed},
        device_time=data.occurred_at,
        now=now,
    )
    await _changed(tx, actor, Synced.CHECKLIST_ITEMS, item_id, now, work_order)
    updated = await load_item(tx, actor, work_order_id, item_id)
    assert updated is not None
    return updated


async def add_new_notes(
    tx: Transaction,
    *,
    actor: Actor,
    work_order: WorkOrderRow,
    notes: list[contract.NoteCreate],
) -> list[NoteDocument]:
    """Insert notes the caller made offline, in bulk: the same rows, timeline entries and
    change-log entries as ``add_note``. The caller's transaction must roll back on
    ``AlreadyExists`` (a client-made id the tenant already used, e.g. on another work order:
    the insert skips it and the id check costs no query of its own). Answers the notes as
    stored, so sync can answer the device without reading them again."""
    if not notes:
        return []
    now = utcnow()
    work_order_id = work_order.id
    inserted = await tx.fetch(
        sql.INSERT_NOTES,
        NoteDocument,
        rows=[
            (
                uuid4(),
                note.id,
                actor.tenant_id,
                work_order_id,
                actor.user_id,
                note.body,
                now,
                note.occurred_at,
                note.kb_article_id,
                note.kb_article_version,
            )
            for note in notes
        ],
    )
    if len(inserted) < len(notes):
        new = {note.id for note in inserted}
        taken = next(note.id for note in notes if note.id not in new)
        raise AlreadyExists("note", "id", taken)
    await record_events(
        tx,
        actor=actor,
        events=[
            Event(
                work_order_id,
                "note_added",
                now,
                after={"note_id": str(note.id)},
                device_time=note.occurred_at,
            )
            for note in notes
        ],
    )
    for note in notes:
        assert note.id is not None  # the caller passes the client-made ids
        await _changed(tx, actor, Synced.NOTES, note.id, now, work_order)
        await _cite(tx, actor, work_order_id, note.id, note, "sync", now)
    return inserted
