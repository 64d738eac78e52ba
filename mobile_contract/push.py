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


class PushAlert(msgspec.Struct, kw_only=True):
    """A message to the on-call channel (a dead letter, ...), and whether it got there."""

    id: UUID
    kind: str
    message: str
    subject_id: UUID | None = None
    delivery_id: UUID | None = None
    status: str  # pending (retrying), sent, failed (every channel refused it, repeatedly)
    attempts: int
    last_error: str = ""
    created_at: datetime
    sent_at: datetime | None = None


class PushAlertList(msgspec.Struct, kw_only=True):
    items: list[PushAlert]
