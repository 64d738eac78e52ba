"""Getting evidence back out: short-lived download links, each one audited, and removal by
tombstone (the ledger keeps the entry and records who removed it, when and why).

A link is a presigned GET (or the local store's signed link) valid for at most 15 minutes;
the audit row is written before the link is handed out.
"""

from datetime import timedelta
from uuid import UUID, uuid4

from kernel.clock import utcnow
from kernel.context import Actor, require_role
from kernel.db import Database, Reader
from kernel.errors import DomainError, NotFound
from media import ledger, sql
from media.evidence import entry_of
from media.sql import EvidenceFields
from media.store import ObjectStore
from mobile_contract import media as contract
from mobile_contract.enums import Role
from mobile_contract.errors import ErrorCode
from workorders import queries

LINK_TTL = timedelta(minutes=10)  # at most 15 minutes, by policy
REMOVER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


async def download_link(
    *, db: Database, store: ObjectStore, actor: Actor, evidence_id: UUID, thumbnail: bool
) -> contract.DownloadLink:
    """A link to one piece of evidence the caller may see (its work order in their scope)."""
    now = utcnow()
    async with db.transaction() as tx:
        entry = await _live_entry(tx, actor, evidence_id)
        key = entry.thumbnail_key if thumbnail else entry.object_key
        if not key:
            raise NotFound("evidence file", evidence_id)
        await tx.execute(
            sql.INSERT_DOWNLOAD,
            id=uuid4(),
            tenant=actor.tenant_id,
            evidence=evidence_id,
            issued_to=actor.user_id,
            variant="thumbnail" if thumbnail else "original",
            client_ip=actor.meta.ip[:64],
            now=now,
            expires_at=now + LINK_TTL,
        )
    name = f"{evidence_id}{'.thumb.jpg' if thumbnail else _extension(entry.content_type)}"
    served = "image/jpeg" if thumbnail else (entry.content_type or "application/octet-stream")
    link = await store.download_url(key=key, expires=LINK_TTL, filename=name, content_type=served)
    return contract.DownloadLink(url=link.url, expires_at=link.expires_at)


async def audit(*, db: Database, actor: Actor, work_order_id: UUID) -> contract.DownloadAuditList:
    """Who was given which evidence, when (supervisors and admins)."""
    require_role(actor, REMOVER_ROLES, "read the download audit")
    async with db.snapshot() as reader:
        await queries.load_row(actor, work_order_id, reader=reader)
        rows = await reader.fetch(
            sql.DOWNLOADS, contract.DownloadAudit, tenant=actor.tenant_id, work_order=work_order_id
        )
    return contract.DownloadAuditList(items=rows)


async def remove(
    *, db: Database, actor: Actor, evidence_id: UUID, reason: str
) -> contract.EvidenceEntry:
    """Tombstone one piece of evidence (supervisors and admins, with a reason): it stops
    counting and downloading; the ledger keeps both entries."""
    require_role(actor, REMOVER_ROLES, "remove evidence")
    async with db.transaction() as tx:
        entry = await _live_entry(tx, actor, evidence_id)
        tombstone = await ledger.append(
            tx=tx,
            tenant_id=actor.tenant_id,
            work_order_id=entry.work_order,
            fields=EvidenceFields(
                entry="tombstone", target=evidence_id, reason=reason, recorded_by=actor.user_id
            ),
            now=utcnow(),
        )
    return entry_of(tombstone)


async def _live_entry(reader: Reader, actor: Actor, evidence_id: UUID) -> sql.EvidenceFile:
    entry = await reader.fetch_one(
        sql.EVIDENCE_FILE, sql.EvidenceFile, tenant=actor.tenant_id, id=evidence_id
    )
    if entry is None or entry.entry == "tombstone":
        raise NotFound("evidence", evidence_id)
    await queries.load_row(actor, entry.work_order, reader=reader)  # in the caller's scope
    if await reader.fetch_one(
        sql.TOMBSTONE_OF, sql.Id, work_order=entry.work_order, target=evidence_id
    ):
        raise DomainError(
            ErrorCode.ILLEGAL_TRANSITION,
            "This evidence was removed (see its tombstone in the ledger).",
            {"evidence_id": str(evidence_id)},
        )
    return entry


def _extension(content_type: str) -> str:
    return {
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/webp": ".webp",
        "image/heic": ".heic",
        "image/heif": ".heif",
        "video/mp4": ".mp4",
        "video/quicktime": ".mov",
        "application/pdf": ".pdf",
    }.get(content_type, "")
