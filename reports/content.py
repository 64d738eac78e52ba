"""What a report shows, gathered in one snapshot (so its parts agree with each other), then
the images read from the object store, outside any transaction."""

import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from directory import services as directory
from kernel.db import Database, Reader
from media import ledger
from media.sql import EvidenceRow
from media.store import ObjectNotFound, ObjectStore
from mobile_contract.enums import EvidenceKind
from mobile_contract.work_orders import WorkOrderEvent
from reports import sql
from reports.render import MAX_PHOTOS, Milestone, ReportContent, Step
from reports.sql import ReportRow
from workorders import queries

log = logging.getLogger("fieldops.reports")

SIGNATURE_REQUIREMENT = "customer_signature"  # media's default rules name it so
MAX_SIGNATURE_BYTES = 2 << 20  # what media accepts for a signature
MAX_THUMBNAIL_BYTES = 2 << 20  # the verifier's thumbnails are a few dozen kilobytes
MAX_STEPS = 100  # notes shown; a report is for the customer, not an export of the work order
MAX_STEP_CHARS = 4_000
# Timeline actions the customer is told about, and what the report calls them.
MILESTONES = {
    "created": "created",
    "transition:assign": "assigned",
    "transition:reassign": "assigned",
    "transition:arrive": "arrived",
    "transition:resolve": "resolved",
    "transition:reopen": "reopened",
    "transition:verify": "verified",
    "transition:close": "closed",
}


@dataclass(frozen=True, slots=True)
class _Gathered:
    content: ReportContent
    photo_keys: list[str]  # thumbnails of the photos shown
    signature_key: str


async def gather(
    *, db: Database, store: ObjectStore, tenant_id: UUID, work_order_id: UUID, now: datetime
) -> ReportContent:
    """Everything the report of a (closed) work order shows."""
    async with db.snapshot() as reader:
        gathered = await _read_facts(reader, tenant_id, work_order_id, now)
    photos = [data for key in gathered.photo_keys if (data := await _read(store, key))]
    signature = (
        await _read(store, gathered.signature_key, limit=MAX_SIGNATURE_BYTES)
        if gathered.signature_key
        else None
    )
    return replace(gathered.content, photos=photos, signature=signature)


async def _read_facts(
    reader: Reader, tenant_id: UUID, work_order_id: UUID, now: datetime
) -> _Gathered:
    row = await queries.load_row_in_tenant(tenant_id, work_order_id, reader=reader)
    tenant = await reader.fetch_one(sql.TENANT, sql.TenantRow, tenant=tenant_id)
    report = await reader.fetch_one(
        sql.REPORT, ReportRow, tenant=tenant_id, work_order=work_order_id
    )
    customer = (
        await directory.customer_by_id(tenant_id, row.customer_id, reader=reader)
        if row.customer_id
        else None
    )
    site = (
        await directory.site_by_id(tenant_id, row.site_id, reader=reader) if row.site_id else None
    )
    asset = (
        await directory.asset_by_id(tenant_id, row.asset_id, reader=reader)
        if row.asset_id
        else None
    )
    notes = await queries.list_notes_rows(reader, tenant_id, work_order_id)
    events = await queries.timeline(reader, tenant_id, work_order_id)
    entries = await ledger.chain(reader, tenant_id=tenant_id, work_order_id=work_order_id)
    names = await _names(reader, tenant_id, [row.assignee_id, *_assignees(events)])
    photos = _photos(entries)
    signature = _signature(entries)
    content = ReportContent(
        locale=tenant.locale if tenant else "",
        tenant_name=tenant.name if tenant else "",
        number=row.number,
        title=row.title,
        description=row.description,
        generated_at=now,
        time_zone=site.timezone if site else "UTC",
        customer=customer.name if customer else "",
        site=", ".join(part for part in (site.name, site.address) if part) if site else "",
        asset=_asset(asset.name, asset.device_code, asset.model) if asset else "",
        engineer=names.get(row.assignee_id, "") if row.assignee_id else "",
        root_cause=report.root_cause if report else "",
        prevention=report.prevention if report else "",
        parts_used=report.parts_used if report else [],
        steps=[
            Step(
                at=note.device_time or note.created_at,
                author=note.author_name,
                body=_cut(note.body),
            )
            for note in notes[:MAX_STEPS]
        ],
        milestones=_milestones(events, names),
        photos_total=len(_live(entries, EvidenceKind.PHOTO)),
    )
    return _Gathered(
        content=content,
        photo_keys=[entry.thumbnail_key for entry in photos],
        signature_key=signature.object_key if signature else "",
    )


