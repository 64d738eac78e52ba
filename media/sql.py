"""Every SQL statement of ``media``, and the typed rows they answer (``kernel.statements``)."""

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from kernel.statements import Statement
from mobile_contract.enums import EvidenceKind, UploadStatus
from mobile_contract.media import EvidenceRequirement


class Id(msgspec.Struct, frozen=True):
    """What an ``UPDATE ... RETURNING id`` answers: a row was changed."""

    id: UUID


# -- upload sessions ----------------------------------------------------------------------


class UploadRow(msgspec.Struct, kw_only=True, frozen=True):
    """One upload session as stored; ``created_by`` is None when sent through a portal link."""

    id: UUID
    tenant: UUID
    work_order: UUID
    created_by: UUID | None
    portal_link: UUID | None
    client_key: str
    kind: EvidenceKind
    requirement: str
    content_type: str
    size: int
    sha256: str
    captured_at: datetime | None
    latitude: float | None
    longitude: float | None
    object_key: str
    store_upload_id: str
    part_size: int
    part_count: int
    status: UploadStatus
    rejection_reason: str
    created_at: datetime
    expires_at: datetime
    completed_at: datetime | None


# The unique indexes (tenant, created_by, client_key) and (tenant, portal_link, client_key)
# refuse a second session for one uploader's key; the id is always new.
INSERT_UPLOAD = Statement(
    "INSERT INTO media_upload (id, tenant, work_order, created_by, portal_link, client_key, kind,"
    " requirement, content_type, size, sha256, captured_at, latitude, longitude, object_key,"
    " store_upload_id, part_size, part_count, status, rejection_reason, created_at, expires_at,"
    " completed_at) VALUES (:id, :tenant, :work_order, :created_by, :portal_link, :client_key,"
    " :kind, :requirement, :content_type, :size, :sha256, :captured_at, :latitude, :longitude,"
    " :object_key, :store_upload_id, :part_size, :part_count, :status, :rejection_reason,"
    " :created_at, :expires_at, :completed_at) ON CONFLICT DO NOTHING RETURNING id"
)
# ``anyone``: the dispatch roles see every upload of the tenant; others their own (the staff
# user's, or the portal link's: the other of ``user`` and ``link`` is None, matching nothing).
UPLOAD = Statement(
    "SELECT id, tenant, work_order, created_by, portal_link, client_key, kind, requirement,"
    " content_type, size, sha256, captured_at, latitude, longitude, object_key, store_upload_id,"
    " part_size, part_count, status, rejection_reason, created_at, expires_at, completed_at"
    " FROM media_upload WHERE tenant = :tenant AND id = :id"
    " AND (:anyone OR created_by = :user OR portal_link = :link)"
)


class UploadSummary(msgspec.Struct, frozen=True):
    """An upload as a message shows it (``media.attachments``)."""

    id: UUID
    kind: EvidenceKind
    content_type: str
    size: int
    status: UploadStatus


# The tenant's uploads of ``ids``, all at once (a page of messages' attachments).
UPLOAD_SUMMARIES = Statement(
    "SELECT id, kind, content_type, size, status FROM media_upload"
    " WHERE tenant = :tenant AND id IN :ids"
)
UPLOAD_BY_CLIENT_KEY = Statement(
    "SELECT id, tenant, work_order, created_by, portal_link, client_key, kind, requirement,"
    " content_type, size, sha256, captured_at, latitude, longitude, object_key, store_upload_id,"
    " part_size, part_count, status, rejection_reason, created_at, expires_at, completed_at"
    " FROM media_upload WHERE tenant = :tenant AND client_key = :client_key"
    " AND (created_by = :user OR portal_link = :link)"
)
FINISH_UPLOAD = Statement(
    "UPDATE media_upload SET status = :status, rejection_reason = :reason, completed_at = :now"
    " WHERE id = :id AND status = 'pending' AND expires_at > :now RETURNING id"
)


class Count(msgspec.Struct, frozen=True):
    n: int


