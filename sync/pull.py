"""Pull: the caller's documents changed after their checkpoint, in commit order.

The checkpoint is the server's sequence (never a device clock), opaque to clients. An
engineer's stream is the changes whose owner they are plus their scope exits (tombstones for
documents that left their device, e.g. a work order reassigned away); dispatch roles get the
whole tenant.
"""

import base64
import binascii
from functools import lru_cache

from kernel.context import Actor
from kernel.db import Database
from kernel.errors import DomainError
from mobile_contract.enums import Role
from mobile_contract.errors import ErrorCode
from sync import sql
from sync.collections import COLLECTIONS, Collection, Document

MAX_LIMIT = 1000
_PREFIX = "s1:"
_MAX_SEQ = 2**63 - 1  # the databases' 64-bit integer: no sequence this server issued is larger


def encode_checkpoint(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{seq}".encode()).decode().rstrip("=")


@lru_cache(maxsize=4096)
def decode_checkpoint(checkpoint: str | None) -> int:
    """The sequence a checkpoint names; remembered, since a polling device sends the same one
    until something changes."""
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


async def pull(
    *, db: Database, actor: Actor, collection: str, checkpoint: str | None, limit: int
) -> tuple[list[Document], str | None]:
    """``(documents, checkpoint)``; fewer documents than ``limit`` means caught up."""
    spec = collection_named(collection)
    after = decode_checkpoint(checkpoint)
    params = {
        "tenant": actor.tenant_id,
        "collection": spec.name.value,
        "after": after,
        "limit": max(1, min(limit, MAX_LIMIT)),
    }
    if actor.role is Role.ENGINEER:
        statement = sql.PAGE_ENGINEER[spec.name]
        params["user"] = actor.user_id
    else:
        statement = sql.PAGE_ALL[spec.name]
    # One statement outside a transaction: a consistent page, values as stored.
    names, rows = await db.fetch_stored(statement, **params)
    if not rows:
        return [], checkpoint
    document = spec.documents(names)
    at_seq, at_key, at_deleted, at_id = (
        names.index(name) for name in ("feed_seq", "feed_document", "feed_deleted", "id")
    )
    latest: dict[object, Document] = {}
    for row in rows:  # a document may appear twice (exit, then back in): the last one wins
        key = row[at_key]
        latest.pop(key, None)
        live = not row[at_deleted] and row[at_id] is not None
        latest[key] = document(row) if live else {"id": key, "_deleted": True}
    return list(latest.values()), encode_checkpoint(int(rows[-1][at_seq]))
