"""The notification outbox: a notification per recipient, a delivery per target device.

Both are written in the transaction of the change that causes them, so a committed change
always has its deliveries and a rolled-back one never does. The relay claims due deliveries,
sends them and records the outcome; nothing leaves this table except as delivered, logged,
or dead with the provider's last answer.
"""

from piccolo.columns import JSON, UUID, Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from accounts.tables import Tenant, User
from device_registry.tables import Device


class Notification(Table, tablename="push_notification"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    recipient = ForeignKey(User, null=False, index=True)
    kind = Varchar(length=40)  # assignment, escalation, milestone ...
    subject_id = UUID(null=True, default=None, index=True)  # e.g. the work order
    title = Varchar(length=200)
    body = Text(default="")
    data = JSON(default="{}")  # the app's routing data (ids, not content)
    params = JSON(default="{}")  # the values of the kind's text, rendered per device language
    priority = Varchar(length=10, default="high")  # urgent, high (wake the device) or normal
    collapse_key = Varchar(length=64, default="")
    expires_at = Timestamptz()
    created_at = Timestamptz()
    # A P0 assignment must be acknowledged (a device's "received"/"opened", or the engineer
    # acting on it) within the relay's ack timeout, or on-call is alerted (once).
    needs_ack = Boolean(default=False)
    acknowledged_at = Timestamptz(null=True, default=None)
    ack_alerted_at = Timestamptz(null=True, default=None)
    # The subject no longer concerns the recipient (reassigned away, cancelled): no ack is due.
    withdrawn_at = Timestamptz(null=True, default=None)


class Delivery(Table, tablename="push_delivery"):
    """One notification to one device; (notification, device) is unique (the idempotency key),
    and ``id`` is sent as the APNs ``apns-id``, so a resend after a crash is recognisable."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    notification = ForeignKey(Notification, null=False)
    device = ForeignKey(Device, null=False, index=True)
    provider = Varchar(length=10)  # apns, fcm, log
    status = Varchar(length=20)  # pending, retrying, delivered, logged, dead, token_disabled
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    claimed_until = Timestamptz(null=True, default=None)  # a relay holds it until then
    last_status_code = Integer(null=True, default=None)
    last_reason = Varchar(length=200, default="")
    last_response = Text(default="")
    sent_at = Timestamptz(null=True, default=None)
    received_at = Timestamptz(null=True, default=None)  # acknowledged by the device
    opened_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Alert(Table, tablename="push_alert"):
    """A message to the on-call channel (webhooks, or the log): a dead letter, a provider
    refusing our credentials, an unacknowledged P0. Sent by its own sender, never as a push."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    kind = Varchar(length=40)  # dead_letter, ...
    delivery = ForeignKey(Delivery, null=True, default=None)
    subject_id = UUID(null=True, default=None)
    message = Text()
    details = JSON(default="{}")
    status = Varchar(length=10, default="pending")  # pending, sent, failed (retries exhausted)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    delivered_to = JSON(default="[]")  # the channels that took it (a retry skips them)
    last_error = Text(default="")
    created_at = Timestamptz()
    sent_at = Timestamptz(null=True, default=None)


TABLES: tuple[type[Table], ...] = (Notification, Delivery, Alert)
