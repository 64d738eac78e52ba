"""What a customer sees through their portal link."""

from kernel import sql
from kernel.context import PortalCaller
from kernel.db import Database
from kernel.rows import uuid_of
from media import customers
from media.tables import Upload
from mobile_contract import portal as contract
from mobile_contract.enums import EvidenceKind, UploadStatus, WorkOrderStatus
from workorders import queries

_UPLOADS = (
    "SELECT id, kind, content_type, size, status, rejection_reason, created_at FROM media_upload"
    " WHERE tenant = {} AND portal_link = {} ORDER BY created_at"
)


async def work_order(*, db: Database, caller: PortalCaller) -> contract.PortalWorkOrder:
    async with db.snapshot():
        row = await queries.load_row_in_tenant(caller.tenant_id, caller.work_order_id)
        uploads = await sql.fetch(Upload, _UPLOADS, caller.tenant_id, caller.link_id)
    sent = [
        contract.PortalUpload(
            id=uuid_of(upload["id"]),
            kind=EvidenceKind(upload["kind"]),
            content_type=upload["content_type"],
            size=upload["size"],
            status=UploadStatus(upload["status"]),
            rejection_reason=upload["rejection_reason"],
            created_at=upload["created_at"],
        )
        for upload in uploads
    ]
    return contract.PortalWorkOrder(
        id=uuid_of(row["id"]),
        number=row["number"],
        title=row["title"],
        status=WorkOrderStatus(row["status"]),
        updated_at=row["updated_at"],
        link_expires_at=caller.expires_at,
        uploads=sent,
        uploads_left=max(0, customers.PORTAL_MAX_UPLOADS - len(sent)),
    )
