"""Conflict records: every merge that overrode a client value, listable by dispatchers."""

from typing import Any
from uuid import UUID

import msgspec

from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database
from mobile_contract.sync import SyncConflictList, SyncConflictRecord
from sync import sql

MAX_LIMIT = 500


async def list_conflicts(
    *, db: Database, actor: Actor, limit: int, document_id: UUID | None = None
) -> SyncConflictList:
    require_role(actor, DISPATCH_ROLES, "list sync conflicts")
    limit = max(1, min(limit, MAX_LIMIT))
    if document_id is None:
        rows = await db.fetch(sql.CONFLICTS, sql.ConflictRow, tenant=actor.tenant_id, limit=limit)
    else:
        rows = await db.fetch(
            sql.CONFLICTS_OF,
            sql.ConflictRow,
            tenant=actor.tenant_id,
            document_id=document_id,
            limit=limit,
        )
    return SyncConflictList(
        items=[
            SyncConflictRecord(
                id=row.id,
                collection=row.collection,
                document_id=row.document_id,
                actor_id=row.actor_id,
                actor_role=row.actor_role,
                field=row.field,
                client_value=_decoded(row.client_value),
                server_value=_decoded(row.server_value),
                reason=row.reason,
                created_at=row.created_at,
            )
            for row in rows
        ]
    )


def _decoded(value: Any) -> Any:
    """A stored JSON value. SQLite gives a JSON column numeric affinity, so a bare number
    (a checklist position) comes back as a number, not as its JSON text."""
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value
