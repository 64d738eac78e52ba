"""Every SQL statement of ``push``, and the rows they answer.

Deliveries and alerts as the API shows them decode straight into their contract Structs
(``mobile_contract.push``): the statements select the contract's fields. The rest have a row
type here, named after what it is for.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from kernel.statements import Statement


class Id(msgspec.Struct, frozen=True):
    id: UUID


# The outbox -----------------------------------------------------------------------------------

INSERT_NOTIFICATIONS = Statement(
    "INSERT INTO push_notification (id, tenant, recipient, kind, subject_id, title, body, data,"
    " priority, collapse_key, expires_at, created_at, needs_ack, params) VALUES :rows"
)
INSERT_DELIVERIES = Statement(
    "INSERT INTO push_delivery (id, tenant, notification, device, provider, status, attempts,"
    " next_attempt_at, last_reason, last_response, created_at, updated_at) VALUES :rows"
)

# The relay ------------------------------------------------------------------------------------

# A lease on the due deliveries (none of a provider in ``held_off``: its circuit is open).
# ``IS NOT TRUE`` rather than ``NOT IN``: an empty ``held_off`` expands to ``(NULL)``, which
# ``NOT IN`` would turn into "matches nothing".
CLAIM = Statement(
    "UPDATE push_delivery SET claimed_until = :until, attempts = attempts + 1, updated_at = :now"
    " WHERE id IN (SELECT id FROM push_delivery WHERE status IN ('pending', 'retrying')"
    " AND next_attempt_at <= :now AND (claimed_until IS NULL OR claimed_until < :now)"
    " AND (provider IN :held_off) IS NOT TRUE"
    " ORDER BY next_attempt_at LIMIT :limit @skip_locked) RETURNING id, attempts"
)


class Claimed(msgspec.Struct, frozen=True):
    id: UUID
    attempts: int


DETAILS = Statement(
    "SELECT d.id AS delivery_id, d.device AS device_id, v.platform, v.push_token,"
    " v.apns_environment, v.app_bundle_id, v.locale, n.kind, n.title, n.body, n.data, n.params,"
    " n.priority, n.collapse_key, n.expires_at, v.enabled, d.tenant AS tenant_id, n.subject_id,"
    " u.display_name AS engineer, d.last_status_code, d.last_reason FROM push_delivery d"
    " JOIN push_notification n ON n.id = d.notification"
    " JOIN device_registry_device v ON v.id = d.device"
    " JOIN accounts_user u ON u.id = n.recipient WHERE d.id IN :ids"
)


class Details(msgspec.Struct, frozen=True):
    """A claimed delivery: what its provider needs, and what its outcome is recorded with."""

    delivery_id: UUID
    device_id: UUID
    platform: str
    push_token: str
    apns_environment: str
    app_bundle_id: str
    locale: str
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    params: dict[str, Any]
    priority: str
    collapse_key: str
    expires_at: datetime
    enabled: bool
    tenant_id: UUID
    subject_id: UUID | None
    engineer: str
    last_status_code: int | None
    last_reason: str


# Recorded only while this relay's claim stands (``attempts`` unchanged: a relay that took the
# row over after the lease has the say) and the device has not acknowledged the push.
RECORD = Statement(
    "UPDATE push_delivery SET status = :status, provider = :provider, next_attempt_at = :next_at,"
    " claimed_until = NULL, last_status_code = :code, last_reason = :reason,"
    " last_response = :response, sent_at = :sent_at, attempts = :attempts, updated_at = :now"
    " WHERE id = :id AND attempts = :claimed AND received_at IS NULL RETURNING id"
)
# The same for a whole round in one statement, the outcomes as one array per column
# (PostgreSQL only: see ``push.relay``).
RECORD_MANY = Statement(
    "UPDATE push_delivery AS d SET status = v.status, provider = v.provider,"
    " next_attempt_at = v.next_at, claimed_until = NULL, last_status_code = v.code,"
    " last_reason = v.reason, last_response = v.response, sent_at = v.sent_at,"
    " attempts = v.attempts, updated_at = :now"
    " FROM unnest(CAST(:ids AS uuid[]), CAST(:statuses AS text[]), CAST(:providers AS text[]),"
    " CAST(:next_ats AS timestamptz[]), CAST(:codes AS int[]), CAST(:reasons AS text[]),"
    " CAST(:responses AS text[]), CAST(:sent_ats AS timestamptz[]), CAST(:attempts AS int[]),"
    " CAST(:claims AS int[])) AS v(id, status, provider, next_at, code, reason, response,"
    " sent_at, attempts, claimed)"
    " WHERE d.id = v.id AND d.attempts = v.claimed AND d.received_at IS NULL RETURNING d.id"
)

# After an outage: deliveries waiting out a backoff from a provider-side failure (5xx, no
# answer, or held by the circuit) go now. A wait a Retry-After of a 429 imposed is kept.
RELEASE = Statement(
    "UPDATE push_delivery SET next_attempt_at = :now, updated_at = :now WHERE provider = :provider"
    " AND status = 'retrying' AND next_attempt_at > :now AND received_at IS NULL"
    " AND (last_status_code IS NULL OR last_status_code >= 500)"
)
WAITING = Statement(
    "SELECT tenant, count(*) AS waiting FROM push_delivery WHERE provider = :provider"
    " AND status IN ('pending', 'retrying') AND received_at IS NULL GROUP BY tenant"
)


class Waiting(msgspec.Struct, frozen=True):
    tenant: UUID
    waiting: int


# Deliveries as the API shows them (``contract.PushDelivery``) ---------------------------------

# ``everyone``: a dispatch role (else only the caller's own); ``any_subject`` and ``any_status``
# switch off their filters.
DELIVERIES = Statement(
    "SELECT d.id, d.notification AS notification_id, n.kind, n.subject_id, n.title,"
    " n.recipient AS recipient_id, v.installation AS device_id, v.platform, d.provider, d.status,"
    " d.attempts, d.last_status_code, d.last_reason, d.next_attempt_at, d.sent_at,"
    " d.received_at, d.opened_at, d.created_at, d.updated_at"
    " FROM push_delivery d JOIN push_notification n ON n.id = d.notification"
    " JOIN device_registry_device v ON v.id = d.device WHERE d.tenant = :tenant"
    " AND (:everyone OR n.recipient = :recipient)"
    " AND (:any_subject OR n.subject_id = :subject)"
    " AND (:any_status OR d.status = :status)"
    " ORDER BY d.created_at DESC, d.id LIMIT :limit"
)
DELIVERY = Statement(
    "SELECT d.id, d.notification AS notification_id, n.kind, n.subject_id, n.title,"
    " n.recipient AS recipient_id, v.installation AS device_id, v.platform, d.provider, d.status,"
    " d.attempts, d.last_status_code, d.last_reason, d.next_attempt_at, d.sent_at,"
    " d.received_at, d.opened_at, d.created_at, d.updated_at"
    " FROM push_delivery d JOIN push_notification n ON n.id = d.notification"
    " JOIN device_registry_device v ON v.id = d.device WHERE d.tenant = :tenant AND d.id = :id"
)
REPLAY = Statement(
    "UPDATE push_delivery SET status = 'pending', attempts = 0, next_attempt_at = :now,"
    " claimed_until = NULL, last_reason = :reason, updated_at = :now"
    " WHERE tenant = :tenant AND id = :id AND status IN ('dead', 'token_disabled') RETURNING id"
)

# Acknowledgements -----------------------------------------------------------------------------

# Only the device's own user acknowledges; a delivery still waiting to be (re)sent was
# evidently delivered, so it is not sent again.
ACK_DELIVERY = Statement(
    "UPDATE push_delivery SET received_at = COALESCE(received_at, :now),"
    " opened_at = CASE WHEN :opened THEN COALESCE(opened_at, :now) ELSE opened_at END,"
    " status = CASE WHEN status IN ('pending', 'retrying') THEN 'delivered' ELSE status END,"
    " sent_at = COALESCE(sent_at, :now), updated_at = :now"
    " WHERE tenant = :tenant AND id = :id AND device IN"
    ' (SELECT id FROM device_registry_device WHERE tenant = :tenant AND "user" = :user)'
    " RETURNING notification"
)


class Acked(msgspec.Struct, frozen=True):
    notification: UUID


ACK_NOTIFICATION = Statement(
    "UPDATE push_notification SET acknowledged_at = :now WHERE tenant = :tenant"
    " AND acknowledged_at IS NULL AND needs_ack AND id = :id"
)
ACK_SUBJECT = Statement(
    "UPDATE push_notification SET acknowledged_at = :now WHERE tenant = :tenant"
    " AND acknowledged_at IS NULL AND needs_ack AND subject_id = :subject"
    " AND recipient = :recipient"
)
WITHDRAW = Statement(
    "UPDATE push_notification SET withdrawn_at = :now WHERE tenant = :tenant"
    " AND subject_id = :subject AND needs_ack AND acknowledged_at IS NULL AND withdrawn_at IS NULL"
)
WITHDRAW_FROM_OTHERS = Statement(
    "UPDATE push_notification SET withdrawn_at = :now WHERE tenant = :tenant"
    " AND subject_id = :subject AND needs_ack AND acknowledged_at IS NULL AND withdrawn_at IS NULL"
    " AND recipient <> :keep"
)
UNACKNOWLEDGED = Statement(
    "UPDATE push_notification SET ack_alerted_at = :now WHERE id IN (SELECT id FROM"
    " push_notification WHERE needs_ack AND acknowledged_at IS NULL AND ack_alerted_at IS NULL"
    " AND withdrawn_at IS NULL AND created_at <= :due AND expires_at > :now"
    " ORDER BY created_at LIMIT 100 @skip_locked)"
    " RETURNING id, tenant, recipient, subject_id, title, params, created_at"
)


class Unacknowledged(msgspec.Struct, frozen=True):
    id: UUID
    tenant: UUID
    recipient: UUID
    subject_id: UUID | None
    title: str
    params: dict[str, Any]
    created_at: datetime


NAMES = Statement("SELECT id, display_name FROM accounts_user WHERE id IN :ids")


class Name(msgspec.Struct, frozen=True):
    id: UUID
    display_name: str


DELIVERIES_OF = Statement(
    "SELECT d.notification, d.status, d.last_reason, v.platform FROM push_delivery d"
    " JOIN device_registry_device v ON v.id = d.device WHERE d.notification IN :ids"
)


class DeliveryState(msgspec.Struct, frozen=True):
    notification: UUID
    status: str
    last_reason: str
    platform: str


# On-call alerts -------------------------------------------------------------------------------

INSERT_ALERT = Statement(
    "INSERT INTO push_alert (id, tenant, kind, delivery, subject_id, message, details, status,"
    " attempts, next_attempt_at, last_error, created_at) VALUES (:id, :tenant, :kind, :delivery,"
    " :subject, :message, :details, 'pending', 0, :now, '', :now)"
)
CLAIM_ALERTS = Statement(
    "UPDATE push_alert SET next_attempt_at = :until WHERE id IN"
    " (SELECT id FROM push_alert WHERE status = 'pending' AND next_attempt_at <= :now"
    " ORDER BY next_attempt_at LIMIT :limit @skip_locked)"
    " RETURNING id, tenant, kind, delivery, subject_id, message, details, attempts, created_at,"
    " delivered_to, last_error"
)


class ClaimedAlert(msgspec.Struct, frozen=True):
    id: UUID
    tenant: UUID
    kind: str
    delivery: UUID | None
    subject_id: UUID | None
    message: str
    details: dict[str, Any]
    attempts: int
    created_at: datetime
    delivered_to: list[str]
    last_error: str


RECORD_ALERT = Statement(
    "UPDATE push_alert SET status = :status, attempts = :attempts, next_attempt_at = :next_at,"
    " last_error = :error, sent_at = :sent_at, delivered_to = :delivered WHERE id = :id"
)
TENANTS = Statement("SELECT id, name, locale FROM accounts_tenant WHERE id IN :ids")


class Tenant(msgspec.Struct, frozen=True):
    id: UUID
    name: str
    locale: str | None


# ``contract.PushAlert`` rows, newest first.
ALERTS = Statement(
    "SELECT id, kind, message, subject_id, delivery AS delivery_id, status, attempts,"
    " last_error, created_at, sent_at FROM push_alert WHERE tenant = :tenant"
    " ORDER BY created_at DESC, id LIMIT :limit"
)

# Metrics --------------------------------------------------------------------------------------

OUTCOMES = Statement(
    "SELECT provider, status, COUNT(*) AS count FROM push_delivery"
    " WHERE tenant = :tenant AND created_at >= :since GROUP BY provider, status"
)
QUEUE = Statement(
    "SELECT COUNT(*) AS depth, MIN(created_at) AS oldest FROM push_delivery"
    " WHERE tenant = :tenant AND status IN ('pending', 'retrying')"
)


class Queue(msgspec.Struct, frozen=True):
    depth: int
    oldest: datetime | None


ACKNOWLEDGED = Statement(
    "SELECT COUNT(*) AS count FROM push_delivery"
    " WHERE tenant = :tenant AND created_at >= :since AND received_at IS NOT NULL"
)
ALERT_KINDS = Statement(
    "SELECT kind, COUNT(*) AS count FROM push_alert"
    " WHERE tenant = :tenant AND created_at >= :since GROUP BY kind"
)
ALERTS_PENDING = Statement(
    "SELECT COUNT(*) AS count FROM push_alert WHERE tenant = :tenant AND status = 'pending'"
)


class Count(msgspec.Struct, frozen=True):
    count: int


class KindCount(msgspec.Struct, frozen=True):
    kind: str
    count: int
