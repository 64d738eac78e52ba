"""Conflict records: every merge that overrode a client value, listable by dispatchers."""

from typing import Any
from uuid import UUID

import msgspec
from piccolo.custom_types import Combinable

from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database
from kernel.rows import to_struct
from mobile_contract.sync import SyncConflictList, SyncConflictRecord
from sync.tables import SyncConflict

MAX_LIMIT = 500


async def list_conflicts(
    *, db: Database, actor: Actor, limit: int, document_id: UUID | None = None
) -> SyncConflictList:
    require_role(actor, DISPATCH_ROLES, "list sync conflicts")
    condition: Combinable = SyncConflict.tenant == actor.tenant_id
    if document_id is not None:
        condition &= SyncConflict.document_id == document_id
    async with db.snapshot():
        rows = await (
            SyncConflict.select(
                SyncConflict.id,
                SyncConflict.collection,
                SyncConflict.document_id,
                SyncConflict.actor.as_alias("actor_id"),
                SyncConflict.actor_role,
                SyncConflict.field,
                SyncConflict.client_value,
                SyncConflict.server_value,
                SyncConflict.reason,
                SyncConflict.created_at,
            )
            .where(condition)
            .order_by(SyncConflict.created_at, ascending=False)
            .limit(max(1, min(limit, MAX_LIMIT)))
        )
    for row in rows:
        for name in ("client_value", "server_value"):
            row[name] = _decoded(row[name])
    return SyncConflictList(items=[to_struct(row, SyncConflictRecord) for row in rows])


def _decoded(value: Any) -> Any:
    """A stored JSON value. SQLite gives a JSON column numeric affinity, so a bare number
    (a checklist position) comes back as a number, not as its JSON text."""
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value
