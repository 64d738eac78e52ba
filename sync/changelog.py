"""Recording changes for pull. Runs inside the write transaction of every use case that
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

from kernel.changes import Synced
from kernel.db import Transaction
from sync import sql
from sync.notifier import NOTIFIER


@dataclass(slots=True)
class _Change:
    owner: UUID | None
    previous_owner: UUID | None
    deleted: bool
    at: datetime


Pending = dict[tuple[UUID, str, UUID], _Change]


async def record(
    tx: Transaction,
    *,
    tenant_id: UUID,
    collection: Synced | str,
    document_id: UUID,
    now: datetime,
    owner: UUID | None = None,
    previous_owner: UUID | None = None,
    deleted: bool = False,
) -> None:
    """Log that a document changed. ``owner`` is the engineer whose scope it is in; when it
    moves away from ``previous_owner``, that engineer's next pull gets a tombstone for it."""
    pending = tx.pending_until_commit("sync.changelog", dict, partial(_flush, tx))
    key = (tenant_id, str(collection), document_id)
    earlier = pending.get(key)
    previous = earlier.previous_owner if earlier else previous_owner
    pending[key] = _Change(owner, previous, deleted, now)


async def _flush(tx: Transaction, pending: Pending) -> None:
    tenants = {tenant for tenant, _, _ in pending}
    for tenant in sorted(tenants):
        changes = [(key, change) for key, change in pending.items() if key[0] == tenant]
        (bumped,) = await tx.fetch(
            sql.BUMP, sql.Value, id=uuid4(), tenant=tenant, count=len(changes)
        )
        first = bumped.value - len(changes) + 1
        change_rows: list[tuple[object, ...]] = []
        exit_rows: list[tuple[object, ...]] = []
        for offset, ((_, collection, document_id), change) in enumerate(changes):
            seq = first + offset
            change_rows.append(
                (
                    uuid4(),
                    tenant,
                    collection,
                    document_id,
                    seq,
                    change.deleted,
                    change.owner,
                    change.at,
                )
            )
            if change.previous_owner is not None and change.previous_owner != change.owner:
                exit_rows.append(
                    (uuid4(), tenant, collection, document_id, change.previous_owner, seq)
                )
        await tx.execute(sql.RECORD_CHANGES, rows=change_rows)
        if exit_rows:
            await tx.execute(sql.RECORD_EXITS, rows=exit_rows)
        tx.after_commit(partial(NOTIFIER.notify, tenant))
