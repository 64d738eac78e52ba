"""The resolution report a customer receives when the repair is closed: a PDF in the tenant's
language with the symptom, the root cause and the prevention advice staff wrote, the steps
taken (the work order's notes), the parts used, evidence thumbnails, a timeline summary and
the customer's signature.

Staff fill ``ReportFields`` while the work order is open (dispatch roles and its engineer);
closing it makes the report final and the worker generates the PDF. ``missing`` names what
staff left unfilled: the PDF says so in its place.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.types import TEXT_PATTERN, Name, ShortText

#: Root cause and prevention advice: a few paragraphs in plain words for the customer.
ReportText = Annotated[str, Meta(max_length=4_000, pattern=TEXT_PATTERN)]
MAX_PARTS = 50
#: What a report may lack (``Report.missing``): the fields only staff can write.
ReportField = Literal["root_cause", "prevention"]


class ReportStatus(StrEnum):
    DRAFT = "draft"  # the work order is open: the fields may still change, no PDF yet
    PENDING = "pending"  # closed: the PDF is being generated
    READY = "ready"  # the PDF can be downloaded
    FAILED = "failed"  # generating it failed for good; on-call was alerted


class PartUsed(msgspec.Struct, kw_only=True):
    name: Name
    quantity: Annotated[float, Meta(gt=0, le=1_000_000)] = 1
    note: ShortText = ""  # e.g. the part number or "replaced under warranty"


class ReportFields(msgspec.Struct, kw_only=True):
    """What staff write for the report (``PUT`` replaces all three)."""

    root_cause: ReportText = ""
    prevention: ReportText = ""
    parts_used: Annotated[list[PartUsed], Meta(max_length=MAX_PARTS)] = []


class Report(msgspec.Struct, kw_only=True):
    work_order_id: UUID
    number: str
    status: ReportStatus
    root_cause: str = ""
    prevention: str = ""
    parts_used: list[PartUsed] = []
    missing: list[ReportField] = []  # what the report will say was not recorded
    filled_by_id: UUID | None = None
    filled_at: datetime | None = None
    download_url: str = ""  # where the PDF is, once ready (for this caller's credential)
    size: int = 0  # of the PDF, in bytes
    generated_at: datetime | None = None
    problem: str = ""  # why generating failed (staff only)
