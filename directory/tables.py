"""Directory tables: customers, sites, assets (all tenant-owned)."""

from piccolo.columns import (
    JSON,
    UUID,
    DoublePrecision,
    ForeignKey,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from accounts.tables import Tenant
from mobile_contract.enums import CustomerTier, SiteKind


class Customer(Table, tablename="directory_customer"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    name = Varchar(length=200)
    tier = Varchar(length=20, choices=CustomerTier)
    contacts = JSON(default="[]")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Site(Table, tablename="directory_site"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    customer = ForeignKey(Customer, null=True, default=None, index=True)
    name = Varchar(length=200)
    kind = Varchar(length=20, choices=SiteKind)
    address = Text(default="")
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    timezone = Varchar(length=64, default="UTC")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Asset(Table, tablename="directory_asset"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    site = ForeignKey(Site, null=False, index=True)
    device_code = Varchar(length=64)
    name = Varchar(length=200, default="")
    model = Varchar(length=200, default="")
    family = Varchar(length=200, default="")
    production_line = Varchar(length=200, default="")
    system_module = Varchar(length=200, default="")
    serial_number = Varchar(length=200, default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


TABLES: tuple[type[Table], ...] = (Customer, Site, Asset)
