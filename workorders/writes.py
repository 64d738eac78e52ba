"""Writing the work-order row, shared by edits and transitions: a compare-and-set on its
version, and the announcement that a synced document changed."""

from datetime import datetime
from uuid import UUID

import msgspec

from kernel.changes import DocumentChanged, Synced
from kernel.context import Author
from kernel.db import Transaction
from kernel.errors import VersionConflict
from kernel.rows import json_text
from mobile_contract.sla import SlaClock
from workorders import sql
from workorders.events import WorkOrderWritten
from workorders.sql import WorkOrderRow

_MUTABLE = tuple(field.name for field in sql.MUTABLE_FIELDS)


async def write(
    tx: Transaction, actor: Author, row: WorkOrderRow, after: WorkOrderRow, now: datetime
) -> WorkOrderRow:
    """Store ``after`` (``row`` with its changes) with a compare-and-set on ``row``'s version,
    so concurrent writers never overwrite each other; answers the row as it is now."""
    stored = msgspec.structs.replace(after, version=row.version + 1, updated_at=now)
    updated = await tx.fetch(
        sql.UPDATE_WORK_ORDER,
        sql.Id,
        tenant=actor.tenant_id,
        id=row.id,
        expected=row.version,
        **sql.work_order_params(stored, _MUTABLE),
    )
    if not updated:
        current = await tx.fetch_one(sql.VERSION, sql.Version, tenant=actor.tenant_id, id=row.id)
        raise VersionConflict("work order", row.version, current.version if current else 0)
    return await announce_write(tx, actor.tenant_id, row, stored, now)


async def announce_write(
    tx: Transaction,
    tenant_id: UUID,
    before: WorkOrderRow | None,
    after: WorkOrderRow,
    now: datetime,
) -> WorkOrderRow:
    """Tell the packages above (the SLA clocks) that the row was written; answers the row
    with the clocks' summary as they left it."""
    event = WorkOrderWritten(tenant_id=tenant_id, before=before, after=after, now=now)
    await tx.publish(event)
    return after if event.sla is None else msgspec.structs.replace(after, sla=event.sla)


async def store_sla(
    tx: Transaction, tenant_id: UUID, work_order_id: UUID, clocks: list[SlaClock]
) -> None:
    """The clocks' summary on the work order (written by ``sla`` alone: no version bump, it
    is no edit; the sync change log follows the write that moved the clocks)."""
    await tx.execute(sql.SET_SLA, tenant=tenant_id, id=work_order_id, sla=json_text(clocks))


def check_version(row: WorkOrderRow, expected: int | None) -> None:
    if expected is not None and expected != row.version:
        raise VersionConflict("work order", expected, row.version)


async def log_change(
    tx: Transaction,
    *,
    actor: Author,
    row: WorkOrderRow,
    now: datetime,
    previous_assignee: UUID | None = None,
) -> None:
    """Announce that the work order changed; its owner on devices is its assignee (sync
    moves the rows that travel with it when that changes)."""
    await tx.publish(
        DocumentChanged(
            tenant_id=actor.tenant_id,
            collection=Synced.WORK_ORDERS,
            document_id=row.id,
            now=now,
            owner=row.assignee_id,
            previous_owner=previous_assignee,
        )
    )
