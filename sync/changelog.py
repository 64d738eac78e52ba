"""Recording changes for pull. Called inside the write transaction of every use case that
changes a synced document (API writes and sync pushes alike), so the log never misses a write.

Each call takes the next value of the tenant's sequence. On PostgreSQL the counter row stays
locked until commit, so a later sequence number can never become visible before an earlier one:
a puller that has seen ``seq = n`` has seen every change numbered below ``n``.
"""

from datetime import datetime
from uuid import UUID, uuid4

from kernel.db import after_commit
from sync.notifier import NOTIFIER
from sync.tables import SyncChange, SyncCounter, SyncScopeExit

WORK_ORDERS = "work_orders"
NOTES = "work_order_notes"
CHECKLIST_ITEMS = "checklist_items"
SITES = "sites"
ASSETS = "assets"

_NEXT_SEQ = (
    "INSERT INTO sync_counter (id, tenant, value) VALUES ({}, {}, 1) "
    "ON CONFLICT (tenant) DO UPDATE SET value = sync_counter.value + 1 "
    "RETURNING value"
)
_UPSERT_CHANGE = (
    "INSERT INTO sync_change (id, tenant, collection, document_id, seq, deleted, owner, "
    "changed_at) VALUES ({}, {}, {}, {}, {}, {}, {}, {}) "
    "ON CONFLICT (tenant, collection, document_id) DO UPDATE SET seq = excluded.seq, "
    "deleted = excluded.deleted, owner = excluded.owner, changed_at = excluded.changed_at"
)
_UPSERT_EXIT = (
    'INSERT INTO sync_scope_exit (id, tenant, collection, document_id, "user", seq) '
    "VALUES ({}, {}, {}, {}, {}, {}) "
    'ON CONFLICT (tenant, collection, document_id, "user") DO UPDATE SET seq = excluded.seq'
)


async def next_seq(tenant_id: UUID) -> int:
    rows = await SyncCounter.raw(_NEXT_SEQ, uuid4(), tenant_id)
    return int(rows[0]["value"])


async def record(
    *,
    tenant_id: UUID,
    collection: str,
    document_id: UUID,
    now: datetime,
    owner: UUID | None = None,
    previous_owner: UUID | None = None,
    deleted: bool = False,
) -> int:
    """Log that a document changed. ``owner`` is the engineer whose scope it is in; when it
    moves away from ``previous_owner``, that engineer's next pull gets a tombstone for it."""
    seq = await next_seq(tenant_id)
    after_commit(lambda: NOTIFIER.notify(tenant_id))
    await SyncChange.raw(
        _UPSERT_CHANGE, uuid4(), tenant_id, collection, document_id, seq, deleted, owner, now
    )
    if previous_owner is not None and previous_owner != owner:
        await SyncScopeExit.raw(
            _UPSERT_EXIT, uuid4(), tenant_id, collection, document_id, previous_owner, seq
        )
    return seq


async def current_owner(tenant_id: UUID, collection: str, document_id: UUID) -> UUID | None:
    row = await (
        SyncChange.select(SyncChange.owner)
        .where(
            (SyncChange.tenant == tenant_id)
            & (SyncChange.collection == collection)
            & (SyncChange.document_id == document_id)
        )
        .first()
    )
    return None if row is None else row["owner"]


async def record_new(
    *, tenant_id: UUID, collection: str, documents: list[tuple[UUID, UUID | None]], now: datetime
) -> None:
    """Log many new documents (``(id, owner)`` pairs) with one counter bump and one insert:
    a push of 20 offline notes is one round trip, not 60."""
    if not documents:
        return
    count = len(documents)
    rows = await SyncCounter.raw(
        "INSERT INTO sync_counter (id, tenant, value) VALUES ({}, {}, {}) "
        "ON CONFLICT (tenant) DO UPDATE SET value = sync_counter.value + {} RETURNING value",
        uuid4(),
        tenant_id,
        count,
        count,
    )
    first = int(rows[0]["value"]) - count + 1
    after_commit(lambda: NOTIFIER.notify(tenant_id))
    values = ", ".join("({}, {}, {}, {}, {}, {}, {}, {})" for _ in documents)
    arguments: list[object] = []
    for offset, (document_id, owner) in enumerate(documents):
        arguments += [
            uuid4(),
            tenant_id,
            collection,
            document_id,
            first + offset,
            False,
            owner,
            now,
        ]
    sql = (  # placeholders only; every value is bound
        "INSERT INTO sync_change (id, tenant, collection, document_id, seq, deleted, owner, "  # noqa: S608
        f"changed_at) VALUES {values} "
        "ON CONFLICT (tenant, collection, document_id) DO UPDATE SET seq = excluded.seq, "
        "deleted = excluded.deleted, owner = excluded.owner, changed_at = excluded.changed_at"
    )
    await SyncChange.raw(sql, *arguments)
