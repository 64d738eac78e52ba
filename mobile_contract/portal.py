"""The customer portal: a link a dispatcher sends the customer reaches one work order.

Its token is shown once, when the link is made; the server keeps only its hash. The customer's
web page or app sends it as ``Authorization: Bearer fpt_…`` to the ``/api/v1/portal`` routes
(and nowhere else: staff routes refuse it, portal routes refuse a staff token).
"""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.enums import EvidenceKind, UploadStatus, WorkOrderStatus
from mobile_contract.types import Phone, ShortText


class PortalLinkCreate(msgspec.Struct, kw_only=True):
    contact_name: ShortText = ""  # whom the link was sent to, for the dispatcher's list
    contact_phone: Phone = ""
    valid_days: Annotated[int, Meta(ge=1, le=90)] = 30


class PortalLink(msgspec.Struct, kw_only=True):
    id: UUID
    work_order_id: UUID
    contact_name: str = ""
    contact_phone: str = ""
    created_by_id: UUID | None = None
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None = None
    active: bool  # neither revoked nor expired


class PortalLinkIssued(msgspec.Struct, kw_only=True):
    """The only answer that carries the token: send it to the customer, it is not kept."""

    link: PortalLink
    token: str


class PortalLinkList(msgspec.Struct, kw_only=True):
    items: list[PortalLink]


class PortalUpload(msgspec.Struct, kw_only=True):
    id: UUID
    kind: EvidenceKind
    content_type: str
    size: int
    status: UploadStatus
    rejection_reason: str = ""
    created_at: datetime


class PortalWorkOrder(msgspec.Struct, kw_only=True):
    """What a portal link shows of its work order (the portal issue widens it)."""

    id: UUID
    number: str
    title: str
    status: WorkOrderStatus
    updated_at: datetime
    link_expires_at: datetime
    uploads: list[PortalUpload] = []  # what this link sent, and what became of it
    uploads_left: int  # how many more files this link may send
