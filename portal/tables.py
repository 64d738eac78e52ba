"""Portal links. Only the token's SHA-256 is stored: a leaked database opens no portal."""

from piccolo.columns import UUID, ForeignKey, OnDelete, Timestamptz, Varchar
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


TABLES: tuple[type[Table], ...] = (PortalLink,)
