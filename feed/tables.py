"""Feed tables: the tenant's counter (bumped once per transaction, locking its row until
commit, so sequence order is commit order) and the events, unique (tenant, seq)."""

from piccolo.columns import JSON, UUID, BigInt, ForeignKey, Timestamptz, Varchar
from piccolo.table import Table

from accounts.tables import Tenant
from workorders.tables import WorkOrder


class FeedCounter(Table, tablename="feed_counter"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, unique=True)
    value = BigInt(default=0)


class FeedEvent(Table, tablename="feed_event"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    seq = BigInt()
    kind = Varchar(length=20)
    work_order = ForeignKey(WorkOrder, null=True, default=None)
    detail = JSON(default="{}")
    at = Timestamptz()


TABLES: tuple[type[Table], ...] = (FeedCounter, FeedEvent)
