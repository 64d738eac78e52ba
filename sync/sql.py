"""Every SQL statement of the sync package. The per-collection statements (a pull's page, a
push's load) are built once, at import, from the collection declarations
(``sync/collections.py``): fixed texts, values always bound."""

# ruff: noqa: S608 - statement texts are joined from declared names at import; values are bound

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from kernel.statements import Statement
from sync.collections import COLLECTIONS, Collection

BUMP = Statement(
    "INSERT INTO sync_counter (id, tenant, value) VALUES (:id, :tenant, :count) "
    "ON CONFLICT (tenant) DO UPDATE SET value = sync_counter.value + :count RETURNING value"
)
CURRENT_SEQ = Statement("SELECT value FROM sync_counter WHERE tenant = :tenant")
RECORD_CHANGES = Statement(
    "INSERT INTO sync_change (id, tenant, collection, document_id, seq, deleted, owner,"
    " changed_at) VALUES :rows "
    "ON CONFLICT (tenant, collection, document_id) DO UPDATE SET seq = excluded.seq, "
    "deleted = excluded.deleted, owner = excluded.owner, changed_at = excluded.changed_at"
)
RECORD_EXITS = Statement(
    'INSERT INTO sync_scope_exit (id, tenant, collection, document_id, "user", seq) VALUES :rows '
    'ON CONFLICT (tenant, collection, document_id, "user") DO UPDATE SET seq = excluded.seq'
)
INSERT_CONFLICTS = Statement(
    "INSERT INTO sync_conflict (id, tenant, collection, document_id, actor, actor_role, field,"
    " client_value, server_value, reason, created_at) VALUES :rows"
)
CONFLICTS = Statement(
    "SELECT id, collection, document_id, actor AS actor_id, actor_role, field, client_value,"
    " server_value, reason, created_at FROM sync_conflict WHERE tenant = :tenant"
    " ORDER BY created_at DESC LIMIT :limit"
)
CONFLICTS_OF = Statement(
    "SELECT id, collection, document_id, actor AS actor_id, actor_role, field, client_value,"
    " server_value, reason, created_at FROM sync_conflict"
    " WHERE tenant = :tenant AND document_id = :document_id ORDER BY created_at DESC LIMIT :limit"
)

# What travels with a work order to its engineer's devices (sync/reactions.py), by the column
# holding each one's document id (device-made rows: the tenant's client_id).
NOTES_OF = Statement(
    "SELECT client_id AS id FROM workorders_note"
    " WHERE tenant = :tenant AND work_order = :work_order"
)
CHECKLIST_ITEMS_OF = Statement(
    "SELECT client_id AS id FROM workorders_checklist_item"
    " WHERE tenant = :tenant AND work_order = :work_order"
)
EVIDENCE_OF = Statement(
    "SELECT id FROM media_evidence WHERE tenant = :tenant AND work_order = :work_order"
)
MESSAGES_OF = Statement(
    "SELECT client_id AS id FROM messaging_message"
    " WHERE tenant = :tenant AND work_order = :work_order"
)
REFERENCES_OF = Statement(
    "SELECT site, asset FROM workorders_work_order WHERE tenant = :tenant AND id = :id"
)


# A pull's page: the caller's change feed joined to the collection's table, one query.
_ALL = (
    "SELECT seq, document_id, deleted FROM sync_change "
    "WHERE tenant = :tenant AND collection = :collection AND seq > :after ORDER BY seq LIMIT :limit"
)
# A document that left the engineer and came back is in the feed once, as the live document:
# counted twice, a page would come back short, which a client takes for "caught up". Each side
# of the union reads at most a page along its own (owner, seq) index: the page of the union is
# within their pages, where a union of everything sorted afterwards read the engineer's whole
# feed for every page (the first pages of an initial sync).
_OWNED = (
    "SELECT seq, document_id, deleted FROM ("
    "SELECT seq, document_id, deleted FROM ("
    "SELECT seq, document_id, deleted FROM sync_change "
    "WHERE tenant = :tenant AND collection = :collection AND owner = :user AND seq > :after "
    "ORDER BY seq LIMIT :limit) AS changed "
    "UNION ALL "
    "SELECT seq, document_id, deleted FROM ("
    "SELECT e.seq, e.document_id, TRUE AS deleted FROM sync_scope_exit AS e "
    'WHERE e.tenant = :tenant AND e.collection = :collection AND e."user" = :user '
    "AND e.seq > :after "
    "AND NOT EXISTS (SELECT 1 FROM sync_change AS c WHERE c.tenant = e.tenant "
    'AND c.collection = e.collection AND c.document_id = e.document_id AND c.owner = e."user") '
    "ORDER BY e.seq LIMIT :limit) AS exited"
    ") AS owned ORDER BY seq LIMIT :limit"
)


