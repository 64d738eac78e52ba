"""Pushed messages: an engineer's new message to the customer, written as the REST API writes
it (``messaging.writing``: idempotent by its id, attachments checked), and read receipts of
the customer's messages. Messages are never edited or deleted: any other change a device
pushes is recorded as a conflict and the server's document comes back.

A message the rules refuse (its work order closed, cancelled or reassigned away before the
push arrived) is a conflict too, answered with a tombstone: the device drops it.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from kernel.changes import Synced
from kernel.clock import as_utc
from kernel.errors import DomainError, NotFound
from messaging import writing
from messaging.writing import Author
from mobile_contract import messaging as contract
from mobile_contract.enums import WorkOrderStatus
from mobile_contract.errors import ErrorCode
from sync import sql
from sync.collections import MESSAGES, Document
from sync.merge import Override
from sync.push_rows import (
    REASSIGNED,
    TOMBSTONE,
    Row,
    answer,
    base_of,
    check_limits,
    comparable,
    decode,
    has_left,
    in_sync_scope,
    out_of_scope,
    record_overrides,
    tombstone,
)

FIELDS = tuple(name for name in MESSAGES.fields if name != "id")
# What a device makes of a new message (the rest the server fills in).
DEVICE_MADE = ("body", "attachment_ids")
_FINISHED = (WorkOrderStatus.CLOSED, WorkOrderStatus.CANCELLED)
NEVER_EDITED = "messages are never edited or deleted"


async def push_message(row: Row) -> Document | None:
    document: contract.MessageDocument = decode(row.new, contract.MessageDocument)
    stored = await _load(row, document.id)
    if stored is None:
        return None if document.deleted else await _new(row, document)
    return await _existing(row, document, stored)


async def _new(row: Row, document: contract.MessageDocument) -> Document | None:
    work_order_id = document.work_order_id
    if work_order_id is None:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "A new message needs work_order_id.",
            {"field": "work_order_id", "part": "newDocumentState"},
        )
    request = writing.checked(
        check_limits(
            {
                "id": document.id,
                "body": document.body,
                "attachment_ids": document.attachment_ids,
                "occurred_at": document.device_time,
            },
            contract.MessageCreate,
        )
    )
    actor = row.actor
    work_order = await in_sync_scope(row.tx, actor, work_order_id, lock=True)
    if work_order is None:
        lost = [Override("body", document.body, None, REASSIGNED)]
        return await out_of_scope(row, Synced.MESSAGES, document.id, work_order_id, lost)
    if work_order.status in _FINISHED:
        reason = f"the work order was {work_order.status} before the message arrived"
        await record_overrides(
            row, Synced.MESSAGES, document.id, [Override("body", document.body, None, reason)]
        )
        return tombstone(document.id)
    row.tx.will_write()
    await writing.write(
        row.tx,
        tenant_id=actor.tenant_id,
        work_order_id=work_order_id,
        author=Author("staff", user_id=actor.user_id, name=actor.display_name),
        data=request,
        now=row.now,
    )
    return await _answer(row, document.id)


async def _existing(
    row: Row, document: contract.MessageDocument, stored: contract.MessageDocument
) -> Document | None:
    """A message the server has: a read receipt is taken, anything else refused."""
    actor = row.actor
    work_order_id = stored.work_order_id
    assert work_order_id is not None  # a stored message belongs to a work order
    in_scope = await in_sync_scope(row.tx, actor, work_order_id, lock=True) is not None
    if not in_scope and not await has_left(row, work_order_id):
        raise NotFound("message", document.id)
    client = comparable(document, FIELDS)
    server = comparable(stored, FIELDS)
    base = base_of(row, contract.MessageDocument, FIELDS)
    # Without the server's state as the device saw it, the device made the message (this is
    # a replay of its first push): only what it makes, and a read receipt, are compared.
    compared = FIELDS
    if base is None:
        base = server
        compared = (*DEVICE_MADE, "read_at") if document.read_at else DEVICE_MADE
    overrides = [Override(TOMBSTONE, True, False, NEVER_EDITED)] if document.deleted else []
    for name in compared:
        if client[name] == base[name] or client[name] == server[name]:
            continue
        if name == "read_at" and in_scope and _may_read(stored, document):
            assert document.read_at is not None
            row.tx.will_write()
            await writing.mark_read(
                row.tx,
                tenant_id=actor.tenant_id,
                work_order_id=work_order_id,
                reader=Author("staff", user_id=actor.user_id),
                first=stored.seq,
                last=stored.seq,
                read_at=_read_at(document.read_at, stored, row.now),
            )
            continue
        reason = "only the other side reads a message" if name == "read_at" else NEVER_EDITED
        overrides.append(Override(name, client[name], server[name], reason))
    await record_overrides(row, Synced.MESSAGES, document.id, overrides)
    if not in_scope:
        return tombstone(document.id)
    return await _answer(row, document.id)


def _may_read(stored: contract.MessageDocument, document: contract.MessageDocument) -> bool:
    """Staff read the customer's messages, once."""
    return (
        stored.author_side == "customer" and stored.read_at is None and document.read_at is not None
    )


def _read_at(pushed: datetime, stored: contract.MessageDocument, now: datetime) -> datetime:
    """When the device says it was read (offline, maybe hours ago), within what is possible:
    not before the message was written, not after the push arrived."""
    moment = as_utc(pushed)
    if stored.created_at is not None:
        moment = max(moment, stored.created_at)
    return min(moment, now)


async def _load(row: Row, message_id: UUID) -> contract.MessageDocument | None:
    return await row.tx.fetch_one(
        sql.LOAD[MESSAGES.name],
        contract.MessageDocument,
        tenant=row.actor.tenant_id,
        ids=[message_id],
    )


async def _answer(row: Row, message_id: UUID) -> Document | None:
    final = await _load(row, message_id)
    assert final is not None
    sent: dict[str, Any] = row.new
    return answer(MESSAGES, MESSAGES.as_document(final), sent)
