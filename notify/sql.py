"""Every SQL statement of ``notify``, and the rows they answer."""

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from kernel.statements import Statement
from mobile_contract.notify import ChannelKind, Milestone, RobotKind, TemplateLocale


class Id(msgspec.Struct, frozen=True):
    id: UUID


# Milestones and the outbox (the reaction, in the work order's transaction) ---------------------

# Once per work order: a later arrival at the milestone inserts nothing and answers no row.
INSERT_MILESTONE = Statement(
    "INSERT INTO notify_milestone (id, tenant, work_order, milestone, status, reached_at)"
    " VALUES (:id, :tenant, :work_order, :milestone, :status, :now)"
    " ON CONFLICT (tenant, work_order, milestone) DO NOTHING RETURNING id"
)
CUSTOMER = Statement(
    "SELECT c.name, c.contacts, t.locale AS tenant_locale FROM directory_customer c"
    " JOIN accounts_tenant t ON t.id = c.tenant WHERE c.tenant = :tenant AND c.id = :id"
)


class Customer(msgspec.Struct, frozen=True):
    name: str
    contacts: list[dict[str, Any]]  # read leniently: a stored contact never fails a write
    tenant_locale: str | None


ENABLED_KINDS = Statement("SELECT kind FROM notify_channel WHERE tenant = :tenant AND enabled")


class Kind(msgspec.Struct, frozen=True):
    kind: str


ENABLED_ROBOTS = Statement(
    "SELECT id, kind FROM notify_customer_robot"
    " WHERE tenant = :tenant AND customer = :customer AND enabled"
)


class RobotRef(msgspec.Struct, frozen=True):
    id: UUID
    kind: str


INSERT_MESSAGES = Statement(
    "INSERT INTO notify_message (id, tenant, work_order, milestone, kind, rank, channel,"
    " recipient, contact_name, address, robot, locale, status, attempts, next_attempt_at,"
    " expires_at, created_at, updated_at) VALUES :rows"
)

# The relay ------------------------------------------------------------------------------------

# A lease on the due messages. A recipient gets a work order's milestones in order on each
# channel: a message waits while an earlier milestone's message to the same recipient and
# channel is still to be sent.
CLAIM = Statement(
    "UPDATE notify_message SET claimed_until = :until, attempts = attempts + 1, updated_at = :now"
    " WHERE id IN (SELECT m.id FROM notify_message m WHERE m.status IN ('pending', 'retrying')"
    " AND m.next_attempt_at <= :now AND (m.claimed_until IS NULL OR m.claimed_until < :now)"
    " AND NOT EXISTS (SELECT 1 FROM notify_message e WHERE e.tenant = m.tenant"
    " AND e.work_order = m.work_order AND e.recipient = m.recipient AND e.channel = m.channel"
    " AND e.rank < m.rank AND e.status IN ('pending', 'retrying'))"
    " ORDER BY m.next_attempt_at LIMIT :limit @skip_locked)"
    " RETURNING id, attempts, tenant, work_order, recipient, contact_name, channel, address"
)


class Claimed(msgspec.Struct, frozen=True):
    id: UUID
    attempts: int
    tenant: UUID
    work_order: UUID
    recipient: str
    contact_name: str
    channel: str
    address: str


LINK = Statement(
    "SELECT l.id, l.portal_link, l.sealed_token,"
    " (SELECT p.expires_at FROM portal_link p WHERE p.id = l.portal_link) AS expires_at,"
    " (SELECT p.revoked_at FROM portal_link p WHERE p.id = l.portal_link) AS revoked_at"
    " FROM notify_link l WHERE l.tenant = :tenant AND l.work_order = :work_order"
    " AND l.recipient = :recipient @for_update"
)


class Link(msgspec.Struct, frozen=True):
    id: UUID
    portal_link: UUID | None
    sealed_token: str
    expires_at: datetime | None
    revoked_at: datetime | None


