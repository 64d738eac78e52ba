"""Mobile app installations of users (engineers mostly), keyed by the installation's own id."""

from piccolo.columns import UUID, Boolean, ForeignKey, Text, Timestamptz, Varchar
from piccolo.table import Table

from accounts.tables import Tenant, User
from mobile_contract.enums import ApnsEnvironment, Platform


class Device(Table, tablename="device_registry_device"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    # Chosen by the app installation, stable across token rotation; unique within the tenant
    # (migration), so another tenant's ids never collide with, or reveal, this one's.
    installation = UUID()
    user = ForeignKey(User, null=False, index=True)
    platform = Varchar(length=10, choices=Platform)
    push_token = Text(index=True)
    apns_environment = Varchar(length=12, choices=ApnsEnvironment)
    app_bundle_id = Varchar(length=155, default="")
    app_version = Varchar(length=200, default="")
    locale = Varchar(length=35, default="en")
    time_zone = Varchar(length=64, default="UTC")
    enabled = Boolean(default=True)
    disabled_reason = Varchar(length=200, default="")
    # When the current token was registered: APNs answers 410 with the time it learned the
    # token was dead; a token registered after that is alive again and stays enabled.
    token_registered_at = Timestamptz()
    last_seen_at = Timestamptz()
    created_at = Timestamptz()
    updated_at = Timestamptz()


TABLES: tuple[type[Table], ...] = (Device,)
