"""Notes and checklist items: separate rows keyed by (optionally client-made) UUIDs, so an
offline client's retry never adds anything twice."""

from typing import Any
from uuid import UUID, uuid4

import msgspec

from kernel import sql
from kernel.clock import utcnow
from kernel.context import Actor
from kernel.db import Database
from kernel.errors import AlreadyExists, DomainError, NotFound, VersionConflict
from kernel.rows import to_struct
from mobile_contract import work_orders as contract
from mobile_contract.enums import WorkOrderStatus
from mobile_contract.errors import ErrorCode
from sync import changelog
from workorders import queries, state_machine
from workorders.tables import ChecklistItem, Note
from workorders.timeline import Event, record_event, record_events


async def list_notes(*, db: Database, actor: Actor, work_order_id: UUID) -> contract.NoteList:
    async with db.snapshot():
        await queries.load_row(actor, work_order_id)
        return contract.NoteList(
            items=await queries.list_notes_rows(actor.tenant_id, work_order_id)
        )


async def add_note(
    *, db: Database, actor: Actor, work_order_id: UUID, data: contract.NoteCreate
) -> contract.Note:
    """Anyone who sees the work order may comment, in every state (the transition lock
    leaves comments open)."""
    note_id = data.id or uuid4()
    now = utcnow()
    async with db.transaction():
        row = await queries.load_row(actor, work_order_id)
        existing = await _existing_note(actor, work_order_id, note_id)
        if existing is not None:
            return existing
        await Note.insert(
            Note(
                id=uuid4(),
                client_id=note_id,
                tenant=actor.tenant_id,
                work_order=work_order_id,
                author=actor.user_id,
                body=data.body,
                created_at=now,
                device_time=data.occurred_at,
            )
        )
        await record_event(
            actor=actor,
            work_order_id=work_order_id,
            action="note_added",
            after={"note_id": note_id},
            device_time=data.occurred_at,
            now=now,
        )
        await changelog.record(
            tenant_id=actor.tenant_id,
            collection=changelog.NOTES,
            document_id=note_id,
            now=now,
            owner=row["assignee_id"],
        )
        note = await _existing_note(actor, work_order_id, note_id)
        assert note is not None
        return note


async def _existing_note(actor: Actor, work_order_id: UUID, note_id: UUID) -> contract.Note | None:
    owner = (
        await Note.select(Note.work_order)
        .where((Note.tenant == actor.tenant_id) & (Note.client_id == note_id))
        .first()
    )
    if owner is None:
        return None
    if owner["work_order"] != work_order_id:  # the caller's own note, on another work order
        raise AlreadyExists("note", "id", note_id)
    (note,) = await queries.list_notes_rows(actor.tenant_id, work_order_id, note_id)
    return note


def _require_checklist_access(actor: Actor, row: dict[str, Any]) -> None:
    status = WorkOrderStatus(row["status"])
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
    async with db.snapshot():
        await queries.load_row(actor, work_order_id)
        return contract.ChecklistItemList(
            items=await queries.list_checklist_rows(actor.tenant_id, work_order_id)
        )


async def _load_item(
    actor: Actor, work_order_id: UUID, item_id: UUID
) -> contract.ChecklistItem | None:
    row = await (
        ChecklistItem.select(*queries.CHECKLIST_COLUMNS)
        .where((ChecklistItem.tenant == actor.tenant_id) & (ChecklistItem.client_id == item_id))
        .first()
    )
    if row is None:
        return None
    if row["work_order_id"] != work_order_id:  # the caller's own item, on another work order
        raise AlreadyExists("checklist item", "id", item_id)
    return to_struct(row, contract.ChecklistItem)


async def _item_on(actor: Actor, work_order_id: UUID, item_id: UUID) -> contract.ChecklistItem:
    """The item of this work order, or 404 — also for another tenant's or another work
    order's item (unlike a clash of client-made ids on creation, this must not say 409, which
    would confirm that the id exists somewhere)."""
    row = await (
        ChecklistItem.select(*queries.CHECKLIST_COLUMNS)
        .where(
            (ChecklistItem.tenant == actor.tenant_id)
            & (ChecklistItem.work_order == work_order_id)
            & (ChecklistItem.client_id == item_id)
        )
        .first()
    )
    if row is None:
        raise NotFound("checklist item", item_id)
    return to_struct(row, contract.ChecklistItem)


