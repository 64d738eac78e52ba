"""Portal visits: every opening of the page through a link is counted (per link and day), so
dispatchers see whether the customer looked, and the health scorecard can tell the share of
work orders whose customer opened their link at least once (target: 60%)."""

from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID, uuid4

from kernel.clock import utcnow
from kernel.context import DISPATCH_ROLES, Actor, PortalCaller, require_role
from kernel.db import Database, Reader
from kernel.errors import DomainError
from mobile_contract import portal as contract
from mobile_contract.errors import ErrorCode
from portal import sql

VISIT_RATE_TARGET = 0.6


async def count_visit(*, db: Database, caller: PortalCaller, now: datetime) -> None:
    async with db.transaction() as tx:
        await tx.execute(
            sql.COUNT_VISIT,
            id=uuid4(),
            tenant=caller.tenant_id,
            link=caller.link_id,
            work_order=caller.work_order_id,
            day=now.date().isoformat(),
            now=now,
        )


async def visit_rate(
    *, db: Database, actor: Actor, start: date, end: date | None
) -> contract.PortalVisitRate:
    """Of the work orders opened in the UTC days [start, end) (``end`` by default: tomorrow)
    whose customer was sent a link, the share whose customer opened it at least once."""
    require_role(actor, DISPATCH_ROLES, "see the portal visit rate")
    end = end or utcnow().date() + timedelta(days=1)
    if end <= start:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED, "'end' must be after 'start'.", {"field": "end"}
        )
    counts = await db.fetch_one(
        sql.VISIT_RATE,
        sql.VisitCounts,
        tenant=actor.tenant_id,
        start=datetime.combine(start, time(), UTC),
        end=datetime.combine(end, time(), UTC),
    )
    sent, visited = (counts.sent, counts.visited) if counts else (0, 0)
    return contract.PortalVisitRate(
        start=start,
        end=end,
        work_orders_with_link=sent,
        visited=visited,
        rate=visited / sent if sent else None,
        target=VISIT_RATE_TARGET,
    )


async def visits_by_link(
    reader: Reader, *, tenant_id: UUID, work_order_id: UUID
) -> dict[UUID, sql.LinkVisits]:
    rows = await reader.fetch(
        sql.LINK_VISITS, sql.LinkVisits, tenant=tenant_id, work_order=work_order_id
    )
    return {row.link: row for row in rows}
