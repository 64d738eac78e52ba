"""Mobile app installations of users (engineers mostly), keyed by the installation's own id,
and IoT terminals, keyed by the id the server gave them."""

from piccolo.columns import JSON, UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from accounts.tables import Tenant, User
from directory.tables import Asset
from mobile_contract.enums import ApnsEnvironment, Platform
from mobile_contract.iot import TerminalStatus


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


class Terminal(Table, tablename="device_registry_terminal"):
    """An IoT terminal watching one asset. Its secret signs its requests, so the server needs
    it back: it is stored encrypted (``device_registry/secrets.py``), never hashed, and never
    shown after the answer that created it. ``device_code`` is unique per tenant (migration)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    asset = ForeignKey(Asset, null=False, index=True)
    device_code = Varchar(length=64)
    model = Varchar(length=200, default="")
    firmware = Varchar(length=200, default="")
    status = Varchar(length=10, choices=TerminalStatus)
    secret = Text(default="")  # "" once revoked
    previous_secret = Text(default="")  # valid until previous_secret_valid_until
    previous_secret_valid_until = Timestamptz(null=True, default=None)
    secret_rotated_at = Timestamptz()
    thresholds = JSON(default="{}")
    config_version = Integer(default=1)
    last_seen_at = Timestamptz(null=True, default=None)
    last_heartbeat = JSON(default="{}")
    revoked_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class TerminalNonce(Table, tablename="device_registry_terminal_nonce"):
    """Nonces of signed requests still inside the timestamp window: a second use is a replay.
    Unique per terminal (migration); rows older than the window are purged."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False)
    terminal = ForeignKey(Terminal, null=False)
    nonce = Varchar(length=64)
    seen_at = Timestamptz(index=True)


TABLES: tuple[type[Table], ...] = (Device, Terminal, TerminalNonce)