async def add_checklist_item(
    *, db: Database, actor: Actor, work_order_id: UUID, data: contract.ChecklistItemCreate
) -> contract.ChecklistItem:
    item_id = data.id or uuid4()
    now = utcnow()
    async with db.transaction():
        row = await queries.load_row(actor, work_order_id)
        _require_checklist_access(actor, row)
        existing = await _load_item(actor, work_order_id, item_id)
        if existing is not None:
            return existing
        position = data.position
        if position is None:
            last = await (
                ChecklistItem.select(ChecklistItem.position)
                .where(
                    (ChecklistItem.tenant == actor.tenant_id)
                    & (ChecklistItem.work_order == work_order_id)
                )
                .order_by(ChecklistItem.position, ascending=False)
                .first()
            )
            position = last["position"] + 1 if last else 0
        await ChecklistItem.insert(
            ChecklistItem(
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
                version=1,
            )
        )
        await record_event(
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
        await changelog.record(
            tenant_id=actor.tenant_id,
            collection=changelog.CHECKLIST_ITEMS,
            document_id=item_id,
            now=now,
            owner=row["assignee_id"],
        )
        item = await _load_item(actor, work_order_id, item_id)
        assert item is not None
        return item


_ITEM_FIELDS = {
    "label": ChecklistItem.label,
    "position": ChecklistItem.position,
    "required": ChecklistItem.required,
    "done": ChecklistItem.done,
    "value": ChecklistItem.value,
}


async def update_checklist_item(
    *,
    db: Database,
    actor: Actor,
    work_order_id: UUID,
    item_id: UUID,
    data: contract.ChecklistItemUpdate,
) -> contract.ChecklistItem:
    now = utcnow()
    async with db.transaction():
        row = await queries.load_row(actor, work_order_id)
        _require_checklist_access(actor, row)
        item = await _item_on(actor, work_order_id, item_id)
        changed = {
            name: getattr(data, name)
            for name in _ITEM_FIELDS
            if getattr(data, name) is not msgspec.UNSET
            and getattr(data, name) != getattr(item, name)
        }
        if not changed:
            return item
        # Compare-and-set on the version: two writers of one item never overwrite each other.
        written = await (
            ChecklistItem.update(
                {
                    **{_ITEM_FIELDS[name]: value for name, value in changed.items()},
                    ChecklistItem.updated_by: actor.user_id,
                    ChecklistItem.updated_at: now,
                    ChecklistItem.version: item.version + 1,
                }
            )
            .where(
                (ChecklistItem.tenant == actor.tenant_id)
                & (ChecklistItem.client_id == item_id)
                & (ChecklistItem.version == item.version)
            )
            .returning(ChecklistItem.id)
        )
        if not written:
            now_at = await ChecklistItem.select(ChecklistItem.version).where(
                (ChecklistItem.tenant == actor.tenant_id) & (ChecklistItem.client_id == item_id)
            )
            raise VersionConflict("checklist item", item.version, now_at[0]["version"])
        await record_event(
            actor=actor,
            work_order_id=work_order_id,
            action="checklist_item_updated",
            before={"item_id": item_id, **{name: getattr(item, name) for name in changed}},
            after={"item_id": item_id, **changed},
            device_time=data.occurred_at,
            now=now,
        )
        await changelog.record(
            tenant_id=actor.tenant_id,
            collection=changelog.CHECKLIST_ITEMS,
            document_id=item_id,
            now=now,
            owner=row["assignee_id"],
        )
        updated = await _load_item(actor, work_order_id, item_id)
        assert updated is not None
        return updated


_NOTE_INSERT = (
    "INSERT INTO workorders_note (id, client_id, tenant, work_order, author, body, created_at,"
    " device_time)"
)


_NOTE_RETURNING = (
    "ON CONFLICT (tenant, client_id) DO NOTHING RETURNING client_id AS id,"
    " work_order AS work_order_id, "
    "author AS author_id, body, created_at, device_time"
)


async def add_new_notes(
    *, actor: Actor, work_order: dict[str, Any], notes: list[contract.NoteCreate]
) -> list[dict[str, Any]]:
    """Insert notes the caller made offline, in bulk: the same rows, timeline entries and
    change-log entries as ``add_note``. Run inside the caller's transaction, which must roll
    back on ``AlreadyExists`` (a client-made id the tenant already used, e.g. on another
    work order: the insert skips it and the id check costs no query of its own). Answers the
    rows as stored (driver values), so sync can answer the device without reading them
    again."""
    if not notes:
        return []
    now = utcnow()
    work_order_id: UUID = work_order["id"]
    inserted = await sql.insert_rows(
        Note,
        _NOTE_INSERT,
        [
            [
                uuid4(),
                note.id,
                actor.tenant_id,
                work_order_id,
                actor.user_id,
                note.body,
                now,
                note.occurred_at,
            ]
            for note in notes
        ],
        _NOTE_RETURNING,
    )
    if len(inserted) < len(notes):
        new = {UUID(str(row["id"])) for row in inserted}
        taken = next(note.id for note in notes if note.id not in new)
        raise AlreadyExists("note", "id", taken)
    await record_events(
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
        await changelog.record(
            tenant_id=actor.tenant_id,
            collection=changelog.NOTES,
            document_id=note.id,
            now=now,
            owner=work_order["assignee_id"],
        )
    return inserted
