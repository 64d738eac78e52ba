"""Every SQL statement of ``chat``, and the typed rows they answer (``kernel.statements``).

Besides its own tables, a query reads what the card shows and nothing else: the tenant's
language, the work order by its number, and the latest message of its conversation (one row,
newest first, where the messaging service pages oldest first).
"""

# ruff: noqa: S608 - the select list is a constant joined at import; values are bound

from datetime import datetime
from uuid import UUID

import msgspec

from kernel.statements import Statement


class ChannelRow(msgspec.Struct, kw_only=True, frozen=True):
    id: UUID
    tenant: UUID
    name: str
    style: str
    sealed_secret: str
    enabled: bool
    created_at: datetime
    secret_rotated_at: datetime
    disabled_at: datetime | None


class Id(msgspec.Struct, frozen=True):
    id: UUID


_CHANNEL_COLUMNS = (
    "id, tenant, name, style, sealed_secret, enabled, created_at, secret_rotated_at, disabled_at"
)

INSERT_CHANNEL = Statement(
    "INSERT INTO chat_channel (id, tenant, name, style, sealed_secret, enabled, created_by,"
    " created_at, secret_rotated_at, disabled_at) VALUES (:id, :tenant, :name, :style,"
    " :sealed_secret, TRUE, :created_by, :now, :now, NULL)"
)
CHANNELS = Statement(
    "SELECT " + _CHANNEL_COLUMNS + " FROM chat_channel WHERE tenant = :tenant"
    " ORDER BY created_at, id"
)
CHANNEL = Statement(
    "SELECT " + _CHANNEL_COLUMNS + " FROM chat_channel WHERE tenant = :tenant AND id = :id"
)
# The webhook knows the channel by its id alone (in its address); the row says its tenant.
CHANNEL_BY_ID = Statement("SELECT " + _CHANNEL_COLUMNS + " FROM chat_channel WHERE id = :id")
ROTATE_SECRET = Statement(
    "UPDATE chat_channel SET sealed_secret = :sealed_secret, secret_rotated_at = :now"
    " WHERE tenant = :tenant AND id = :id"
)
DISABLE = Statement(
    "UPDATE chat_channel SET enabled = FALSE, disabled_at = :now"
    " WHERE tenant = :tenant AND id = :id AND enabled"
)
# A channel's queries take turns (SQLite runs one writer at a time anyway), so processes
# counting its queries at once cannot all pass its limits.
HOLD_CHANNEL = Statement(
    "SELECT id FROM chat_channel WHERE tenant = :tenant AND id = :id AND enabled @for_update"
)

# Nonces: unique per channel (migration); kept only while their timestamp can be in the window.
CLAIM_NONCE = Statement(
    "INSERT INTO chat_nonce (id, tenant, channel, nonce, seen_at)"
    " VALUES (:id, :tenant, :channel, :nonce, :now) ON CONFLICT DO NOTHING RETURNING id"
)
PURGE_NONCES = Statement(
    "DELETE FROM chat_nonce WHERE tenant = :tenant AND channel = :channel AND seen_at < :cutoff"
)


class Counted(msgspec.Struct, frozen=True):
    n: int
    first_at: datetime | None


# The queries let through since :since (refused ones are recorded, not counted), and the
# first of them: the limit frees a place when it leaves the window.
SENDER_QUERIES = Statement(
    "SELECT COUNT(*) AS n, MIN(at) AS first_at FROM chat_query WHERE tenant = :tenant"
    " AND channel = :channel AND sender_hash = :sender AND at > :since"
    " AND outcome <> 'rate_limited'"
)
CHANNEL_QUERIES = Statement(
    "SELECT COUNT(*) AS n, MIN(at) AS first_at FROM chat_query WHERE tenant = :tenant"
    " AND channel = :channel AND at > :since AND outcome <> 'rate_limited'"
)
RECORD_QUERY = Statement(
    "INSERT INTO chat_query (id, tenant, channel, sender_hash, asked, work_order, outcome, at)"
    " VALUES (:id, :tenant, :channel, :sender_hash, :asked, :work_order, :outcome, :now)"
)


class Locale(msgspec.Struct, frozen=True):
    locale: str


TENANT_LOCALE = Statement("SELECT locale FROM accounts_tenant WHERE id = :tenant")


class Numbered(msgspec.Struct, frozen=True):
    id: UUID
    customer: UUID | None
    status: str


WORK_ORDER_BY_NUMBER = Statement(
    "SELECT id, customer, status FROM workorders_work_order"
    " WHERE tenant = :tenant AND number = :number"
)
