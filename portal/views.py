"""What a customer sees through their portal link."""

from kernel.context import PortalCaller
from kernel.db import Database
from media import uploads as media_uploads
from mobile_contract import portal as contract
from portal import uploads


async def work_order(*, db: Database, caller: PortalCaller) -> contract.PortalWorkOrder:
    async with db.snapshot() as reader:
        shown = await uploads.work_order_of(reader, caller)
        sent = await media_uploads.sent_through(reader, caller)
    return contract.PortalWorkOrder(
        id=shown.id,
        number=shown.number,
        title=shown.title,
        status=shown.status,
        updated_at=shown.updated_at,
        link_expires_at=caller.expires_at,
        uploads=[
            contract.PortalUpload(
                id=upload.id,
                kind=upload.kind,
                content_type=upload.content_type,
                size=upload.size,
                status=upload.status,
                rejection_reason=upload.rejection_reason,
                created_at=upload.created_at,
            )
            for upload in sent
        ],
        uploads_left=max(0, uploads.PORTAL_MAX_UPLOADS - len(sent)),
    )
