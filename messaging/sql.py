"""Every SQL statement of ``messaging``, and the typed rows they answer (``kernel.statements``)."""

# ruff: noqa: S608 - the select list is joined from declared names at import; values are bound

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

import msgspec

from kernel.statements import Statement

# Fields of a message (contract and sync document) whose column is named otherwise.
MESSAGE_COLUMNS: Mapping[str, str] = {
    "id": "client_id",
    "work_order_id": "work_order",
    "author_id": "author_user",
    "attachment_ids": "attachments",
    "read_by_id": "read_by_user",
}


class MessageRow(msgspec.Struct, kw_only=True, frozen=True):
    """A message as stored, its id the client's (``client_id``)."""

    id: UUID
    work_order_id: UUID
    seq: int
    author_side: str
    author_id: UUID | None
    author_link: UUID | None
    author_name: str
    body: str
    attachment_ids: list[UUID]
    created_at: datetime
    device_time: datetime | None
    read_at: datetime | None
    read_by_id: UUID | None
    read_by_link: UUID | None
    read_by_name: str


_SELECT = (
    "SELECT "
    + ", ".join(
        "m." + MESSAGE_COLUMNS.get(f.name, f.name) + " AS " + f.name
        for f in msgspec.structs.fields(MessageRow)
        if f.name != "read_by_name"
    )
    + ", COALESCE(r.display_name, '') AS read_by_name"
    " FROM messaging_message AS m LEFT JOIN accounts_user AS r ON r.id = m.read_by_user"
)

# The conversation after ``after``, oldest first.
PAGE = Statement(
    _SELECT + " WHERE m.tenant = :tenant AND m.work_order = :work_order AND m.seq > :after"
    " ORDER BY m.seq LIMIT :limit"
)
# The conversation's last message (the chat card's "latest").
LATEST = Statement(
    _SELECT + " WHERE m.tenant = :tenant AND m.work_order = :work_order ORDER BY m.seq DESC LIMIT 1"
)
# One message by its (client's) id, on whichever work order it is.
MESSAGE = Statement(_SELECT + " WHERE m.tenant = :tenant AND m.client_id = :id")


class Held(msgspec.Struct, frozen=True):
    """The work order as its messages need it, read under its row lock."""

    status: str
    assignee: UUID | None
    team: UUID | None
    customer: UUID | None
    number: str
    title: str


# A work order's messages are written one at a time, each numbered after the last: the row is
# held until commit (SQLite runs one writer at a time anyway). So a link's messages are also
# counted one post at a time (its rate limit), in whichever process it posts.
HOLD_WORK_ORDER = Statement(
    "SELECT status, assignee, team, customer, number, title FROM workorders_work_order"
    " WHERE tenant = :tenant AND id = :id @for_update"
)


class Seq(msgspec.Struct, frozen=True):
    seq: int


LAST_SEQ = Statement(
    "SELECT seq FROM messaging_message WHERE tenant = :tenant AND work_order = :work_order"
    " ORDER BY seq DESC LIMIT 1"
)
SEQ_ON = Statement(
    "SELECT seq FROM messaging_message WHERE tenant = :tenant AND work_order = :work_order"
    " AND client_id = :id"
)


class Id(msgspec.Struct, frozen=True):
    id: UUID


INSERT_MESSAGE = Statement(
    "INSERT INTO messaging_message (id, client_id, tenant, work_order, seq, author_side,"
    " author_user, author_link, author_name, body, attachments, created_at, device_time)"
    " VALUES (:id, :client_id, :tenant, :work_order, :seq, :author_side, :author_user,"
    " :author_link, :author_name, :body, :attachments, :created_at, :device_time)"
    " ON CONFLICT (tenant, client_id) DO NOTHING RETURNING client_id AS id"
)
# The other side's messages numbered ``first`` to ``last`` that nobody read yet: read now.
MARK_READ = Statement(
    "UPDATE messaging_message SET read_at = :read_at, read_by_user = :user, read_by_link = :link"
    " WHERE tenant = :tenant AND work_order = :work_order AND author_side = :side"
    " AND seq >= :first AND seq <= :last AND read_at IS NULL RETURNING client_id AS id"
)


class Count(msgspec.Struct, frozen=True):
    n: int


UNREAD = Statement(
    "SELECT COUNT(*) AS n FROM messaging_message WHERE tenant = :tenant"
    " AND work_order = :work_order AND author_side = :side AND read_at IS NULL"
)


class Sent(msgspec.Struct, frozen=True):
    created_at: datetime


# A portal link's latest messages within the rate limit's window (newest first).
RECENT_FROM_LINK = Statement(
    "SELECT created_at FROM messaging_message WHERE tenant = :tenant AND author_link = :link"
    " AND created_at > :since ORDER BY created_at DESC LIMIT :limit"
)

# Who hears of a customer's message besides the assigned engineer: the dispatch roles of the
# work order's team, else the tenant's dispatchers.
TEAM_DISPATCH = Statement(
    'SELECT u.id FROM accounts_user u JOIN accounts_team_member m ON m."user" = u.id'
    " WHERE u.tenant = :tenant AND m.tenant = :tenant AND m.team = :team AND u.role IN :roles"
    " AND u.is_active = :active ORDER BY u.id"
)
DISPATCHERS = Statement(
    "SELECT id FROM accounts_user WHERE tenant = :tenant AND role = :role"
    " AND is_active = :active ORDER BY id"
)
