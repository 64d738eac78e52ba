"""Upload sessions: the declared file (kind, type, size, SHA-256, capture time and place), where
its bytes go (one object, or a multipart upload of fixed-size parts), and what became of it.
Bytes never pass through the API: clients PUT them to signed URLs under a quarantine prefix,
and only a verified upload is promoted to evidence."""

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from accounts.tables import Tenant, User
from workorders.tables import WorkOrder


class Upload(Table, tablename="media_upload"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = ForeignKey(WorkOrder, null=False, index=True)
    created_by = ForeignKey(User, null=True, default=None)  # null: sent through a portal link
    # A customer's upload: the portal link that sent it. The database keeps it a foreign key
    # to portal_link (ON DELETE SET NULL, see the migrations); declared as a plain UUID here so
    # that media does not import portal, the package above it.
    portal_link = UUID(null=True, default=None)
    client_key = Varchar(length=100)  # the client's idempotency key (unique per uploader)
    kind = Varchar(length=20)  # photo, video, document, signature
    requirement = Varchar(length=40, default="")  # the required evidence it answers, if any
    content_type = Varchar(length=100)
    size = BigInt()
    sha256 = Varchar(length=64)
    captured_at = Timestamptz(null=True, default=None)
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    object_key = Varchar(length=300)  # under quarantine/ until verified
    store_upload_id = Varchar(length=300, default="")  # the store's multipart upload id
    part_size = BigInt(default=0)  # 0: a single PUT
    part_count = Integer(default=0)
    status = Varchar(length=20)  # pending, uploaded, verified, rejected, aborted, expired
    rejection_reason = Varchar(length=300, default="")
    created_at = Timestamptz()
    expires_at = Timestamptz()  # an upload not completed by then is aborted
    completed_at = Timestamptz(null=True, default=None)
    claimed_until = Timestamptz(null=True, default=None)  # a verifier holds it until then
    verify_attempts = Integer(default=0)


class Evidence(Table, tablename="media_evidence"):
    """The evidence ledger: append-only, one hash chain per work order. Each entry's hash
    covers its content and the previous entry's hash, so an altered or removed entry breaks
    every hash after it. Removal is a tombstone entry (by a supervisor, with a reason)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = ForeignKey(WorkOrder, null=False, index=True)
    seq = Integer()  # 1, 2, ... per work order (unique with it)
    entry = Varchar(length=20)  # added, tombstone
    upload = ForeignKey(Upload, null=True, default=None)
    kind = Varchar(length=20, default="")
    requirement = Varchar(length=40, default="")
    content_type = Varchar(length=100, default="")  # as sniffed from the bytes
    size = BigInt(default=0)
    sha256 = Varchar(length=64, default="")
    object_key = Varchar(length=300, default="")
    thumbnail_key = Varchar(length=300, default="")
    captured_at = Timestamptz(null=True, default=None)
    latitude = DoublePrecision(null=True, default=None)
    longitude = DoublePrecision(null=True, default=None)
    details = JSON(default="{}")  # EXIF capture time and place, image size ...
    recorded_by = UUID(null=True, default=None)
    reason = Text(default="")  # a tombstone's reason
    target = UUID(null=True, default=None)  # the entry a tombstone removes
    prev_hash = Varchar(length=64)
    entry_hash = Varchar(length=64)
    recorded_at = Timestamptz()


class EvidenceRule(Table, tablename="media_evidence_rule"):
    """A tenant's own list of required evidence for one work-order type (else the defaults)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order_type = Varchar(length=40)  # unique with the tenant
    requirements = JSON(default="[]")  # [{code, label, kinds, reading_ok}]
    updated_by = UUID(null=True, default=None)
    updated_at = Timestamptz()


class Download(Table, tablename="media_download"):
    """The audit of every download link issued: who, which evidence, when, until when."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    evidence = ForeignKey(Evidence, null=False, index=True)
    issued_to = UUID()  # the user
    variant = Varchar(length=20)  # original, thumbnail
    client_ip = Varchar(length=64, default="")
    issued_at = Timestamptz()
    expires_at = Timestamptz()


TABLES: tuple[type[Table], ...] = (Upload, Evidence, EvidenceRule, Download)
