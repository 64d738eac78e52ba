"""Recording changes for pull. Called inside the write transaction of every use case that
changes a synced document (API writes and sync pushes alike), so the log never misses a write.

Changes accumulate in the transaction and are written just before it commits: one bump of the
tenant's sequence for all of them, one upsert of their log rows. On PostgreSQL the bump locks
the tenant's counter row until commit, so sequence order is commit order (a puller that has seen
``seq = n`` has seen every change numbered below ``n``), and taking it last keeps the tenant's
writers waiting on each other only for the commit itself.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import partial
from uuid import UUID, uuid4

from kernel import sql
from kernel.db import after_commit, pending_until_commit
from sync.notifier import NOTIFIER
from sync.tables import SyncChange, SyncCounter, SyncScopeExit

WORK_ORDERS = "work_orders"
NOTES = "work_order_notes"
CHECKLIST_ITEMS = "checklist_items"
SITES = "sites"
ASSETS = "assets"
EVIDENCE = "evidence"

_BUMP = (
    "INSERT INTO sync_counter (id, tenant, value) VALUES ({}, {}, {}) "
    "ON CONFLICT (tenant) DO UPDATE SET value = sync_counter.value + {} RETURNING value"
)
_CHANGE_INSERT = (
    "INSERT INTO sync_change (id, tenant, collection, document_id, seq, deleted, owner, changed_at)"
)
_CHANGE_CONFLICT = (
    "ON CONFLICT (tenant, collection, document_id) DO UPDATE SET seq = excluded.seq, "
    "deleted = excluded.deleted, owner = excluded.owner, changed_at = excluded.changed_at"
)
_EXIT_INSERT = 'INSERT INTO sync_scope_exit (id, tenant, collection, document_id, "user", seq)'
_EXIT_CONFLICT = (
    'ON CONFLICT (tenant, collection, document_id, "user") DO UPDATE SET seq = excluded.seq'
)


@dataclass(slots=True)
class _Change:
    owner: UUID | None
    previous_owner: UUID | None
    deleted: bool
    at: datetime


Pending = dict[tuple[UUID, str, UUID], _Change]


async def record(
    *,
    tenant_id: UUID,
    collection: str,
    document_id: UUID,
    now: datetime,
    owner: UUID | None = None,
    previous_owner: UUID | None = None,
    deleted: bool = False,
) -> None:
    """Log that a document changed. ``owner`` is the engineer whose scope it is in; when it
    moves away from ``previous_owner``, that engineer's next pull gets a tombstone for it."""
    pending = pending_until_commit("sync.changelog", dict, _flush)
    key = (tenant_id, collection, document_id)
    earlier = pending.get(key) if pending is not None else None
    change = _Change(owner, earlier.previous_owner if earlier else previous_owner, deleted, now)
    if pending is None:
        await _flush({key: change})
    else:
        pending[key] = change


async def _flush(pending: Pending) -> None:
    tenants = {tenant for tenant, _, _ in pending}
    for tenant in sorted(tenants):
        changes = [(key, change) for key, change in pending.items() if key[0] == tenant]
        rows = await sql.fetch(SyncCounter, _BUMP, uuid4(), tenant, len(changes), len(changes))
        first = int(rows[0]["value"]) - len(changes) + 1
        change_rows: list[list[object]] = []
        exit_rows: list[list[object]] = []
        for offset, ((_, collection, document_id), change) in enumerate(changes):
            seq = first + offset
            change_rows.append(
                [
                    uuid4(),
                    tenant,
                    collection,
                    document_id,
                    seq,
                    change.deleted,
                    change.owner,
                    change.at,
                ]
            )
            if change.previous_owner is not None and change.previous_owner != change.owner:
                exit_rows.append(
                    [uuid4(), tenant, collection, document_id, change.previous_owner, seq]
                )
        await sql.insert_rows(SyncChange, _CHANGE_INSERT, change_rows, _CHANGE_CONFLICT)
        await sql.insert_rows(SyncScopeExit, _EXIT_INSERT, exit_rows, _EXIT_CONFLICT)
        after_commit(partial(NOTIFIER.notify, tenant))
