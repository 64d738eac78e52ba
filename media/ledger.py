"""The evidence ledger: an append-only hash chain per work order.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's own fields in a
canonical form, so changing or deleting any entry (in the database, behind the API's back)
breaks the chain from there on, and ``check_chain`` says where. Evidence is never updated or
deleted: removing it appends a tombstone naming the entry it removes.
"""

import hashlib
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec

from kernel.changes import DocumentChanged, Synced
from kernel.db import Reader, Transaction
from kernel.rows import json_text
from media import sql
from media.sql import EvidenceFields, EvidenceRow

GENESIS = "0" * 64
HASHED = (
    "id",
    "tenant",
    "work_order",
    "seq",
    "entry",
    "upload",
    "kind",
    "requirement",
    "content_type",
    "size",
    "sha256",
    "object_key",
    "captured_at",
    "latitude",
    "longitude",
    "recorded_by",
    "reason",
    "target",
    "details",
    "recorded_at",
)


def entry_hash(prev_hash: str, entry: EvidenceRow) -> str:
    values = [_canonical(getattr(entry, name)) for name in HASHED]
    canonical = msgspec.json.encode(values, order="sorted")
    return hashlib.sha256(prev_hash.encode() + canonical).hexdigest()


async def append(
    *,
    tx: Transaction,
    tenant_id: UUID,
    work_order_id: UUID,
    fields: EvidenceFields,
    now: datetime,
) -> EvidenceRow:
    """Add an entry at the end of the work order's chain (the unique (work_order, seq) index
    refuses a concurrent append at the same place), and announce it: devices pull it with the
    work order (references, no bytes)."""
    owner = await tx.fetch_one(
        sql.HOLD_CHAIN, sql.Assignee, tenant=tenant_id, work_order=work_order_id
    )
    last = await tx.fetch_one(sql.CHAIN_END, sql.ChainEnd, work_order=work_order_id)
    unhashed = EvidenceRow(
        **msgspec.structs.asdict(fields),
        id=uuid4(),
        tenant=tenant_id,
        work_order=work_order_id,
        seq=last.seq + 1 if last else 1,
        recorded_at=now,
        prev_hash=last.entry_hash if last else GENESIS,
        entry_hash="",
    )
    entry = msgspec.structs.replace(unhashed, entry_hash=entry_hash(unhashed.prev_hash, unhashed))
    values = msgspec.structs.asdict(entry)
    await tx.execute(sql.INSERT_EVIDENCE, **{**values, "details": json_text(entry.details)})
    await tx.publish(
        DocumentChanged(
            tenant_id=tenant_id,
            collection=Synced.EVIDENCE,
            document_id=entry.id,
            now=now,
            owner=owner.assignee if owner else None,
        )
    )
    return entry


async def chain(reader: Reader, *, tenant_id: UUID, work_order_id: UUID) -> list[EvidenceRow]:
    return await reader.fetch(sql.CHAIN, EvidenceRow, tenant=tenant_id, work_order=work_order_id)


def check_chain(entries: list[EvidenceRow]) -> list[str]:
    """Where the chain is broken (empty when intact)."""
    problems, previous = [], GENESIS
    for expected_seq, entry in enumerate(entries, start=1):
        if entry.seq != expected_seq:
            problems.append(f"entry {expected_seq} is missing")
            break
        if entry.prev_hash != previous:
            problems.append(f"entry {entry.seq} does not follow entry {entry.seq - 1}")
        if entry_hash(entry.prev_hash, entry) != entry.entry_hash:
            problems.append(f"entry {entry.seq} was altered")
        previous = entry.entry_hash
    return problems


def _canonical(value: Any) -> Any:
    """Values as the hash has always covered them: UUIDs as text, times in UTC."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value