class SentUpload(msgspec.Struct, frozen=True):
    """An upload as the portal link that sent it sees it."""

    id: UUID
    kind: EvidenceKind
    content_type: str
    size: int
    status: UploadStatus
    rejection_reason: str
    created_at: datetime


LINK_UPLOADS = Statement(
    "SELECT id, kind, content_type, size, status, rejection_reason, created_at FROM media_upload"
    " WHERE tenant = :tenant AND portal_link = :link ORDER BY created_at"
)
LINK_UPLOADS_BUT = Statement(
    "SELECT COUNT(*) AS n FROM media_upload"
    " WHERE tenant = :tenant AND portal_link = :link AND client_key <> :client_key"
)

# -- verification -------------------------------------------------------------------------


class ClaimedUpload(msgspec.Struct, kw_only=True, frozen=True):
    """A completed upload a verifier holds (until its lease ends)."""

    id: UUID
    tenant: UUID
    work_order: UUID
    created_by: UUID | None
    portal_link: UUID | None
    kind: EvidenceKind
    requirement: str
    content_type: str
    size: int
    sha256: str
    captured_at: datetime | None
    latitude: float | None
    longitude: float | None
    object_key: str
    verify_attempts: int
    completed_at: datetime


class AbandonedUpload(msgspec.Struct, frozen=True):
    id: UUID
    object_key: str
    store_upload_id: str


CLAIM_UPLOADS = Statement(
    "UPDATE media_upload SET claimed_until = :until, verify_attempts = verify_attempts + 1"
    " WHERE id IN (SELECT id FROM media_upload WHERE status = 'uploaded'"
    " AND (claimed_until IS NULL OR claimed_until < :now) ORDER BY completed_at LIMIT :limit"
    " @skip_locked) RETURNING id, tenant, work_order, created_by, portal_link, kind, requirement,"
    " content_type, size, sha256, captured_at, latitude, longitude, object_key, verify_attempts,"
    " completed_at"
)
EXPIRE_ABANDONED = Statement(
    "UPDATE media_upload SET status = 'expired', completed_at = :now,"
    " rejection_reason = 'not completed before it expired'"
    " WHERE id IN (SELECT id FROM media_upload WHERE status = 'pending' AND expires_at < :now"
    " LIMIT 50 @skip_locked) RETURNING id, object_key, store_upload_id"
)
RENEW_CLAIM = Statement(  # the lease, renewed as each upload of a batch starts; fenced by the claim
    "UPDATE media_upload SET claimed_until = :until WHERE id = :id AND status = 'uploaded'"
    " AND verify_attempts = :attempts RETURNING id"
)
DECIDE_UPLOAD = Statement(
    "UPDATE media_upload SET status = :status, rejection_reason = :reason, claimed_until = NULL"
    " WHERE id = :id AND status = 'uploaded' RETURNING id"
)

# -- the evidence ledger ------------------------------------------------------------------


class EvidenceFields(msgspec.Struct, kw_only=True, frozen=True):
    """What a new ledger entry says (the ledger adds its place in the chain and its hashes)."""

    entry: str  # added, reading, tombstone
    upload: UUID | None = None
    kind: str = ""
    requirement: str = ""
    content_type: str = ""
    size: int = 0
    sha256: str = ""
    object_key: str = ""
    thumbnail_key: str = ""
    captured_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    recorded_by: UUID | None = None
    reason: str = ""
    target: UUID | None = None
    details: dict[str, Any] = msgspec.field(default_factory=dict)


class EvidenceRow(EvidenceFields, kw_only=True, frozen=True):
    """One ledger entry as stored."""

    id: UUID
    tenant: UUID
    work_order: UUID
    seq: int
    recorded_at: datetime
    prev_hash: str
    entry_hash: str


class ChainEnd(msgspec.Struct, frozen=True):
    seq: int
    entry_hash: str


class Assignee(msgspec.Struct, frozen=True):
    assignee: UUID | None


