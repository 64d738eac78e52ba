"""What every row of a push shares: decoding, comparison, scope and conflict records."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from kernel.context import Actor
from kernel.db import Database
from kernel.errors import DomainError, NotFound
from mobile_contract import work_orders as wo_contract
from mobile_contract.enums import Role
from mobile_contract.errors import ErrorCode
from sync.collections import Document
from sync.merge import Merge
from sync.tables import SyncConflict, SyncScopeExit
from workorders import queries

TOMBSTONE = "_deleted"


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


def comparable(document: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    builtins = _builtins(document)
    return {name: builtins.get(name) for name in fields}


def decode(data: dict[str, Any], kind: type[Any], part: str = "newDocumentState") -> Any:
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


def base_of(row: Row, kind: type[Any], fields: tuple[str, ...]) -> dict[str, Any] | None:
    if row.assumed is None:
        return None
    return comparable(decode(row.assumed, kind, "assumedMasterState"), fields)


async def out_of_scope(row: Row, collection: str, document_id: UUID) -> Document:
    """A document the caller cannot write: if it left their device (reassigned away), the
    answer is a tombstone they adopt; if it was never theirs, a 404 like any unknown id."""
    if await SyncScopeExit.exists().where(
        (SyncScopeExit.tenant == row.actor.tenant_id)
        & (SyncScopeExit.collection == collection)
        & (SyncScopeExit.document_id == document_id)
        & (SyncScopeExit.user == row.actor.user_id)
    ):
        return {"id": document_id, TOMBSTONE: True}
    raise NotFound(collection.rstrip("s").replace("_", " "), document_id)


async def in_sync_scope(
    actor: Actor, work_order_id: UUID, batch: Batch | None = None
) -> dict[str, Any] | None:
    """The work order's row when the caller may sync it (engineers: assigned to them)."""
    if batch is not None:
        if work_order_id not in batch.scopes:
            batch.scopes[work_order_id] = await in_sync_scope(actor, work_order_id)
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


async def record_overrides(row: Row, collection: str, document_id: UUID, merge: Merge) -> None:
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
