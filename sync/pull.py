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

from kernel.context import Actor
from kernel.db import Database
from kernel.errors import DomainError
from mobile_contract.enums import Role
from mobile_contract.errors import ErrorCode
from sync.collections import COLLECTIONS, Collection, Document
from sync.tables import SyncChange

MAX_LIMIT = 1000
_PREFIX = "s1:"


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
        if seq < 0:
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
_OWNED = (
    "SELECT seq, document_id, deleted FROM ("
    "SELECT seq, document_id, deleted FROM sync_change "
    "WHERE tenant = {} AND collection = {} AND owner = {} AND seq > {} "
    "UNION ALL "
    "SELECT seq, document_id, TRUE AS deleted FROM sync_scope_exit "
    'WHERE tenant = {} AND collection = {} AND "user" = {} AND seq > {}'
    ") AS feed ORDER BY seq LIMIT {}"
)
_REFERENCED = (
    "SELECT seq, document_id, deleted FROM sync_change "
    "WHERE tenant = {{}} AND collection = {{}} AND seq > {{}} AND document_id IN ("
    "SELECT {column} FROM workorders_work_order WHERE tenant = {{}} AND assignee = {{}}) "
    "ORDER BY seq LIMIT {{}}"
)


async def _feed(actor: Actor, collection: Collection, after: int, limit: int) -> list[Any]:
    tenant, name = actor.tenant_id, collection.name
    rows: list[Any]
    if actor.role is not Role.ENGINEER:
        rows = await SyncChange.raw(_ALL, tenant, name, after, limit)
    elif collection.engineer_scope == "owner":
        me = actor.user_id
        rows = await SyncChange.raw(_OWNED, tenant, name, me, after, tenant, name, me, after, limit)
    else:
        sql = _REFERENCED.format(column=collection.referenced_by)
        rows = await SyncChange.raw(sql, tenant, name, after, tenant, actor.user_id, limit)
    return rows


async def pull(
    *, db: Database, actor: Actor, collection: str, checkpoint: str | None, limit: int
) -> tuple[list[Document], str | None]:
    """``(documents, checkpoint)``; fewer documents than ``limit`` means caught up."""
    spec = collection_named(collection)
    after = decode_checkpoint(checkpoint)
    async with db.snapshot():
        feed = await _feed(actor, spec, after, max(1, min(limit, MAX_LIMIT)))
        latest: dict[UUID, tuple[int, bool]] = {}
        for row in feed:  # a document may appear twice (exit then re-entry): the last wins
            document_id = row["document_id"]
            key = document_id if isinstance(document_id, UUID) else UUID(str(document_id))
            latest.pop(key, None)
            latest[key] = (int(row["seq"]), bool(row["deleted"]))
        live = [key for key, (_, deleted) in latest.items() if not deleted]
        loaded = await spec.load(actor.tenant_id, live) if live else {}
    documents = [
        loaded.get(key) or {"id": key, "_deleted": True} for key, (_, deleted) in latest.items()
    ]
    next_checkpoint = encode_checkpoint(int(feed[-1]["seq"])) if feed else checkpoint
    return documents, next_checkpoint
