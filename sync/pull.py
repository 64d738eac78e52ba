"""Pull: the caller's documents changed after their checkpoint, in commit order.

The checkpoint is the server's sequence (never a device clock), opaque to clients. An
engineer's stream is the changes whose owner they are plus their scope exits (tombstones for
documents that left their device, e.g. a work order reassigned away); dispatch roles get the
whole tenant.

An engineer's first sync of the knowledge base (a "families" collection) sends the articles of
the asset families they repair first, so search works offline for their own equipment before
the rest arrives: the checkpoint then also says which part it is in and the sequence the first
pull saw (``k1:<part>:<seq>:<bound>``), and after both parts it is a plain one again.
"""

import base64
import binascii
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from kernel.context import Actor
from kernel.db import Database
from kernel.errors import DomainError
from mobile_contract.enums import Role
from mobile_contract.errors import ErrorCode
from sync import sql
from sync.collections import COLLECTIONS, Collection, Document

MAX_LIMIT = 1000
_PREFIX = "s1:"
_PARTS_PREFIX = "k1:"
_MAX_SEQ = 2**63 - 1  # the databases' 64-bit integer: no sequence this server issued is larger


def encode_checkpoint(seq: int) -> str:
    return base64.urlsafe_b64encode(f"{_PREFIX}{seq}".encode()).decode().rstrip("=")


def _encode_parts(part: str, seq: int, bound: int) -> str:
    text = f"{_PARTS_PREFIX}{part}:{seq}:{bound}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _not_issued() -> DomainError:
    return DomainError(
        ErrorCode.VALIDATION_FAILED,
        "The checkpoint is not one this server issued; pull again without a checkpoint.",
        {"field": "checkpoint"},
    )


def _sequence(text: str) -> int:
    seq = int(text)
    if not 0 <= seq <= _MAX_SEQ:
        raise ValueError(text)
    return seq


@lru_cache(maxsize=4096)
def _decode(checkpoint: str) -> tuple[str, int, int]:
    """``(part, seq, bound)``: part "" for a plain checkpoint."""
    try:
        text = base64.urlsafe_b64decode(checkpoint + "=" * (-len(checkpoint) % 4)).decode()
        if text.startswith(_PREFIX):
            return "", _sequence(text.removeprefix(_PREFIX)), 0
        part, seq, bound = text.removeprefix(_PARTS_PREFIX).split(":")
        if not text.startswith(_PARTS_PREFIX) or part not in ("first", "rest"):
            raise ValueError(text)
        return part, _sequence(seq), _sequence(bound)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _not_issued() from None


def decode_checkpoint(checkpoint: str | None) -> int:
    """The sequence a checkpoint names (remembered, since a polling device sends the same one
    until something changes); a first sync's checkpoint names where it started."""
    if not checkpoint:
        return 0
    part, seq, _ = _decode(checkpoint)
    return seq if not part else 0


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
    if spec.engineer_scope == "families" and actor.role is Role.ENGINEER:
        part, seq, bound = _decode(checkpoint) if checkpoint else ("first", 0, -1)
        if part:
            return await _pull_in_parts(db, actor, spec, part, seq, bound, limit)
    return await _pull(db, actor, spec, checkpoint, limit)


async def _pull(
    db: Database, actor: Actor, spec: Collection, checkpoint: str | None, limit: int
) -> tuple[list[Document], str | None]:
    after = decode_checkpoint(checkpoint)
    params = {
        "tenant": actor.tenant_id,
        "collection": spec.name.value,
        "after": after,
        "limit": max(1, min(limit, MAX_LIMIT)),
    }
    if actor.role is Role.ENGINEER and spec.engineer_scope != "families":
        statement = sql.PAGE_ENGINEER[spec.name]
        params["user"] = actor.user_id
    else:
        statement = sql.PAGE_ALL[spec.name]
    # One statement outside a transaction: a consistent page, values as stored.
    names, rows = await db.fetch_stored(statement, **params)
    if not rows:
        return [], checkpoint
    documents, seq = _documents(spec, names, rows)
    return documents, encode_checkpoint(seq)


async def _pull_in_parts(
    db: Database, actor: Actor, spec: Collection, part: str, seq: int, bound: int, limit: int
) -> tuple[list[Document], str | None]:
    """A page of an engineer's first sync: their families' documents, then all of them, up
    to ``bound``; a part that runs out hands the rest of the page to the next."""
    limit = max(1, min(limit, MAX_LIMIT))
    tenant = actor.tenant_id
    if bound < 0:  # the first pull: where the parts end
        row = await db.fetch_one(sql.CURRENT_SEQ, sql.Value, tenant=tenant)
        bound = row.value if row else 0
    families = sorted(
        {
            found.family.casefold()
            for found in await db.fetch(
                sql.ENGINEER_FAMILIES, sql.Family, tenant=tenant, user=actor.user_id
            )
        }
    )
    documents: list[Document] = []
    if not families:  # nothing to send first: the whole collection in order
        part, seq = "", 0
    while part and len(documents) < limit:
        statement = sql.PAGE_FAMILIES_FIRST if part == "first" else sql.PAGE_FAMILIES_REST
        wanted = limit - len(documents)
        params: dict[str, object] = {"tenant": tenant, "collection": spec.name.value, "after": seq}
        if part == "first":
            params["families"] = families
        names, rows = await db.fetch_stored(
            statement[spec.name], bound=bound, limit=wanted, **params
        )
        if rows:
            page, seq = _documents(spec, names, rows)
            sent = {document["id"] for document in documents}  # once per page
            documents.extend(document for document in page if document["id"] not in sent)
        if len(rows) < wanted:  # this part is done
            part, seq = ("rest", 0) if part == "first" else ("", bound)
    if part:
        return documents, _encode_parts(part, seq, bound)
    if len(documents) < limit:
        more, checkpoint = await _pull(
            db, actor, spec, encode_checkpoint(seq), limit - len(documents)
        )
        return documents + more, checkpoint
    return documents, encode_checkpoint(seq)


def _documents(
    spec: Collection, names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> tuple[list[Document], int]:
    """The page's documents and the last sequence it holds."""
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
    return list(latest.values()), int(rows[-1][at_seq])
