"""The report for staff (fill its fields while the work order is open, see how far it is,
download it) and for the customer's portal link (see it and download it once closed)."""

import contextlib
import re
from uuid import UUID, uuid4

from kernel.clock import utcnow
from kernel.context import DISPATCH_ROLES, Actor, PortalCaller
from kernel.db import Database, Reader
from kernel.errors import DomainError, Forbidden, NotFound
from kernel.rows import json_text
from media.store import ObjectNotFound, ObjectStore
from mobile_contract import reports as contract
from mobile_contract.errors import ErrorCode
from mobile_contract.reports import ReportField, ReportStatus
from reports import sql
from reports.sql import ReportRow
from workorders import queries
from workorders.sql import WorkOrderRow
from workorders.state_machine import TERMINAL
from workorders.timeline import Event, record_events

PORTAL_PDF = "/api/v1/portal/report.pdf"
MAX_PDF_BYTES = 64 << 20  # far beyond a report's size: a stored object this large is not ours
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]")


def staff_pdf_url(work_order_id: UUID) -> str:
    return f"/api/v1/work-orders/{work_order_id}/report.pdf"


async def show(*, db: Database, actor: Actor, work_order_id: UUID) -> contract.Report:
    """The report of a work order the caller may see: its fields, what is missing, and how
    far its PDF is."""
    async with db.snapshot() as reader:
        row = await queries.load_row(actor, work_order_id, reader=reader)
        report = await _report(reader, actor.tenant_id, row.id)
    return view(row, report, download_url=staff_pdf_url(row.id), staff=True)


async def fill(
    *, db: Database, actor: Actor, work_order_id: UUID, fields: contract.ReportFields
) -> contract.Report:
    """Replace the root cause, prevention advice and parts used (dispatch roles and the work
    order's engineer), until the work order is closed: the report is final then."""
    now = utcnow()
    async with db.transaction() as tx:
        # Held until commit: a close waits for this fill, or this fill sees the close.
        row = await queries.load_row(actor, work_order_id, reader=tx, lock=True)
        if not (actor.dispatches or queries.is_assignee(actor, row)):
            raise Forbidden(
                "Only dispatch roles and the work order's engineer write its report.",
                {"required_roles": sorted(DISPATCH_ROLES), "role": actor.role},
            )
        if row.status in TERMINAL:
            raise _final(row)
        report = await tx.fetch_one(
            sql.FILL,
            ReportRow,
            id=uuid4(),
            tenant=actor.tenant_id,
            work_order=row.id,
            root_cause=fields.root_cause.strip(),
            prevention=fields.prevention.strip(),
            parts_used=json_text(fields.parts_used),
            filled_by=actor.user_id,
            filled_at=now,
            status=ReportStatus.DRAFT.value,
            due=None,
            now=now,
        )
        if report is None:  # no longer a draft
            raise _final(row)
        await record_events(
            tx,
            actor=actor,
            events=[
                Event(
                    work_order_id=row.id,
                    action="report_filled",
                    now=now,
                    after={"missing": missing(report), "parts_used": len(report.parts_used)},
                )
            ],
        )
    return view(row, report, download_url=staff_pdf_url(row.id), staff=True)


async def report_for_portal(*, db: Database, caller: PortalCaller) -> contract.Report | None:
    """The report of the link's work order once it is closed (None before: a draft is staff's
    work in progress), with the portal's download link when the PDF is ready."""
    async with db.snapshot() as reader:
        row = await queries.load_row_in_tenant(
            caller.tenant_id, caller.work_order_id, reader=reader
        )
        report = await _report(reader, caller.tenant_id, row.id)
    if report is None or report.status is ReportStatus.DRAFT:
        return None
    return view(row, report, download_url=PORTAL_PDF, staff=False)


async def ready_for_portal(reader: Reader, *, caller: PortalCaller) -> bool:
    """Whether the link's work order's PDF can be downloaded (on the caller's snapshot)."""
    report = await _report(reader, caller.tenant_id, caller.work_order_id)
    return report is not None and report.status is ReportStatus.READY