# A recipient's row first (the unique index settles a race), its portal link after.
INSERT_LINK = Statement(
    "INSERT INTO notify_link (id, tenant, work_order, recipient, portal_link, sealed_token,"
    " updated_at) VALUES (:id, :tenant, :work_order, :recipient, NULL, '', :now)"
    " ON CONFLICT (tenant, work_order, recipient) DO NOTHING RETURNING id"
)
SET_LINK = Statement(
    "UPDATE notify_link SET portal_link = :portal_link, sealed_token = :sealed, updated_at = :now"
    " WHERE id = :id"
)
DETAILS = Statement(
    "SELECT m.id, m.tenant, m.work_order, m.kind AS milestone, m.channel, m.recipient,"
    " m.contact_name, m.address, m.robot, m.locale, m.expires_at, m.last_status_code,"
    " m.last_reason, ms.status, w.number, w.title, u.display_name AS handler_name,"
    " u.phone AS handler_phone, s.timezone, t.name AS company, l.id AS link_id, l.sealed_token"
    " FROM notify_message m JOIN notify_milestone ms ON ms.id = m.milestone"
    " JOIN workorders_work_order w ON w.id = m.work_order"
    " JOIN accounts_tenant t ON t.id = m.tenant"
    " LEFT JOIN accounts_user u ON u.id = w.assignee"
    " LEFT JOIN directory_site s ON s.id = w.site"
    " LEFT JOIN notify_link l ON l.tenant = m.tenant AND l.work_order = m.work_order"
    " AND l.recipient = m.recipient WHERE m.id IN :ids"
)


class Details(msgspec.Struct, frozen=True):
    """A claimed message with what its text is made of (as things are now)."""

    id: UUID
    tenant: UUID
    work_order: UUID
    milestone: str
    channel: str
    recipient: str
    contact_name: str
    address: str
    robot: UUID | None
    locale: str
    expires_at: datetime
    last_status_code: int | None
    last_reason: str
    status: str  # the work order's when the milestone was reached
    number: str
    title: str
    handler_name: str | None
    handler_phone: str | None
    timezone: str | None
    company: str
    link_id: UUID | None
    sealed_token: str | None


CHANNELS_OF = Statement(
    "SELECT tenant, kind, enabled, endpoint, sealed_secret, options FROM notify_channel"
    " WHERE tenant IN :tenants"
)


class ChannelRow(msgspec.Struct, frozen=True):
    tenant: UUID
    kind: str
    enabled: bool
    endpoint: str
    sealed_secret: str
    options: dict[str, Any]


ROBOTS = Statement(
    "SELECT id, tenant, customer, kind, enabled, sealed_webhook, sealed_secret"
    " FROM notify_customer_robot WHERE id IN :ids"
)


class RobotRow(msgspec.Struct, frozen=True):
    id: UUID
    tenant: UUID
    customer: UUID
    kind: str
    enabled: bool
    sealed_webhook: str
    sealed_secret: str


TEXTS_OF = Statement(
    "SELECT tenant, milestone, locale, text FROM notify_template WHERE tenant IN :tenants"
)


class TextRow(msgspec.Struct, frozen=True):
    tenant: UUID
    milestone: str
    locale: str
    text: str


# Recorded only while this relay's claim stands (a relay that took the row over after the
# lease has the say).
RECORD = Statement(
    "UPDATE notify_message SET status = :status, next_attempt_at = :next_at,"
    " claimed_until = NULL, last_status_code = :code, last_reason = :reason,"
    " last_response = :response, sent_at = :sent_at, attempts = :attempts, updated_at = :now"
    " WHERE id = :id AND attempts = :claimed RETURNING id"
)
# A channel answering again: its messages waiting out a backoff from its outage go now (a
# wait a 429's Retry-After imposed is kept).
RELEASE = Statement(
    "UPDATE notify_message SET next_attempt_at = :now, updated_at = :now WHERE tenant = :tenant"
    " AND channel = :channel AND status = 'retrying' AND next_attempt_at > :now"
    " AND (last_status_code IS NULL OR last_status_code >= 500)"
)
WAITING = Statement(
    "SELECT count(*) AS count FROM notify_message WHERE tenant = :tenant AND channel = :channel"
    " AND status IN ('pending', 'retrying')"
)


class Count(msgspec.Struct, frozen=True):
    count: int


# Channels, robots and texts (admins) ----------------------------------------------------------

CHANNELS = Statement(
    "SELECT id, kind, enabled, endpoint, sealed_secret, options, updated_at FROM notify_channel"
    " WHERE tenant = :tenant"
)
CHANNEL = Statement(
    "SELECT id, kind, enabled, endpoint, sealed_secret, options, updated_at FROM notify_channel"
    " WHERE tenant = :tenant AND kind = :kind @for_update"
)


