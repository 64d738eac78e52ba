"""The customer portal: a link a dispatcher sends the customer reaches one work order.

Its token is shown once, when the link is made; the server keeps only its hash. The customer's
web page or app sends it as ``Authorization: Bearer fpt_…`` to the ``/api/v1/portal`` routes
(and nowhere else: staff routes refuse it, portal routes refuse a staff token).
"""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.enums import EvidenceKind, HoldReason, UploadStatus, WorkOrderStatus
from mobile_contract.eta import Eta
from mobile_contract.types import Phone, ShortText

# The steps a customer sees (never our internal states): received, assigned, travelling,
# repairing, fixed (being checked), confirmed, done.
CustomerStep = Literal[
    "received", "assigned", "travelling", "repairing", "fixed", "confirmed", "done"
]


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
    views: int = 0  # how often the customer opened the page through it
    last_visited_at: datetime | None = None


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
    step: CustomerStep = "received"  # where the repair is, in the customer's words
    # When each step reached so far was (last) entered, in order; the current one last.
    timeline: "list[PortalStep]" = []
    hold_reason: HoldReason | None = None  # what a paused repair waits for
    handler: "PortalHandler | None" = None  # once an engineer is assigned
    # The promised fix time (the resolution clock): counting down to ``due_at``, or paused
    # with ``remaining_seconds`` left, or ``late``.
    promise: "PortalPromise | None" = None
    eta: Eta | None = None  # estimated from similar repairs; None once resolved
    report_ready: bool = False  # the resolution report can be downloaded
    company: str = ""  # the service company's name
    site_timezone: str = "UTC"  # the times the customer is shown are in it


class PortalStep(msgspec.Struct, kw_only=True):
    step: CustomerStep
    at: datetime


class PortalHandler(msgspec.Struct, kw_only=True):
    name: str
    phone: str = ""
    has_photo: bool = False  # the page shows it from /p/{token}/handler.jpg


class PortalPromise(msgspec.Struct, kw_only=True):
    due_at: datetime | None = None
    paused: bool = False
    remaining_seconds: float | None = None
    late: bool = False


class PortalVisitRate(msgspec.Struct, kw_only=True):
    """Of the work orders opened in the UTC days [start, end) whose customer was sent a portal
    link, how many had it opened at least once (a health scorecard dimension; target 60%)."""

    start: date
    end: date
    work_orders_with_link: int
    visited: int
    rate: float | None = None  # None when no link was sent
    target: float
