"""Pull: the caller's documents changed after their checkpoint, in commit order.

The checkpoint is the server's sequence (never a device clock), opaque to clients. An
engineer's stream is the changes whose owner they are plus their scope exits (tombstones for
documents that left their device, e.g. a work order reassigned away); dispatch roles get the
whole tenant.
"""

import base64
import binascii
from typing import Any
from uuid import UUID

from kernel import sql
from kernel.context import Actor
from kernel.errors import DomainError
from kernel.rows import as_uuid
from mobile_contract.enums import Role
from mobile_contract.errors import ErrorCode
from sync.collections import COLLECTIONS, Collection, Document
from sync.tables import SyncChange

MAX_LIMIT = 1000
_PREFIX = "s1:"
_MAX_SEQ = 2**63 - 1  # the databases' 64-bit integer: no sequence this server issued is larger


def encode_checkpoint(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{seq}".encode()).decode().rstrip("=")


def decode_checkpoint(checkpoint: str | None) -> int:
    if not checkpoint:
        return 0
    try:
        text = base64.urlsafe_b64decode(checkpoint + "=" * (-len(checkpoint) % 4)).decode()
        if not text.startswith(_PREFIX):
            raise ValueError(text)
        seq = int(text.removeprefix(_PREFIX))
        if not 0 <= seq <= _MAX_SEQ:
            raise ValueError(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "The checkpoint is not one this server issued; pull again without a checkpoint.",
            {"field": "checkpoint"},
        ) from None
    return seq


def collection_named(name: str) -> Collection:
    collection = COLLECTIONS.get(name)
    if collection is None:
        raise DomainError(
            ErrorCode.UNKNOWN_COLLECTION,
            f"There is no sync collection {name!r}.",
            {"collection": name, "known": sorted(COLLECTIONS)},
        )
    return collection


_ALL = (
    "SELECT seq, document_id, deleted FROM sync_change "
    "WHERE tenant = {} AND collection = {} AND seq > {} ORDER BY seq LIMIT {}"
)
# A document that left the engineer and came back is in the feed once, as the live document:
# counted twice, a page would come back short, which a client takes for "caught up".
_OWNED = (
    "SELECT seq, document_id, deleted FROM ("
    "SELECT seq, document_id, deleted FROM sync_change "
    "WHERE tenant = {} AND collection = {} AND owner = {} AND seq > {} "
    "UNION ALL "
    "SELECT e.seq, e.document_id, TRUE AS deleted FROM sync_scope_exit AS e "
    'WHERE e.tenant = {} AND e.collection = {} AND e."user" = {} AND e.seq > {} '
    "AND NOT EXISTS (SELECT 1 FROM sync_change AS c WHERE c.tenant = e.tenant "
    'AND c.collection = e.collection AND c.document_id = e.document_id AND c.owner = e."user")'
    ") AS owned ORDER BY seq LIMIT {}"
)
_REFERENCED = (
    "SELECT seq, document_id, deleted FROM sync_change "
    "WHERE tenant = {{}} AND collection = {{}} AND seq > {{}} AND document_id IN ("
    "SELECT {column} FROM workorders_work_order WHERE tenant = {{}} AND assignee = {{}}) "
    "ORDER BY seq LIMIT {{}}"
)
_PAGE = (
    "SELECT feed.seq AS feed_seq, feed.document_id AS feed_document, "
    "feed.deleted AS feed_deleted, {columns} "
    "FROM ({feed}) AS feed LEFT JOIN {table} AS d "
    "ON d.{key} = feed.document_id AND d.tenant = {{}} ORDER BY feed.seq"
)


def _feed(actor: Actor, collection: Collection, after: int, limit: int) -> tuple[str, list[Any]]:
    """The caller's change feed as SQL and its arguments."""
    tenant, name = actor.tenant_id, collection.name
    if actor.role is not Role.ENGINEER:
        return _ALL, [tenant, name, after, limit]
    if collection.engineer_scope == "owner":
        me = actor.user_id
        return _OWNED, [tenant, name, me, after, tenant, name, me, after, limit]
    statement = _REFERENCED.format(column=collection.referenced_by)
    return statement, [tenant, name, after, tenant, actor.user_id, limit]


async def pull(
    *, actor: Actor, collection: str, checkpoint: str | None, limit: int
) -> tuple[list[Document], str | None]:
    """``(documents, checkpoint)``; fewer documents than ``limit`` means caught up."""
    spec = collection_named(collection)
    after = decode_checkpoint(checkpoint)
    feed, arguments = _feed(actor, spec, after, max(1, min(limit, MAX_LIMIT)))
    statement = _PAGE.format(
        columns=spec.select_list("d"), feed=feed, table=spec.table, key=spec.key
    )
    rows = await sql.fetch(SyncChange, statement, *arguments, actor.tenant_id)  # consistent
    latest: dict[UUID, Document] = {}
    for row in rows:  # a document may appear twice (exit, then back in): the last one wins
        key = as_uuid(row["feed_document"])
        assert key is not None
        latest.pop(key, None)
        live = not row["feed_deleted"] and row["id"] is not None
        latest[key] = spec.document(row) if live else {"id": key, "_deleted": True}
    next_checkpoint = encode_checkpoint(int(rows[-1]["feed_seq"])) if rows else checkpoint
    return list(latest.values()), next_checkpoint
