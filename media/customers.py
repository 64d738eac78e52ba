"""What a customer may upload through a portal link, beyond what anyone may: photos, videos
and documents of their own repair while it is open, none answering the required evidence (that
stays the engineer's), and at most PORTAL_MAX_UPLOADS files per link."""

from uuid import UUID

from kernel import sql
from kernel.context import PortalCaller
from kernel.db import Database
from kernel.errors import DomainError, NotFound
from media.tables import Upload
from mobile_contract import media as contract
from mobile_contract.enums import EvidenceKind, WorkOrderStatus
from mobile_contract.errors import ErrorCode
from workorders import queries

PORTAL_KINDS = frozenset({EvidenceKind.PHOTO, EvidenceKind.VIDEO, EvidenceKind.DOCUMENT})
# Every file a link ever declared counts (rejected, aborted and expired ones too): a link's
# holder cannot make the verifier hash bogus gigabytes, or park bytes, without end.
PORTAL_MAX_UPLOADS = 30

# The link's other files: the one being declared may be a replay, answered, not counted.
_OTHERS = (
    "SELECT COUNT(*) AS n FROM media_upload"
    " WHERE tenant = {} AND portal_link = {} AND client_key <> {}"
)
_HOLD = "SELECT id FROM portal_link WHERE id = {} FOR UPDATE"


def check_work_order(caller: PortalCaller, work_order_id: UUID) -> None:
    if work_order_id != caller.work_order_id:  # the routes take it from the link itself
        raise NotFound("work order", work_order_id)


async def check_request(caller: PortalCaller, request: contract.UploadCreate) -> None:
    if request.kind not in PORTAL_KINDS:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            f"Through the portal you can send a {', '.join(sorted(PORTAL_KINDS))}.",
            {"field": "kind", "allowed": sorted(PORTAL_KINDS)},
        )
    if request.requirement:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "Files sent through the portal do not answer the required evidence; leave "
            "'requirement' out.",
            {"field": "requirement"},
        )
    await check_open(caller)


async def check_open(caller: PortalCaller) -> None:
    work_order = await queries.load_row_in_tenant(caller.tenant_id, caller.work_order_id)
    if work_order["status"] in (WorkOrderStatus.CLOSED, WorkOrderStatus.CANCELLED):
        raise DomainError(
            ErrorCode.ILLEGAL_TRANSITION,
            f"This repair is {work_order['status']}: files can no longer be added to it.",
            {"status": work_order["status"]},
        )


async def check_quota(db: Database, caller: PortalCaller, client_key: str) -> None:
    """In the transaction that inserts: a link's creates take turns (the SQLite writer lock;
    a row lock on PostgreSQL), so parallel requests cannot all pass the count."""
    if not db.is_sqlite:
        await sql.fetch(Upload, _HOLD, caller.link_id)
    others = await sql.fetch_one(Upload, _OTHERS, caller.tenant_id, caller.link_id, client_key)
    if others is not None and others["n"] >= PORTAL_MAX_UPLOADS:
        raise DomainError(
            ErrorCode.QUOTA_EXCEEDED,
            f"This link has sent the {PORTAL_MAX_UPLOADS} files it may send; ask the service "
            "company for a new link if you need to send more.",
            {"max_uploads": PORTAL_MAX_UPLOADS},
        )
