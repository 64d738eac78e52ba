"""Every SQL statement of ``device_registry``, and the rows they answer."""

from datetime import datetime
from uuid import UUID

import msgspec

from kernel.statements import Statement
from mobile_contract import iot
from mobile_contract.enums import ApnsEnvironment, Platform

# Answers decode into ``mobile_contract.devices.Device``; the token is selected under the
# suffix's name and cut to its suffix before it leaves the package.
DEVICE = Statement(
    'SELECT installation AS id, "user" AS user_id, platform, push_token AS push_token_suffix,'
    " apns_environment, app_bundle_id, app_version, locale, time_zone, enabled,"
    " disabled_reason, token_registered_at, last_seen_at, created_at, updated_at"
    " FROM device_registry_device"
    ' WHERE tenant = :tenant AND installation = :installation AND "user" = :user'
)
DEVICES_OF_USER = Statement(
    'SELECT installation AS id, "user" AS user_id, platform, push_token AS push_token_suffix,'
    " apns_environment, app_bundle_id, app_version, locale, time_zone, enabled,"
    " disabled_reason, token_registered_at, last_seen_at, created_at, updated_at"
    ' FROM device_registry_device WHERE tenant = :tenant AND "user" = :user ORDER BY created_at'
)
STORED = Statement(
    'SELECT installation, "user" AS user_id, push_token, enabled, disabled_reason,'
    " token_registered_at FROM device_registry_device"
    " WHERE tenant = :tenant AND installation = :installation"
)
USER_ACTIVE = Statement("SELECT is_active FROM accounts_user WHERE id = :user")
INSERT_DEVICE = Statement(
    'INSERT INTO device_registry_device (id, tenant, installation, "user", platform,'
    " push_token, apns_environment, app_bundle_id, app_version, locale, time_zone, enabled,"
    " disabled_reason, token_registered_at, last_seen_at, created_at, updated_at) VALUES (:id,"
    " :tenant, :installation, :user, :platform, :push_token, :apns_environment, :app_bundle_id,"
    " :app_version, :locale, :time_zone, :enabled, '', :now, :now, :now, :now)"
)
UPDATE_DEVICE = Statement(
    'UPDATE device_registry_device SET "user" = :user, platform = :platform,'
    " push_token = :push_token, apns_environment = :apns_environment,"
    " app_bundle_id = :app_bundle_id, app_version = :app_version, locale = :locale,"
    " time_zone = :time_zone, enabled = :enabled, disabled_reason = '',"
    " token_registered_at = :registered_at, last_seen_at = :now, updated_at = :now"
    " WHERE tenant = :tenant AND installation = :installation"
)
# A push token addresses one installation: the tenant's other rows holding it stop.
DISABLE_TOKEN_ELSEWHERE = Statement(
    "UPDATE device_registry_device SET enabled = :disabled, disabled_reason = :reason,"
    " updated_at = :now WHERE tenant = :tenant AND push_token = :push_token"
    " AND installation <> :installation AND enabled = :enabled"
)
UNREGISTER = Statement(
    "UPDATE device_registry_device SET enabled = :disabled, disabled_reason = :reason,"
    " updated_at = :now WHERE tenant = :tenant AND installation = :installation"
)
PUSH_TARGETS = Statement(
    'SELECT id, "user" AS user_id, platform, push_token, apns_environment, app_bundle_id,'
    " locale, time_zone, token_registered_at FROM device_registry_device"
    ' WHERE tenant = :tenant AND enabled = :enabled AND "user" IN :users'
)
DISABLE = Statement(
    "UPDATE device_registry_device SET enabled = :disabled, disabled_reason = :reason,"
    " updated_at = :now WHERE id = :id AND enabled = :enabled RETURNING id"
)
DISABLE_UNLESS_REGISTERED_AFTER = Statement(
    "UPDATE device_registry_device SET enabled = :disabled, disabled_reason = :reason,"
    " updated_at = :now WHERE id = :id AND enabled = :enabled"
    " AND token_registered_at <= :verdict_at RETURNING id"
)


class Stored(msgspec.Struct):
    installation: UUID
    user_id: UUID
    push_token: str
    enabled: bool
    disabled_reason: str
    token_registered_at: datetime


class Active(msgspec.Struct):
    is_active: bool


class Disabled(msgspec.Struct):
    id: UUID


class PushTarget(msgspec.Struct, frozen=True):
    """An enabled device a notification goes to (``id`` is the row's, not the installation's)."""

    id: UUID
    user_id: UUID
    platform: Platform
    push_token: str
    apns_environment: ApnsEnvironment
    app_bundle_id: str
    locale: str
    time_zone: str
    token_registered_at: datetime