async def _names(reader: Reader, tenant_id: UUID, ids: Iterable[UUID | None]) -> dict[UUID, str]:
    wanted = sorted({user for user in ids if user is not None})
    if not wanted:
        return {}
    people = await reader.fetch(sql.PEOPLE, sql.Person, tenant=tenant_id, ids=wanted)
    return {person.id: person.display_name for person in people}


def _assignee(event: WorkOrderEvent) -> UUID | None:
    """Whom an assignment named (its timeline entry keeps the id as text)."""
    try:
        return UUID(str(event.after.get("assignee_id")))
    except ValueError:
        return None


def _assignees(events: list[WorkOrderEvent]) -> list[UUID | None]:
    return [_assignee(event) for event in events if MILESTONES.get(event.action) == "assigned"]


def _milestones(events: list[WorkOrderEvent], names: dict[UUID, str]) -> list[Milestone]:
    milestones = []
    for event in events:
        kind = MILESTONES.get(event.action)
        if kind is None:
            continue
        assignee = _assignee(event) if kind == "assigned" else None
        who = names.get(assignee, "") if assignee else ""
        # When it happened where it happened: an engineer offline syncs later.
        milestones.append(Milestone(kind=kind, at=event.device_time or event.server_time, who=who))
    return milestones


def _live(entries: list[EvidenceRow], kind: EvidenceKind) -> list[EvidenceRow]:
    """Evidence of ``kind`` that was added and not removed since, oldest first."""
    removed = {entry.target for entry in entries if entry.entry == "tombstone"}
    return [
        entry
        for entry in entries
        if entry.entry == "added" and entry.kind == kind.value and entry.id not in removed
    ]


def _photos(entries: list[EvidenceRow]) -> list[EvidenceRow]:
    """The photos shown: those answering a requirement (before, after) first, then the
    others, at most MAX_PHOTOS, in the order they were taken; only those with a thumbnail
    (the verifier makes one of every image it could decode)."""
    shown = [entry for entry in _live(entries, EvidenceKind.PHOTO) if entry.thumbnail_key]
    chosen = sorted(shown, key=lambda entry: (not entry.requirement, entry.seq))[:MAX_PHOTOS]
    return sorted(chosen, key=lambda entry: entry.seq)


def _signature(entries: list[EvidenceRow]) -> EvidenceRow | None:
    """The customer's signature: the latest answering the requirement, else the latest."""
    signatures = _live(entries, EvidenceKind.SIGNATURE)
    required = [entry for entry in signatures if entry.requirement == SIGNATURE_REQUIREMENT]
    chosen = required or signatures
    return chosen[-1] if chosen else None


def _asset(name: str, device_code: str, model: str) -> str:
    details = ", ".join(part for part in (device_code, model) if part)
    return f"{name} ({details})" if name and details else name or details


def _cut(text: str) -> str:
    return text if len(text) <= MAX_STEP_CHARS else text[:MAX_STEP_CHARS] + "…"


async def _read(store: ObjectStore, key: str, *, limit: int = MAX_THUMBNAIL_BYTES) -> bytes | None:
    """An object's bytes; None when it is gone or larger than ``limit`` (the report goes
    without it). A store that fails raises: the worker tries again later."""
    data = bytearray()
    try:
        async with contextlib.aclosing(store.read(key=key)) as chunks:
            async for chunk in chunks:
                data.extend(chunk)
                if len(data) > limit:
                    log.warning("reports: %s is over %d bytes; left out of the report", key, limit)
                    return None
    except ObjectNotFound:
        log.warning("reports: %s is missing from the object store; left out of the report", key)
        return None
    return bytes(data)
