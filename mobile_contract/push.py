"""Push deliveries as dispatchers, supervisors and apps see them."""

from datetime import datetime
from uuid import UUID

import msgspec

from mobile_contract.enums import DeliveryStatus, Platform


class PushDelivery(msgspec.Struct, kw_only=True):
    id: UUID  # also the APNs apns-id of every attempt
    notification_id: UUID
    kind: str
    subject_id: UUID | None = None
    title: str
    recipient_id: UUID
    device_id: UUID  # the app installation's id
    platform: Platform
    provider: str  # apns, fcm, or log (no provider configured)
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None = None
    last_reason: str = ""
    next_attempt_at: datetime
    sent_at: datetime | None = None
    received_at: datetime | None = None
    opened_at: datetime | None = None
    created_at: datetime
    updated_at: datetime


class PushDeliveryList(msgspec.Struct, kw_only=True):
    items: list[PushDelivery]
