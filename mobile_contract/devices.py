"""Engineers' mobile devices: what the push relay needs to reach each app installation."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.enums import ApnsEnvironment, Platform
from mobile_contract.types import ShortText, TimeZone

# APNs tokens are 64 hex characters today (Apple may lengthen them); FCM tokens ~160 characters.
PushToken = Annotated[str, Meta(min_length=8, max_length=4096, pattern=r"^[A-Za-z0-9_:.-]+$(?!\n)")]
Locale = Annotated[
    str, Meta(min_length=2, max_length=35, pattern=r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]+)*$(?!\n)")
]
BundleId = Annotated[str, Meta(max_length=155, pattern=r"^[A-Za-z0-9.-]*$(?!\n)")]


class DeviceRegistration(msgspec.Struct, kw_only=True):
    """``POST /api/v1/devices``: registers the app installation under its own stable ``id``, or
    rotates its token and refreshes its details when it exists (safe to repeat)."""

    id: UUID
    platform: Platform
    push_token: PushToken
    apns_environment: ApnsEnvironment = ApnsEnvironment.PRODUCTION
    app_bundle_id: BundleId = ""  # the APNs topic; required for iOS
    app_version: ShortText = ""
    locale: Locale = "en"
    time_zone: TimeZone = "UTC"


class Device(msgspec.Struct, kw_only=True):
    """A registered installation. Its push token is never returned (only its last characters,
    to tell tokens apart): it addresses the phone."""

    id: UUID
    user_id: UUID
    platform: Platform
    push_token_suffix: str
    apns_environment: ApnsEnvironment
    app_bundle_id: str
    app_version: str
    locale: str
    time_zone: str
    enabled: bool
    disabled_reason: str = ""  # unregistered, token rejected by the provider, token moved
    token_registered_at: datetime
    last_seen_at: datetime
    created_at: datetime
    updated_at: datetime


class DeviceList(msgspec.Struct, kw_only=True):
    items: list[Device]
