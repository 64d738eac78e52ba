"""What a customer sees through their portal link: the repair in plain words, who handles it,
when it should be done, the files they sent; the page (``portal/page.py``) and the JSON route
show the same."""

from datetime import datetime

from accounts import photos
from directory import services as directory
from eta import services as eta
from kernel.clock import utcnow
from kernel.context import PortalCaller
from kernel.db import Database, Reader
from media import uploads as media_uploads
from mobile_contract import portal as contract
from mobile_contract.enums import WorkOrderStatus
from mobile_contract.portal import CustomerStep
from mobile_contract.sla import ClockKind, SlaClock
from portal import sql, texts, uploads
from reports import services as reports
from workorders.sql import WorkOrderRow

# Statuses in which the customer is told who is coming (an engineer is on it).
_HANDLED = frozenset(
    {
        WorkOrderStatus.ASSIGNED,
        WorkOrderStatus.ACCEPTED,
        WorkOrderStatus.EN_ROUTE,
        WorkOrderStatus.ON_SITE,
        WorkOrderStatus.IN_PROGRESS,
        WorkOrderStatus.ON_HOLD,
        WorkOrderStatus.RESOLVED,
        WorkOrderStatus.VERIFIED,
        WorkOrderStatus.CLOSED,
    }
)


async def work_order(
    *, db: Database, caller: PortalCaller, language: str = texts.EN
) -> contract.PortalWorkOrder:
    async with db.snapshot() as reader:
        return await read(reader, caller=caller, language=language, now=utcnow())


async def read(
    reader: Reader,
    *,
    caller: PortalCaller,
    language: str,
    now: datetime,
    company: sql.Company | None = None,
) -> contract.PortalWorkOrder:
    """``company``: the tenant's, when the caller already read it (the page, for its
    language)."""
    shown = await uploads.work_order_of(reader, caller)
    sent = await media_uploads.sent_through(reader, caller)
    company = company or await reader.fetch_one(sql.COMPANY, sql.Company, tenant=caller.tenant_id)
    site = (
        await directory.site_by_id(caller.tenant_id, shown.site_id, reader=reader)
        if shown.site_id
        else None
    )
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
        step=texts.STEP_OF_STATUS[shown.status],
        timeline=_timeline(shown),
        hold_reason=shown.hold_reason if shown.status == WorkOrderStatus.ON_HOLD else None,
        handler=await _handler(reader, caller, shown),
        promise=_promise(shown.sla, now) if shown.status != WorkOrderStatus.CANCELLED else None,
        eta=await eta.estimate(
            reader,
            tenant_id=caller.tenant_id,
            work_order_id=shown.id,
            now=now,
            locale=language,
        ),
        report_ready=await reports.ready_for_portal(reader, caller=caller),
        company=company.name if company else "",
        site_timezone=site.timezone if site else "UTC",
    )


async def _handler(
    reader: Reader, caller: PortalCaller, shown: WorkOrderRow
) -> contract.PortalHandler | None:
    if shown.assignee_id is None or shown.status not in _HANDLED:
        return None
    person = await reader.fetch_one(
        sql.HANDLER, sql.Handler, tenant=caller.tenant_id, id=shown.assignee_id
    )
    if person is None:
        return None
    photo = await photos.photo_of(reader, tenant_id=caller.tenant_id, user_id=shown.assignee_id)
    return contract.PortalHandler(
        name=person.display_name, phone=person.phone, has_photo=photo is not None
    )


async def handler_photo(*, db: Database, caller: PortalCaller) -> bytes | None:
    """The photo of the engineer handling the link's repair, while they handle it."""
    async with db.snapshot() as reader:
        shown = await uploads.work_order_of(reader, caller)
        if shown.assignee_id is None or shown.status not in _HANDLED:
            return None
        photo = await photos.photo_of(reader, tenant_id=caller.tenant_id, user_id=shown.assignee_id)
    return photo.content if photo else None


def _timeline(shown: WorkOrderRow) -> list[contract.PortalStep]:
    """The steps up to the current one, each at the last time it was entered (a repair
    reopened after "fixed" is "repairing" again, and "fixed" is not shown as reached)."""
    entered: dict[CustomerStep, datetime] = {"received": shown.created_at}
    for change in shown.status_history:
        entered[texts.STEP_OF_STATUS[change.status]] = change.at
    reached = texts.STEPS.index(texts.STEP_OF_STATUS[shown.status])
    return [
        contract.PortalStep(step=step, at=entered[step])
        for step in texts.STEPS[: reached + 1]
        if step in entered
    ]


def _promise(clocks: list[SlaClock], now: datetime) -> contract.PortalPromise | None:
    """The resolution clock, as the customer may read it: the time we promised to fix it."""
    clock = next((c for c in clocks if c.kind == ClockKind.RESOLUTION), None)
    if clock is None or clock.met_at is not None:
        return None
    late = clock.breached or (clock.due_at is not None and clock.due_at <= now)
    return contract.PortalPromise(
        due_at=clock.due_at,
        paused=clock.paused,
        remaining_seconds=clock.remaining_seconds,
        late=late,
    )
