"""Push: apply a batch of offline changes in one transaction (all or nothing).

Per row: a document equal to the stored one in every field the pull carries is a no-op
(replays are safe); otherwise a three-way merge whose result goes through the same services
(and so the same state machine, role rules and transition lock) as the HTTP API. The answer
lists every document the device must adopt: the server's copy wherever it differs from what
was sent (a refused change, a new version, a server-filled field). Bad input (a malformed
document, a value outside the REST limits, another tenant's or an out-of-scope document, a
read-only collection) fails the whole batch with a 4xx naming the row; what the rules refuse
is a conflict, never an error (see ``push_rows``).
"""

from collections.abc import Awaitable, Callable
from uuid import UUID

from kernel.changes import Synced
from kernel.clock import utcnow
from kernel.context import Actor
from kernel.db import Database, Transaction, run_use_case
from kernel.errors import DomainError, Forbidden
from mobile_contract.errors import ErrorCode
from mobile_contract.sync import NoteDocument, PushRow
from sync import push_items, push_messages, sql
from sync.collections import NOTES, Document
from sync.pull import collection_named
from sync.push_rows import Batch, Row, for_row, is_uuid
from sync.push_work_orders import push_work_order

MAX_BATCH = 500
# A push racing another writer of the same rows on PostgreSQL (typically its own retry) loses
# with a version conflict or a unique row the other inserted; the batch runs again and sees
# the other's commit, so both get the answer one would have alone.
ATTEMPTS = 3

_HANDLERS: dict[str, Callable[[Row], Awaitable[Document | None]]] = {
    Synced.WORK_ORDERS: push_work_order,
    Synced.NOTES: push_items.push_note,
    Synced.CHECKLIST_ITEMS: push_items.push_checklist_item,
    Synced.MESSAGES: push_messages.push_message,
}


async def push(
    *, db: Database, actor: Actor, collection: str, rows: list[PushRow]
) -> list[Document]:
    """Apply ``rows`` in one transaction; the server documents the device must adopt."""
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
    return await run_use_case(db, lambda tx: _apply(tx, actor, collection, rows), attempts=ATTEMPTS)


async def _apply(
    tx: Transaction, actor: Actor, collection: str, rows: list[PushRow]
) -> list[Document]:
    handler = _HANDLERS[collection]
    answers: list[Document] = []
    now = utcnow()
    batch = Batch()
    if collection == Synced.NOTES:
        ids = {UUID(str(i)) for i in (row.new.get("id") for row in rows) if is_uuid(i)}
        stored = await tx.fetch(
            sql.LOAD[NOTES.name], NoteDocument, tenant=actor.tenant_id, ids=sorted(ids)
        )
        batch.stored_notes = {note.id: note for note in stored}
        if len(batch.stored_notes) < len(ids):
            tx.will_write()  # a new note
    for index, pushed in enumerate(rows):
        row = Row(index, actor, tx, now, pushed.assumed, pushed.new, batch)
        try:
            document = await handler(row)
        except DomainError as error:
            raise for_row(error, index, str(pushed.new.get("id", ""))) from error
        if document is not None:
            answers.append(document)
    answers += await push_items.insert_new_notes(tx, actor, batch)
    return answers
