"""Upload sessions as message attachments (``messaging``, a package below this one, owns the
messages; media owns the uploads): the check before a message carries them, and how a message
shows them."""

from collections.abc import Sequence
from uuid import UUID

from kernel.db import Reader, Transaction
from kernel.errors import DomainError, InvalidReference
from media import sql
from media.sql import UploadRow
from messaging.events import Attaching
from mobile_contract import messaging as contract
from mobile_contract.enums import UploadStatus
from mobile_contract.errors import ErrorCode

# What a message may carry: a file on its way (pending), arrived or verified.
ATTACHABLE = frozenset({UploadStatus.PENDING, UploadStatus.UPLOADED, UploadStatus.VERIFIED})


async def attaching(tx: Transaction, event: Attaching) -> None:
    """The reaction to ``Attaching``: every upload is one of the work order's (sent through
    the customer's link when the customer writes) and not refused, aborted or expired; else
    422 ``invalid_reference`` naming the first that is not, and the message is not saved."""
    for upload_id in event.upload_ids:
        row = await _upload(tx, event.tenant_id, upload_id, link_id=event.link_id)
        if row is None or row.work_order != event.work_order_id:
            raise InvalidReference("attachment_ids", upload_id)  # the same as an unknown id
        if row.status not in ATTACHABLE:
            raise DomainError(
                ErrorCode.INVALID_REFERENCE,
                f"Upload {upload_id} cannot be attached: it is {row.status}. Send the file "
                "again as a new upload.",
                {"field": "attachment_ids", "id": str(upload_id), "status": row.status},
            )


class UploadCatalog:
    """``messaging.services.AttachmentCatalog``: the uploads as they are now."""

    async def describe(
        self, reader: Reader, *, tenant_id: UUID, upload_ids: Sequence[UUID]
    ) -> dict[UUID, contract.MessageAttachment]:
        rows = await reader.fetch(
            sql.UPLOAD_SUMMARIES, sql.UploadSummary, tenant=tenant_id, ids=list(upload_ids)
        )
        return {
            row.id: contract.MessageAttachment(
                id=row.id,
                kind=row.kind,
                content_type=row.content_type,
                size=row.size,
                status=row.status,
            )
            for row in rows
        }


CATALOG = UploadCatalog()


async def _upload(
    reader: Reader, tenant_id: UUID, upload_id: UUID, *, link_id: UUID | None
) -> UploadRow | None:
    """The tenant's upload: any of them (staff), or only those sent through ``link_id``."""
    return await reader.fetch_one(
        sql.UPLOAD,
        UploadRow,
        tenant=tenant_id,
        id=upload_id,
        anyone=link_id is None,
        user=None,
        link=link_id,
    )