# Appends to one chain go one at a time: the work order's row is held until commit (SQLite
# runs one writer at a time anyway). Its assignee is whose devices pull the entry.
HOLD_CHAIN = Statement(
    "SELECT assignee FROM workorders_work_order WHERE tenant = :tenant AND id = :work_order"
    " @for_update"
)
CHAIN_END = Statement(
    "SELECT seq, entry_hash FROM media_evidence WHERE work_order = :work_order"
    " ORDER BY seq DESC LIMIT 1"
)
INSERT_EVIDENCE = Statement(
    "INSERT INTO media_evidence (id, tenant, work_order, seq, entry, upload, kind, requirement,"
    " content_type, size, sha256, object_key, thumbnail_key, captured_at, latitude, longitude,"
    " recorded_by, reason, target, details, recorded_at, prev_hash, entry_hash) VALUES (:id,"
    " :tenant, :work_order, :seq, :entry, :upload, :kind, :requirement, :content_type, :size,"
    " :sha256, :object_key, :thumbnail_key, :captured_at, :latitude, :longitude, :recorded_by,"
    " :reason, :target, :details, :recorded_at, :prev_hash, :entry_hash)"
)
CHAIN = Statement(
    "SELECT id, tenant, work_order, seq, entry, upload, kind, requirement, content_type, size,"
    " sha256, object_key, thumbnail_key, captured_at, latitude, longitude, recorded_by, reason,"
    " target, details, recorded_at, prev_hash, entry_hash FROM media_evidence"
    " WHERE tenant = :tenant AND work_order = :work_order ORDER BY seq"
)

# -- required evidence --------------------------------------------------------------------


class RuleRow(msgspec.Struct, frozen=True):
    id: UUID
    work_order_type: str
    requirements: list[EvidenceRequirement]


class InFlight(msgspec.Struct, frozen=True):
    requirement: str
    kind: str


RULES = Statement(
    "SELECT id, work_order_type, requirements FROM media_evidence_rule WHERE tenant = :tenant"
)
RULE = Statement(
    "SELECT id, work_order_type, requirements FROM media_evidence_rule"
    " WHERE tenant = :tenant AND work_order_type = :work_order_type"
)
UPSERT_RULE = Statement(
    "INSERT INTO media_evidence_rule (id, tenant, work_order_type, requirements, updated_by,"
    " updated_at) VALUES (:id, :tenant, :work_order_type, :requirements, :updated_by, :now)"
    " ON CONFLICT (tenant, work_order_type) DO UPDATE SET requirements = excluded.requirements,"
    " updated_by = excluded.updated_by, updated_at = excluded.updated_at RETURNING id"
)
IN_FLIGHT = Statement(
    "SELECT requirement, kind FROM media_upload WHERE tenant = :tenant"
    " AND work_order = :work_order AND status IN ('pending', 'uploaded') AND requirement != ''"
)

# -- downloads ----------------------------------------------------------------------------


class EvidenceFile(msgspec.Struct, frozen=True):
    id: UUID
    work_order: UUID
    entry: str
    object_key: str
    thumbnail_key: str
    content_type: str


EVIDENCE_FILE = Statement(
    "SELECT id, work_order, entry, object_key, thumbnail_key, content_type FROM media_evidence"
    " WHERE tenant = :tenant AND id = :id"
)
TOMBSTONE_OF = Statement(
    "SELECT id FROM media_evidence WHERE work_order = :work_order AND entry = 'tombstone'"
    " AND target = :target"
)
INSERT_DOWNLOAD = Statement(
    "INSERT INTO media_download (id, tenant, evidence, issued_to, variant, client_ip, issued_at,"
    " expires_at) VALUES (:id, :tenant, :evidence, :issued_to, :variant, :client_ip, :now,"
    " :expires_at)"
)
DOWNLOADS = Statement(
    "SELECT d.id, d.evidence AS evidence_id, d.issued_to AS issued_to_id, d.variant,"
    " d.client_ip, d.issued_at, d.expires_at FROM media_download d"
    " JOIN media_evidence e ON e.id = d.evidence"
    " WHERE d.tenant = :tenant AND e.work_order = :work_order ORDER BY d.issued_at DESC LIMIT 500"
)
