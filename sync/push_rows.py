"""What every row of a push shares: decoding and limits, comparison, scope, conflict records and
the answer.

Two kinds of outcome, never mixed up: input that is malformed or breaks a limit of the REST
contract fails the whole batch with a 4xx naming the row (the app has a bug to fix); anything
the merge or the rules decide is a conflict: the server's document comes back, and what the
server did not take is recorded for ``/sync/conflicts``. A 4xx for a merge outcome would wedge
the replica, which retries the same batch forever.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec

from kernel.context import Actor
from kernel.db import Transaction
from kernel.errors import DomainError, NotFound
from kernel.rows import json_text
from mobile_contract import work_orders as wo_contract
from mobile_contract.enums import Role
from mobile_contract.errors import ErrorCode
from mobile_contract.sync import NoteDocument
from mobile_contract.types import readable
from sync import sql
from sync.collections import CLIENT_ONLY, Collection, Document
from sync.merge import Override
from workorders import queries
from workorders.sql import WorkOrderRow

TOMBSTONE = "_deleted"
REASSIGNED = "the work order was reassigned to another engineer before this change arrived"


@dataclass(slots=True)
class NewNote:
    """A note to insert when every row of the batch has been checked."""

    index: int
    note: wo_contract.NoteCreate
    new: dict[str, Any]  # what the device sent, to answer against
    left_device: bool  # made on a work order reassigned away: kept, and answered as gone


@dataclass(slots=True)
class Batch:
    """What the rows of one push share: looked-up scopes, the stored notes of the batch, and
    new notes to insert together when every row has been checked."""

    scopes: dict[UUID, WorkOrderRow | None] = field(default_factory=dict)
    stored_notes: dict[UUID, NoteDocument] = field(default_factory=dict)
    new_notes: dict[UUID, list[NewNote]] = field(default_factory=dict)  # by work order
    new_note_ids: set[UUID] = field(default_factory=set)
    former: dict[UUID, WorkOrderRow] = field(default_factory=dict)  # reassigned away


@dataclass(slots=True)
class Row:
    index: int
    actor: Actor
    tx: Transaction
    now: datetime
    assumed: dict[str, Any] | None
    new: dict[str, Any]
    batch: Batch


def _builtins(document: Any) -> dict[str, Any]:
    """A document as JSON builtins (UUIDs and times as strings), for comparisons."""
    result: dict[str, Any] = msgspec.to_builtins(document)
    return result


def comparable(document: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    builtins = _builtins(document)
    return {name: builtins.get(name) for name in fields}


def _invalid(error: msgspec.ValidationError, message: str, part: str) -> DomainError:
    text = readable(str(error))  # the text rules said for people, not as a regex
    field = (
        text.rsplit("`$.", 1)[1].rstrip("`").split(".")[0].split("[")[0] if "`$." in text else ""
    )
    return DomainError(
        ErrorCode.VALIDATION_FAILED, f"{message}: {text}", {"field": field, "part": part}
    )


def decode(data: dict[str, Any], kind: type[Any], part: str = "newDocumentState") -> Any:
    try:
        return msgspec.convert(data, kind, strict=False)
    except msgspec.ValidationError as error:
        raise _invalid(error, f"{part} is not a valid {kind.__name__}", part) from None


def check_limits(values: dict[str, Any], kind: type[Any]) -> Any:
    """``values`` (fields a device wants stored) held to the REST contract's limits, as
    ``kind`` (the REST request Struct) declares them; a 422 naming the field otherwise."""
    try:
        return msgspec.convert(values, kind, strict=False)
    except msgspec.ValidationError as error:
        message = "newDocumentState breaks a limit that every client is held to"
        raise _invalid(error, message, "newDocumentState") from None


def base_of(row: Row, kind: type[Any], fields: tuple[str, ...]) -> dict[str, Any] | None:
    if row.assumed is None:
        return None
    return comparable(decode(row.assumed, kind, "assumedMasterState"), fields)


# What a device sends that no document carries back ("deleted" is RxDB's tombstone, above).
_DEVICE_ONLY = tuple(sorted(CLIENT_ONLY - {"deleted"}))


def answer(collection: Collection, stored: Document, new: dict[str, Any]) -> Document | None:
    """The stored document when it differs from what the device sent in any field a pull
    carries (the device adopts it as the server's state: a version, a server time, a
    normalised value, a refused change), or when the device sent a field the server does not
    keep on the document (its clock at the change: adopting the stored document drops it, as
    the pull after a write does); None when they are equal. Without this a pull that overtook
    the push's answer, or a push that changed nothing, would leave the device with fields the
    server never sends, for good."""
    server = _builtins(stored)
    if server.get(TOMBSTONE, False) != new.get(TOMBSTONE, False):
        return stored
    if any(new.get(name) is not None for name in _DEVICE_ONLY):
        return stored
    for name in collection.fields:
        if server.get(name) != new.get(name):
            return stored
    return None


def tombstone(document_id: UUID) -> Document:
    return {"id": document_id, TOMBSTONE: True}


async def has_left(row: Row, work_order_id: UUID) -> bool:
    """Whether the work order was the caller's and was reassigned away from them."""
    away = await queries.reassigned_away_at(
        row.tx, row.actor.tenant_id, work_order_id, row.actor.user_id
    )
    return away is not None


async def out_of_scope(
    row: Row, collection: str, document_id: UUID, work_order_id: UUID, lost: list[Override]
) -> Document:
    """A document the caller cannot write. If its work order was reassigned away from them,
    the answer is a tombstone they adopt and what they changed is recorded (``lost``); if it
    was never theirs, a 404 like any unknown id."""
    if not await has_left(row, work_order_id):
        raise NotFound(collection.rstrip("s").replace("_", " "), document_id)
    await record_overrides(row, collection, document_id, lost)
    return tombstone(document_id)


async def in_sync_scope(
    tx: Transaction,
    actor: Actor,
    work_order_id: UUID,
    batch: Batch | None = None,
    *,
    lock: bool = False,
) -> WorkOrderRow | None:
    """The work order's row when the caller may sync it (engineers: assigned to them).
    ``lock`` for rows added under the work order (notes, checklist items): their owner is
    its assignee, so a reassignment committing meanwhile must wait, or be seen."""
    if batch is not None:
        if work_order_id not in batch.scopes:
            batch.scopes[work_order_id] = await in_sync_scope(tx, actor, work_order_id, lock=lock)
        return batch.scopes[work_order_id]
    try:
        row = await queries.load_row(actor, work_order_id, reader=tx, lock=lock)
    except NotFound:
        return None
    if actor.role is Role.ENGINEER and row.assignee_id != actor.user_id:
        return None
    return row


async def record_overrides(
    row: Row, collection: str, document_id: UUID, overrides: list[Override]
) -> None:
    if overrides:
        actor = row.actor
        await row.tx.execute(
            sql.INSERT_CONFLICTS,
            rows=[
                (
                    uuid4(),
                    actor.tenant_id,
                    str(collection),
                    document_id,
                    actor.user_id,
                    actor.role.value,
                    override.field,
                    json_text(override.client),
                    json_text(override.server),
                    override.reason,
                    row.now,
                )
                for override in overrides
            ],
        )


def is_uuid(value: Any) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


def for_row(error: DomainError, index: int, document_id: str) -> DomainError:
    """The error, naming the row of the batch it came from."""
    return DomainError(
        error.code,
        f"Document {index} ({document_id or 'no id'}): {error.message}",
        {**error.details, "index": index, "document_id": document_id},
    )