class ChannelShown(msgspec.Struct, frozen=True):
    id: UUID
    kind: ChannelKind
    enabled: bool
    endpoint: str
    sealed_secret: str
    options: dict[str, Any]
    updated_at: datetime


SAVE_CHANNEL = Statement(
    "INSERT INTO notify_channel (id, tenant, kind, enabled, endpoint, sealed_secret, options,"
    " updated_by, updated_at) VALUES (:id, :tenant, :kind, :enabled, :endpoint, :sealed,"
    " :options, :user, :now) ON CONFLICT (tenant, kind) DO UPDATE SET enabled = excluded.enabled,"
    " endpoint = excluded.endpoint, sealed_secret = excluded.sealed_secret,"
    " options = excluded.options, updated_by = excluded.updated_by,"
    " updated_at = excluded.updated_at RETURNING id"
)
CUSTOMER_EXISTS = Statement("SELECT id FROM directory_customer WHERE tenant = :tenant AND id = :id")
ROBOTS_OF = Statement(
    "SELECT id, customer AS customer_id, kind, enabled, webhook_host, sealed_secret, updated_at"
    " FROM notify_customer_robot WHERE tenant = :tenant AND customer = :customer ORDER BY kind"
)


class RobotShown(msgspec.Struct, frozen=True):
    id: UUID
    customer_id: UUID
    kind: RobotKind
    enabled: bool
    webhook_host: str
    sealed_secret: str
    updated_at: datetime


ROBOT = Statement(
    "SELECT sealed_webhook, webhook_host, sealed_secret FROM notify_customer_robot"
    " WHERE tenant = :tenant AND customer = :customer AND kind = :kind @for_update"
)


class RobotSecrets(msgspec.Struct, frozen=True):
    sealed_webhook: str
    webhook_host: str
    sealed_secret: str


SAVE_ROBOT = Statement(
    "INSERT INTO notify_customer_robot (id, tenant, customer, kind, enabled, sealed_webhook,"
    " webhook_host, sealed_secret, updated_by, updated_at) VALUES (:id, :tenant, :customer,"
    " :kind, :enabled, :webhook, :host, :secret, :user, :now)"
    " ON CONFLICT (tenant, customer, kind) DO UPDATE SET enabled = excluded.enabled,"
    " sealed_webhook = excluded.sealed_webhook, webhook_host = excluded.webhook_host,"
    " sealed_secret = excluded.sealed_secret, updated_by = excluded.updated_by,"
    " updated_at = excluded.updated_at RETURNING id"
)
TEXTS = Statement(
    "SELECT id, milestone, locale, text, updated_at FROM notify_template WHERE tenant = :tenant"
)


class TextShown(msgspec.Struct, frozen=True):
    id: UUID
    milestone: Milestone
    locale: TemplateLocale
    text: str
    updated_at: datetime


SAVE_TEXT = Statement(
    "INSERT INTO notify_template (id, tenant, milestone, locale, text, updated_by, updated_at)"
    " VALUES (:id, :tenant, :milestone, :locale, :text, :user, :now)"
    " ON CONFLICT (tenant, milestone, locale) DO UPDATE SET text = excluded.text,"
    " updated_by = excluded.updated_by, updated_at = excluded.updated_at RETURNING id"
)
DROP_TEXT = Statement(
    "DELETE FROM notify_template WHERE tenant = :tenant AND milestone = :milestone"
    " AND locale = :locale"
)

# What a work order sent (staff) ---------------------------------------------------------------

MILESTONES_OF = Statement(
    "SELECT ms.milestone, ms.reached_at,"
    " (SELECT count(*) FROM notify_message m WHERE m.milestone = ms.id) AS messages"
    " FROM notify_milestone ms WHERE ms.tenant = :tenant AND ms.work_order = :work_order"
)
MESSAGES_OF = Statement(
    "SELECT id, kind AS milestone, channel, contact_name AS recipient, address, status,"
    " attempts, last_status_code, last_reason AS last_error, created_at,"
    " next_attempt_at, sent_at FROM notify_message"
    " WHERE tenant = :tenant AND work_order = :work_order ORDER BY rank, created_at, id"
)
