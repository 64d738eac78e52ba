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

from kernel import sql
from media.tables import Evidence
from sync import changelog
from workorders.tables import WorkOrder

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
_COLUMNS = (*HASHED, "thumbnail_key", "prev_hash", "entry_hash")
_LAST = "SELECT seq, entry_hash FROM media_evidence WHERE work_order = {} ORDER BY seq DESC LIMIT 1"
_LOCK_CHAIN = "SELECT id FROM workorders_work_order WHERE tenant = {} AND id = {} FOR UPDATE"
_ASSIGNEE = "SELECT assignee FROM workorders_work_order WHERE tenant = {} AND id = {}"
_INSERT = f"INSERT INTO media_evidence ({', '.join(_COLUMNS)})"
_CHAIN = (
    f"SELECT {', '.join(_COLUMNS)} FROM media_evidence"  # noqa: S608 - fixed text
    " WHERE tenant = {} AND work_order = {} ORDER BY seq"
)


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    values = [_canonical(name, entry.get(name)) for name in HASHED]
    canonical = msgspec.json.encode(values, order="sorted")
    return hashlib.sha256(prev_hash.encode() + canonical).hexdigest()


async def append(
    *, tenant_id: UUID, work_order_id: UUID, fields: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Add an entry at the end of the work order's chain, in the caller's transaction (the
    unique (work_order, seq) index refuses a concurrent append at the same place)."""
    if Evidence._meta.db.engine_type == "postgres":  # appends to one chain go one at a time
        await sql.fetch(WorkOrder, _LOCK_CHAIN, tenant_id, work_order_id)
    last = await sql.fetch_one(Evidence, _LAST, work_order_id)
    entry: dict[str, Any] = dict.fromkeys(_COLUMNS)
    entry.update(
        {
            "kind": "",
            "requirement": "",
            "content_type": "",
            "size": 0,
            "sha256": "",
            "object_key": "",
            "thumbnail_key": "",
            "reason": "",
            "details": {},
            **fields,
            "id": uuid4(),
            "tenant": tenant_id,
            "work_order": work_order_id,
            "seq": (last["seq"] + 1) if last else 1,
            "recorded_at": now,
            "prev_hash": last["entry_hash"] if last else GENESIS,
        }
    )
    entry["entry_hash"] = entry_hash(entry["prev_hash"], entry)
    stored = {**entry, "details": msgspec.json.encode(entry["details"]).decode()}
    await sql.insert_rows(Evidence, _INSERT, [[stored[name] for name in _COLUMNS]])
    owner = await sql.fetch_one(WorkOrder, _ASSIGNEE, tenant_id, work_order_id)
    await changelog.record(  # devices pull it with the work order (references, no bytes)
        tenant_id=tenant_id,
        collection=changelog.EVIDENCE,
        document_id=entry["id"],
        now=now,
        owner=owner["assignee"] if owner else None,
    )
    return entry


async def chain(*, tenant_id: UUID, work_order_id: UUID) -> list[dict[str, Any]]:
    return await sql.fetch(Evidence, _CHAIN, tenant_id, work_order_id)


def check_chain(entries: list[dict[str, Any]]) -> list[str]:
    """Where the chain is broken (empty when intact)."""
    problems, previous = [], GENESIS
    for expected_seq, entry in enumerate(entries, start=1):
        if entry["seq"] != expected_seq:
            problems.append(f"entry {expected_seq} is missing")
            break
        if entry["prev_hash"] != previous:
            problems.append(f"entry {entry['seq']} does not follow entry {entry['seq'] - 1}")
        if entry_hash(entry["prev_hash"], entry) != entry["entry_hash"]:
            problems.append(f"entry {entry['seq']} was altered")
        previous = entry["entry_hash"]
    return problems


def _canonical(name: str, value: Any) -> Any:
    """Values as either database hands them back: UUIDs as text, times in UTC, the details
    as data (the column holds their JSON text)."""
    if name == "details" and isinstance(value, str | bytes):
        return msgspec.json.decode(value)
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value
