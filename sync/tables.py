"""The change log behind pull: one row per document (its latest change), a per-tenant
sequence, and scope exits (a document leaving an engineer's scope, e.g. reassigned away)."""

from piccolo.columns import UUID, BigInt, Boolean, ForeignKey, Timestamptz, Varchar
from piccolo.table import Table

from accounts.tables import Tenant


class SyncCounter(Table, tablename="sync_counter"):
    """The tenant's sequence. Bumping it locks this row until commit, so sequence order is
    commit order within a tenant and a pull never skips a change that commits late."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, unique=True)
    value = BigInt(default=0)


class SyncChange(Table, tablename="sync_change"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False)
    collection = Varchar(length=40)
    document_id = UUID()
    seq = BigInt()
    deleted = Boolean(default=False)
    owner = UUID(null=True, default=None)  # the engineer whose device holds it (assignee)
    changed_at = Timestamptz()


class SyncScopeExit(Table, tablename="sync_scope_exit"):
    """``user`` must drop the document from their device (a tombstone for them alone)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False)
    collection = Varchar(length=40)
    document_id = UUID()
    user = UUID()
    seq = BigInt()


TABLES: tuple[type[Table], ...] = (SyncCounter, SyncChange, SyncScopeExit)
