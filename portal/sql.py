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


class Id(msgspec.Struct, frozen=True):
    id: UUID


TOKEN_HOLDER = Statement(
    "SELECT id, tenant, work_order, expires_at, revoked_at FROM portal_link"
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
