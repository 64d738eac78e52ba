"""Evidence uploads: a client declares the file, PUTs its bytes to signed URLs (one, or one per
part), then completes; bytes never travel through the API or in sync documents."""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.enums import EvidenceKind, EvidenceState, UploadStatus, WorkOrderType
from mobile_contract.types import LINE_PATTERN, TEXT_PATTERN

Sha256 = Annotated[str, Meta(pattern=r"^[0-9a-f]{64}$(?!\n)")]
ClientKey = Annotated[str, Meta(min_length=8, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$(?!\n)")]
ContentType = Annotated[
    str, Meta(min_length=3, max_length=100, pattern=r"^[a-z0-9.+-]+/[a-z0-9.+-]+$(?!\n)")
]
RequirementCode = Annotated[str, Meta(max_length=40, pattern=r"^[a-z0-9_]*$(?!\n)")]


class UploadCreate(msgspec.Struct, kw_only=True):
    """``POST /api/v1/work-orders/{id}/uploads``. Repeating it with the same ``client_key``
    answers the same session (with fresh links), so a retry after a lost answer is safe."""

    client_key: ClientKey
    kind: EvidenceKind
    content_type: ContentType
    size: Annotated[int, Meta(ge=1)]
    sha256: Sha256  # of the whole file: the server re-hashes what arrives
    requirement: RequirementCode = ""  # e.g. photo_before: the required evidence it answers
    captured_at: datetime | None = None
    latitude: Annotated[float, Meta(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Meta(ge=-180, le=180)] | None = None


class SignedUrl(msgspec.Struct, kw_only=True):
    """Send ``method`` to ``url`` with ``headers`` and the bytes before ``expires_at``. An
    upload link takes exactly the declared size (a part link: the part's ``size``), sent with
    ``Content-Length`` (not chunked): S3 refuses any other length, as the signature covers it."""

    method: str
    url: str
    headers: dict[str, str] = {}
    expires_at: datetime


class UploadPart(msgspec.Struct, kw_only=True):
    number: int  # 1-based
    size: int  # the exact size this part must have
    uploaded: bool = False  # the store holds it (resume: send only the others)
    url: SignedUrl | None = None  # absent once uploaded


class UploadSession(msgspec.Struct, kw_only=True):
    id: UUID
    work_order_id: UUID
    kind: EvidenceKind
    requirement: str = ""
    content_type: str
    size: int
    sha256: str
    status: UploadStatus
    rejection_reason: str = ""
    # One PUT of the whole file (``upload``), or ``parts`` of ``part_size`` bytes each (the
    # last one shorter) for large files: upload them in any order, in parallel, then complete.
    upload: SignedUrl | None = None
    part_size: int = 0
    parts: list[UploadPart] = []
    created_at: datetime
    expires_at: datetime  # not completed by then: aborted, its parts discarded


class EvidenceRequirement(msgspec.Struct, kw_only=True):
    """One piece of evidence a work-order type needs before it may be resolved."""

    code: Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[a-z0-9_]+$(?!\n)")]
    label: Annotated[str, Meta(min_length=1, max_length=200, pattern=LINE_PATTERN)]
    kinds: Annotated[list[EvidenceKind], Meta(min_length=1)]
    reading_ok: bool = False  # a recorded reading value answers it too


class EvidenceRules(msgspec.Struct, kw_only=True):
    """``PUT /api/v1/evidence-rules/{work_order_type}`` (admins): the tenant's list."""

    requirements: Annotated[list[EvidenceRequirement], Meta(max_length=20)]


class EvidenceRuleSet(msgspec.Struct, kw_only=True):
    id: UUID | None = None  # the tenant's own list (None: the product's defaults)
    work_order_type: WorkOrderType
    requirements: list[EvidenceRequirement]
    customised: bool  # False: the product's defaults


class EvidenceRuleSetList(msgspec.Struct, kw_only=True):
    items: list[EvidenceRuleSet]


class RequirementState(msgspec.Struct, kw_only=True):
    code: str
    label: str
    kinds: list[EvidenceKind]
    reading_ok: bool = False
    state: EvidenceState


class ReadingCreate(msgspec.Struct, kw_only=True):
    """``POST /api/v1/work-orders/{id}/readings``: a value read on site (e.g. the cold room's
    temperature), recorded in the evidence ledger."""

    requirement: RequirementCode
    value: Annotated[str, Meta(min_length=1, max_length=100, pattern=LINE_PATTERN)]
    unit: Annotated[str, Meta(max_length=20, pattern=LINE_PATTERN)] = ""


class EvidenceEntry(msgspec.Struct, kw_only=True):
    """A ledger entry as clients see it: references and hashes, never bytes."""

    id: UUID
    seq: int
    entry: str  # added, reading, tombstone
    upload_id: UUID | None = None
    kind: str = ""
    requirement: str = ""
    content_type: str = ""
    size: int = 0
    sha256: str = ""
    captured_at: datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    details: dict[str, Any] = {}
    recorded_by_id: UUID | None = None
    recorded_at: datetime
    entry_hash: str


class WorkOrderEvidence(msgspec.Struct, kw_only=True):
    """``GET /api/v1/work-orders/{id}/evidence``: what is required, what is in, the ledger."""

    requirements: list[RequirementState]
    missing: list[str]  # requirement codes that still block resolving
    entries: list[EvidenceEntry]
    chain_intact: bool


class DownloadLink(msgspec.Struct, kw_only=True):
    """A GET link to the evidence file, valid for at most 15 minutes (its issue is audited)."""

    url: str
    expires_at: datetime


class DownloadAudit(msgspec.Struct, kw_only=True):
    id: UUID
    evidence_id: UUID
    issued_to_id: UUID
    variant: str  # original, thumbnail
    client_ip: str = ""
    issued_at: datetime
    expires_at: datetime


class DownloadAuditList(msgspec.Struct, kw_only=True):
    items: list[DownloadAudit]


class EvidenceRemoval(msgspec.Struct, kw_only=True):
    """``POST /api/v1/evidence/{id}/remove``: a tombstone in the ledger, with the reason."""

    reason: Annotated[str, Meta(min_length=3, max_length=1000, pattern=TEXT_PATTERN)]
