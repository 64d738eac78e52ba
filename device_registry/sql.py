"""Every SQL statement of ``device_registry``, and the rows they answer."""

from datetime import datetime
from uuid import UUID

import msgspec

from kernel.statements import Statement
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
