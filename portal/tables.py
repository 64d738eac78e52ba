"""Portal links. Only the token's SHA-256 is stored: a leaked database opens no portal."""

from piccolo.columns import UUID, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from accounts.tables import Tenant, User
from workorders.tables import WorkOrder


class PortalLink(Table, tablename="portal_link"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = ForeignKey(WorkOrder, null=False, index=True)
    token_hash = Varchar(length=64, unique=True)
    contact_name = Varchar(length=200, default="")
    contact_phone = Varchar(length=40, default="")
    created_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz()
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)


class PortalVisit(Table, tablename="portal_visit"):
    """A customer opened the portal page through a link: one row per link and UTC day, counting
    the views. The health scorecard's portal visit rate is the share of work orders whose
    customer opened their link at least once; nothing about the visitor is kept."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    link = ForeignKey(PortalLink, null=False)
    work_order = ForeignKey(WorkOrder, null=False, index=True)
    day = Varchar(length=10)  # YYYY-MM-DD (UTC)
    views = Integer(default=1)
    first_at = Timestamptz()
    last_at = Timestamptz()


TABLES: tuple[type[Table], ...] = (PortalLink, PortalVisit)
