"""Getting evidence back out: short-lived download links, each one audited, and removal by
tombstone (the ledger keeps the entry and records who removed it, when and why).

A link is a presigned GET (or the local store's signed link) valid for at most 15 minutes;
the audit row is written before the link is handed out.
"""

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

from kernel import sql
from kernel.clock import utcnow
from kernel.context import Actor, require_role
from kernel.db import Database
from kernel.errors import DomainError, NotFound
from kernel.rows import uuid_of
from media import ledger
from media.evidence import entry_of
from media.store import ObjectStore
from media.tables import Download, Evidence
from mobile_contract import media as contract
from mobile_contract.enums import Role
from mobile_contract.errors import ErrorCode
from workorders import queries

LINK_TTL = timedelta(minutes=10)  # at most 15 minutes, by policy
REMOVER_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})
_ENTRY = (
    "SELECT id, work_order, entry, object_key, thumbnail_key, content_type FROM media_evidence"
    " WHERE tenant = {} AND id = {}"
)
_REMOVED = (
    "SELECT id FROM media_evidence WHERE work_order = {} AND entry = 'tombstone' AND target = {}"
)
_AUDIT = (
    "INSERT INTO media_download (id, tenant, evidence, issued_to, variant, client_ip, issued_at,"
    " expires_at)"
)
_AUDITS = (
    "SELECT d.id, d.evidence AS evidence_id, d.issued_to AS issued_to_id, d.variant,"
    " d.client_ip, d.issued_at, d.expires_at FROM media_download d"
    " JOIN media_evidence e ON e.id = d.evidence"
    " WHERE d.tenant = {} AND e.work_order = {} ORDER BY d.issued_at DESC LIMIT 500"
)


async def download_link(
    *, db: Database, store: ObjectStore, actor: Actor, evidence_id: UUID, thumbnail: bool
) -> contract.DownloadLink:
    """A link to one piece of evidence the caller may see (its work order in their scope)."""
    now = utcnow()
    async with db.transaction():
        entry = await _live_entry(actor, evidence_id)
        key = entry["thumbnail_key"] if thumbnail else entry["object_key"]
        if not key:
            raise NotFound("evidence file", evidence_id)
        await sql.insert_rows(
            Download,
            _AUDIT,
            [
                [
                    uuid4(),
                    actor.tenant_id,
                    evidence_id,
                    actor.user_id,
                    "thumbnail" if thumbnail else "original",
                    actor.meta.ip[:64],
                    now,
                    now + LINK_TTL,
                ]
            ],
        )
    name = f"{evidence_id}{'.thumb.jpg' if thumbnail else _extension(entry['content_type'])}"
    served = "image/jpeg" if thumbnail else (entry["content_type"] or "application/octet-stream")
    link = await store.download_url(key=key, expires=LINK_TTL, filename=name, content_type=served)
    return contract.DownloadLink(url=link.url, expires_at=link.expires_at)


async def audit(*, db: Database, actor: Actor, work_order_id: UUID) -> contract.DownloadAuditList:
    """Who was given which evidence, when (supervisors and admins)."""
    require_role(actor, REMOVER_ROLES, "read the download audit")
    async with db.snapshot():
        await queries.load_row(actor, work_order_id)
        rows = await sql.fetch(Download, _AUDITS, actor.tenant_id, work_order_id)
    return contract.DownloadAuditList(
        items=[
            contract.DownloadAudit(
                id=row["id"],
                evidence_id=row["evidence_id"],
                issued_to_id=row["issued_to_id"],
                variant=row["variant"],
                client_ip=row["client_ip"],
                issued_at=row["issued_at"],
                expires_at=row["expires_at"],
            )
            for row in rows
        ]
    )


async def remove(
    *, db: Database, actor: Actor, evidence_id: UUID, reason: str
) -> contract.EvidenceEntry:
    """Tombstone one piece of evidence (supervisors and admins, with a reason): it stops
    counting and downloading; the ledger keeps both entries."""
    require_role(actor, REMOVER_ROLES, "remove evidence")
    async with db.transaction():
        entry = await _live_entry(actor, evidence_id)
        tombstone = await ledger.append(
            tenant_id=actor.tenant_id,
            work_order_id=uuid_of(entry["work_order"]),
            fields={
                "entry": "tombstone",
                "target": evidence_id,
                "reason": reason,
                "recorded_by": actor.user_id,
            },
            now=utcnow(),
        )
    return entry_of(tombstone)


async def _live_entry(actor: Actor, evidence_id: UUID) -> dict[str, Any]:
    entry = await sql.fetch_one(Evidence, _ENTRY, actor.tenant_id, evidence_id)
    if entry is None or entry["entry"] == "tombstone":
        raise NotFound("evidence", evidence_id)
    await queries.load_row(actor, uuid_of(entry["work_order"]))  # in the caller's scope
    if await sql.fetch_one(Evidence, _REMOVED, entry["work_order"], evidence_id):
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