def _referenced(column: str) -> str:
    return (
        "SELECT seq, document_id, deleted FROM sync_change "
        "WHERE tenant = :tenant AND collection = :collection AND seq > :after "
        "AND document_id IN (SELECT " + column + " FROM workorders_work_order "
        "WHERE tenant = :tenant AND assignee = :user) ORDER BY seq LIMIT :limit"
    )


def _page(collection: Collection, feed: str) -> Statement:
    return Statement(
        "SELECT feed.seq AS feed_seq, feed.document_id AS feed_document, "
        "feed.deleted AS feed_deleted, " + collection.select_list("d") + " FROM (" + feed + ") "
        "AS feed LEFT JOIN " + collection.table + " AS d ON d." + collection.key + " = "
        "feed.document_id AND d.tenant = :tenant ORDER BY feed.seq"
    )


def _engineer_feed(collection: Collection) -> str:
    if collection.engineer_scope == "owner":
        return _OWNED
    return _referenced(collection.referenced_by)


# An engineer's first sync of a "families" collection comes in two parts, both bounded by the
# sequence the first pull saw: the documents of the engineer's asset families, then all of
# them (``sync/pull.py``; the engineer's families may change between two pulls, and a document
# sent twice is harmless where one never sent is lost). A document changed meanwhile is past
# the bound and comes after both.
_BOUNDED = (
    "SELECT seq, document_id, deleted FROM sync_change "
    "WHERE tenant = :tenant AND collection = :collection AND seq > :after AND seq <= :bound"
)
_FAMILIES = [c for c in COLLECTIONS.values() if c.engineer_scope == "families"]
PAGE_FAMILIES_FIRST: Mapping[str, Statement] = {
    c.name: _page(
        c,
        _BOUNDED + " AND document_id IN (SELECT article FROM knowledge_article_family "
        "WHERE tenant = :tenant AND family IN :families) ORDER BY seq LIMIT :limit",
    )
    for c in _FAMILIES
}
PAGE_FAMILIES_REST: Mapping[str, Statement] = {
    c.name: _page(c, _BOUNDED + " ORDER BY seq LIMIT :limit") for c in _FAMILIES
}
ENGINEER_FAMILIES = Statement(
    "SELECT DISTINCT a.family FROM directory_asset a JOIN workorders_work_order w"
    " ON w.tenant = a.tenant AND w.asset = a.id"
    " WHERE w.tenant = :tenant AND w.assignee = :user AND a.family <> ''"
)


# Per collection: the page for dispatch roles (the whole tenant) and for an engineer.
PAGE_ALL: Mapping[str, Statement] = {
    name: _page(collection, _ALL) for name, collection in COLLECTIONS.items()
}
# (An engineer reads a "families" collection whole, as dispatch roles do, or in parts below.)
PAGE_ENGINEER: Mapping[str, Statement] = {
    name: _page(collection, _engineer_feed(collection))
    for name, collection in COLLECTIONS.items()
    if collection.engineer_scope != "families"
}
# Per collection: documents by id (for push, a handful at a time).
LOAD: Mapping[str, Statement] = {
    name: Statement(
        "SELECT " + collection.select_list("d") + " FROM " + collection.table + " AS d "
        "WHERE d.tenant = :tenant AND d." + collection.key + " IN :ids"
    )
    for name, collection in COLLECTIONS.items()
}


class Family(msgspec.Struct):
    family: str


class Value(msgspec.Struct):
    value: int


class Id(msgspec.Struct):
    id: UUID


class References(msgspec.Struct):
    site: UUID | None
    asset: UUID | None


class ConflictRow(msgspec.Struct, kw_only=True):
    id: UUID
    collection: str
    document_id: UUID
    actor_id: UUID
    actor_role: str
    field: str
    client_value: Any = None
    server_value: Any = None
    reason: str = ""
    created_at: datetime
