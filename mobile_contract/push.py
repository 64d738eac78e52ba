"""Push deliveries as dispatchers, supervisors and apps see them."""

from datetime import datetime
from uuid import UUID

import msgspec

from mobile_contract.enums import AckEvent, DeliveryStatus, Platform


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
    """A message to the on-call channel (a dead letter, a provider refusing the server's
    credentials, a P0 assignment nobody acknowledged), and whether it got there."""

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


class PushAck(msgspec.Struct, kw_only=True):
    """The app acknowledges a push: ``delivery_id`` comes in the push's data."""

    event: AckEvent


class PushOutcomeCount(msgspec.Struct, kw_only=True):
    provider: str  # apns, fcm, log
    status: DeliveryStatus
    count: int


class PushMetrics(msgspec.Struct, kw_only=True):
    """The tenant's push health; ``availability`` feeds the health scorecard's notification
    availability (target 99.95%)."""

    window_hours: int
    generated_at: datetime
    outcomes: list[PushOutcomeCount]  # deliveries created in the window
    queue_depth: int  # pending or retrying now
    oldest_pending_age_seconds: float | None = None
    dead_letters: int  # dead or token_disabled, created in the window
    # delivered / (delivered + dead) through APNs and FCM in the window; null without any
    availability: float | None = None
    acknowledged: int  # deliveries in the window a device acknowledged
    alerts: dict[str, int]  # on-call alerts in the window, by kind
    alerts_pending: int  # alerts not yet taken by every channel
