"""The change log behind pull: one row per document (its latest change), a per-tenant
sequence, and scope exits (a document leaving an engineer's scope, e.g. reassigned away)."""

from piccolo.columns import JSON, UUID, BigInt, Boolean, ForeignKey, Text, Timestamptz, Varchar
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


class SyncConflict(Table, tablename="sync_conflict"):
    """A client value a push did not take (who, which field, which value won, why)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    collection = Varchar(length=40)
    document_id = UUID()
    actor = UUID()
    actor_role = Varchar(length=20)
    field = Varchar(length=60)
    client_value = JSON(default="null")
    server_value = JSON(default="null")
    reason = Text(default="")
    created_at = Timestamptz(index=True)


TABLES: tuple[type[Table], ...] = (SyncCounter, SyncChange, SyncScopeExit, SyncConflict)