# Terminals -------------------------------------------------------------------------------


class TerminalRow(iot.Terminal, kw_only=True):
    """The stored terminal: what admins see, plus its tenant and sealed secret."""

    tenant_id: UUID
    secret: str = ""


class Credentials(msgspec.Struct, kw_only=True):
    """What checking a terminal's signature needs of it, and what its caller carries."""

    id: UUID
    tenant_id: UUID
    tenant_slug: str
    asset_id: UUID
    site_id: UUID
    device_code: str
    status: iot.TerminalStatus
    secret: str
    previous_secret: str
    previous_secret_valid_until: datetime | None
    last_seen_at: datetime | None


_PUBLIC_FIELDS = tuple(field.name for field in msgspec.structs.fields(iot.Terminal))
_TERMINAL_SELECT = (
    "SELECT id, asset AS asset_id, device_code, model, firmware, status, thresholds,"
    " config_version, secret_rotated_at, previous_secret_valid_until, last_seen_at,"
    " last_heartbeat, revoked_at, created_at, tenant AS tenant_id, secret"
    " FROM device_registry_terminal"
)
TERMINAL = Statement(_TERMINAL_SELECT + " WHERE tenant = :tenant AND id = :id")
TERMINALS = Statement(_TERMINAL_SELECT + " WHERE tenant = :tenant ORDER BY device_code")
# By id alone: authentication, before the tenant is known (ids are random UUIDs).
CREDENTIALS = Statement(
    "SELECT t.id, t.tenant AS tenant_id, n.slug AS tenant_slug, t.asset AS asset_id,"
    " a.site AS site_id, t.device_code, t.status, t.secret, t.previous_secret,"
    " t.previous_secret_valid_until, t.last_seen_at"
    " FROM device_registry_terminal t JOIN directory_asset a ON a.id = t.asset"
    " JOIN accounts_tenant n ON n.id = t.tenant WHERE t.id = :id"
)
INSERT_TERMINAL = Statement(
    "INSERT INTO device_registry_terminal (id, tenant, asset, device_code, model, firmware,"
    " status, secret, previous_secret, previous_secret_valid_until, secret_rotated_at,"
    " thresholds, config_version, last_seen_at, last_heartbeat, revoked_at, created_at,"
    " updated_at) VALUES (:id, :tenant, :asset, :device_code, :model, :firmware, :status,"
    " :secret, '', NULL, :now, :thresholds, 1, NULL, '{}', NULL, :now, :now)"
    " ON CONFLICT DO NOTHING RETURNING id"
)
ROTATE_SECRET = Statement(
    "UPDATE device_registry_terminal SET secret = :secret, previous_secret = :previous,"
    " previous_secret_valid_until = :valid_until, secret_rotated_at = :now, updated_at = :now"
    " WHERE tenant = :tenant AND id = :id"
)
REVOKE_TERMINAL = Statement(
    "UPDATE device_registry_terminal SET status = :status, secret = '', previous_secret = '',"
    " previous_secret_valid_until = NULL, revoked_at = :now, updated_at = :now"
    " WHERE tenant = :tenant AND id = :id"
)
UPDATE_TERMINAL = Statement(
    "UPDATE device_registry_terminal SET thresholds = :thresholds, model = :model,"
    " firmware = :firmware, config_version = :config_version, updated_at = :now"
    " WHERE tenant = :tenant AND id = :id"
)
HEARTBEAT = Statement(
    "UPDATE device_registry_terminal SET last_seen_at = :now, last_heartbeat = :heartbeat,"
    " firmware = :firmware, updated_at = :now WHERE tenant = :tenant AND id = :id"
)
# Last seen moves at most once a minute on other requests: not a write per alarm.
SEEN = Statement(
    "UPDATE device_registry_terminal SET last_seen_at = :now WHERE id = :id"
    " AND (last_seen_at IS NULL OR last_seen_at < :stale)"
)
CLAIM_NONCE = Statement(
    "INSERT INTO device_registry_terminal_nonce (id, tenant, terminal, nonce, seen_at)"
    " VALUES (:id, :tenant, :terminal, :nonce, :now) ON CONFLICT DO NOTHING RETURNING id"
)
PURGE_NONCES = Statement("DELETE FROM device_registry_terminal_nonce WHERE seen_at < :cutoff")


class Claimed(msgspec.Struct):
    id: UUID


def public(row: TerminalRow) -> iot.Terminal:
    return iot.Terminal(**{name: getattr(row, name) for name in _PUBLIC_FIELDS})
