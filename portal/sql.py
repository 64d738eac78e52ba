"""Every SQL statement of ``portal``, and the typed rows they answer (``kernel.statements``)."""

from datetime import datetime
from uuid import UUID

import msgspec

from kernel.statements import Statement


class LinkRow(msgspec.Struct, kw_only=True, frozen=True):
    """A portal link as stored (its token only as the SHA-256)."""

    id: UUID
    tenant: UUID
    work_order: UUID
    token_hash: str
    contact_name: str
    contact_phone: str
    created_by: UUID | None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class TokenHolder(msgspec.Struct, frozen=True):
    id: UUID
    tenant: UUID
    work_order: UUID
    expires_at: datetime
    revoked_at: datetime | None
    contact_name: str


class Id(msgspec.Struct, frozen=True):
    id: UUID


TOKEN_HOLDER = Statement(
    "SELECT id, tenant, work_order, expires_at, revoked_at, contact_name FROM portal_link"
    " WHERE token_hash = :token_hash"
)
INSERT_LINK = Statement(
    "INSERT INTO portal_link (id, tenant, work_order, token_hash, contact_name, contact_phone,"
    " created_by, created_at, expires_at, revoked_at) VALUES (:id, :tenant, :work_order,"
    " :token_hash, :contact_name, :contact_phone, :created_by, :created_at, :expires_at,"
    " :revoked_at)"
)
WORK_ORDER_LINKS = Statement(
    "SELECT id, tenant, work_order, token_hash, contact_name, contact_phone, created_by,"
    " created_at, expires_at, revoked_at FROM portal_link"
    " WHERE tenant = :tenant AND work_order = :work_order ORDER BY created_at DESC"
)
LINK = Statement(
    "SELECT id, tenant, work_order, token_hash, contact_name, contact_phone, created_by,"
    " created_at, expires_at, revoked_at FROM portal_link WHERE tenant = :tenant AND id = :id"
)
REVOKE = Statement(
    "UPDATE portal_link SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL RETURNING id"
)
# A link's declarations take turns (SQLite runs one writer at a time anyway), so parallel
# requests cannot all pass its quota.
HOLD_LINK = Statement("SELECT id FROM portal_link WHERE id = :id @for_update")


# Visits: one row per link and UTC day (unique index), counting the page views.
COUNT_VISIT = Statement(
    "INSERT INTO portal_visit (id, tenant, link, work_order, day, views, first_at, last_at)"
    " VALUES (:id, :tenant, :link, :work_order, :day, 1, :now, :now)"
    " ON CONFLICT (link, day) DO UPDATE SET views = portal_visit.views + 1, last_at = :now"
)


class LinkVisits(msgspec.Struct, frozen=True):
    link: UUID
    views: int
    first_at: datetime
    last_at: datetime


LINK_VISITS = Statement(
    "SELECT link, SUM(views) AS views, MIN(first_at) AS first_at, MAX(last_at) AS last_at"
    " FROM portal_visit WHERE tenant = :tenant AND work_order = :work_order GROUP BY link"
)


class VisitCounts(msgspec.Struct, frozen=True):
    sent: int
    visited: int


# The work orders opened in [start, end) whose customer was sent a link, and how many of them
# had it opened at least once.
VISIT_RATE = Statement(
    "SELECT COUNT(DISTINCT l.work_order) AS sent, COUNT(DISTINCT v.work_order) AS visited"
    " FROM portal_link l JOIN workorders_work_order w ON w.id = l.work_order"
    " LEFT JOIN portal_visit v ON v.link = l.id"
    " WHERE l.tenant = :tenant AND w.tenant = :tenant"
    " AND w.created_at >= :start AND w.created_at < :end"
)


# What the page shows beside the work order: the company, and the engineer handling it.
class Company(msgspec.Struct, frozen=True):
    name: str
    locale: str


COMPANY = Statement("SELECT name, locale FROM accounts_tenant WHERE id = :tenant")


class Handler(msgspec.Struct, frozen=True):
    display_name: str
    phone: str


HANDLER = Statement(
    "SELECT display_name, phone FROM accounts_user WHERE tenant = :tenant AND id = :id"
)
