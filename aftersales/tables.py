"""After-sales tables. A tree is saved whole, one row per version, never changed: an advice
names the version that gave it. Unique (tenant, version) is added by a migration."""

from piccolo.columns import JSON, UUID, ForeignKey, Integer, OnDelete, Timestamptz
from piccolo.table import Table

from accounts.tables import Tenant, User


class Tree(Table, tablename="aftersales_tree"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    version = Integer()
    tree = JSON(default="{}")
    saved_at = Timestamptz()
    # A person removed later leaves the versions they saved (the history stays whole).
    saved_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)


TABLES: tuple[type[Table], ...] = (Tree,)