async def staff_pdf(
    *, db: Database, store: ObjectStore, actor: Actor, work_order_id: UUID
) -> tuple[bytes, str]:
    """The PDF of a work order the caller may see."""
    async with db.snapshot() as reader:
        await queries.load_row(actor, work_order_id, reader=reader)
    return await pdf_bytes(
        db=db, store=store, tenant_id=actor.tenant_id, work_order_id=work_order_id
    )


async def portal_pdf(
    *, db: Database, store: ObjectStore, caller: PortalCaller
) -> tuple[bytes, str]:
    """The PDF of the link's own work order (nothing else is reachable through it)."""
    return await pdf_bytes(
        db=db, store=store, tenant_id=caller.tenant_id, work_order_id=caller.work_order_id
    )


async def pdf_bytes(
    *, db: Database, store: ObjectStore, tenant_id: UUID, work_order_id: UUID
) -> tuple[bytes, str]:
    """The report's PDF and its file name (``<number>.pdf``); 404 ``not_found`` while it is
    not ready (``details.status`` says how far it is). The caller has checked who may read it:
    this answers any work order of ``tenant_id``."""
    async with db.snapshot() as reader:
        row = await queries.load_row_in_tenant(tenant_id, work_order_id, reader=reader)
        report = await _report(reader, tenant_id, row.id)
    if report is None or report.status is not ReportStatus.READY:
        raise _not_ready(row, report)
    data = bytearray()
    try:
        async with contextlib.aclosing(store.read(key=report.object_key)) as chunks:
            async for chunk in chunks:
                data.extend(chunk)
                if len(data) > MAX_PDF_BYTES:
                    raise NotFound("report", row.number)
    except ObjectNotFound:
        raise NotFound("report", row.number) from None
    return bytes(data), f"{_UNSAFE_NAME.sub('_', row.number) or 'report'}.pdf"


def missing(report: ReportRow | None) -> list[ReportField]:
    """What staff have not written (the PDF says so in its place)."""
    root_cause = report.root_cause if report else ""
    prevention = report.prevention if report else ""
    found: list[ReportField] = []
    if not root_cause.strip():
        found.append("root_cause")
    if not prevention.strip():
        found.append("prevention")
    return found


def view(
    row: WorkOrderRow, report: ReportRow | None, *, download_url: str, staff: bool
) -> contract.Report:
    if report is None:
        return contract.Report(
            work_order_id=row.id,
            number=row.number,
            status=ReportStatus.DRAFT,
            missing=missing(None),
        )
    ready = report.status is ReportStatus.READY
    return contract.Report(
        work_order_id=row.id,
        number=row.number,
        status=report.status,
        root_cause=report.root_cause,
        prevention=report.prevention,
        parts_used=report.parts_used,
        missing=missing(report),
        filled_by_id=report.filled_by if staff else None,
        filled_at=report.filled_at,
        download_url=download_url if ready else "",
        size=report.size if ready else 0,
        generated_at=report.generated_at if ready else None,
        problem=report.last_error if staff else "",
    )


async def _report(reader: Reader, tenant_id: UUID, work_order_id: UUID) -> ReportRow | None:
    return await reader.fetch_one(sql.REPORT, ReportRow, tenant=tenant_id, work_order=work_order_id)


def _final(row: WorkOrderRow) -> DomainError:
    return DomainError(
        ErrorCode.ILLEGAL_TRANSITION,
        f"Work order {row.number} is {row.status}: its report is final and can no longer be "
        "changed.",
        {"status": row.status},
    )


def _not_ready(row: WorkOrderRow, report: ReportRow | None) -> DomainError:
    status = report.status if report else ReportStatus.DRAFT
    reason = {
        ReportStatus.DRAFT: "it is made when the work order is closed",
        ReportStatus.PENDING: "it is being generated; try again in a minute",
        ReportStatus.FAILED: "it could not be generated; the service company has been told",
    }.get(status, "")
    return DomainError(
        ErrorCode.NOT_FOUND,
        f"The report of work order {row.number} is not ready: {reason}.",
        {"resource": "report", "status": status},
    )
