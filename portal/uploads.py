"""What a customer may upload through a portal link, beyond what anyone may: photos, videos
and documents of their own repair while it is open, none answering the required evidence (that
stays the engineer's), and at most PORTAL_MAX_UPLOADS files per link. The upload sessions
themselves are media's (``media.uploads``); these are the rules it asks the portal for."""

from uuid import UUID

from kernel.context import PortalCaller
from kernel.db import Reader, Transaction
from kernel.errors import DomainError, NotFound
from media import uploads
from mobile_contract import media as contract
from mobile_contract.enums import EvidenceKind, WorkOrderStatus
from mobile_contract.errors import ErrorCode
from portal import sql
from workorders import queries
from workorders.sql import WorkOrderRow

PORTAL_KINDS = frozenset({EvidenceKind.PHOTO, EvidenceKind.VIDEO, EvidenceKind.DOCUMENT})
# Every file a link ever declared counts (rejected, aborted and expired ones too): a link's
# holder cannot make the verifier hash bogus gigabytes, or park bytes, without end.
PORTAL_MAX_UPLOADS = 30


class PortalUploadRules:
    """``media.uploads.UploadRules`` for a portal link's holder."""

    def check_work_order(self, caller: PortalCaller, work_order_id: UUID) -> None:
        if work_order_id != caller.work_order_id:  # the routes take it from the link itself
            raise NotFound("work order", work_order_id)

    async def check_request(
        self, reader: Reader, caller: PortalCaller, request: contract.UploadCreate
    ) -> None:
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
        await self.check_open(reader, caller)

    async def check_open(self, reader: Reader, caller: PortalCaller) -> None:
        status = (await work_order_of(reader, caller)).status
        if status in (WorkOrderStatus.CLOSED, WorkOrderStatus.CANCELLED):
            raise DomainError(
                ErrorCode.ILLEGAL_TRANSITION,
                f"This repair is {status}: files can no longer be added to it.",
                {"status": status},
            )

    async def check_quota(self, tx: Transaction, caller: PortalCaller, client_key: str) -> None:
        await tx.fetch(sql.HOLD_LINK, sql.Id, id=caller.link_id)
        others = await uploads.count_sent_through(tx, caller, but=client_key)
        if others >= PORTAL_MAX_UPLOADS:
            raise DomainError(
                ErrorCode.QUOTA_EXCEEDED,
                f"This link has sent the {PORTAL_MAX_UPLOADS} files it may send; ask the "
                "service company for a new link if you need to send more.",
                {"max_uploads": PORTAL_MAX_UPLOADS},
            )


RULES = PortalUploadRules()


async def work_order_of(reader: Reader, caller: PortalCaller) -> WorkOrderRow:
    """The link's work order, whoever it is assigned to (never across tenants)."""
    return await queries.load_row_in_tenant(caller.tenant_id, caller.work_order_id, reader=reader)
