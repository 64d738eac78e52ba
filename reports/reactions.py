"""How ``reports`` reacts to what the packages below it announce (``kernel.events``): a work
order that closes gets its report generated."""

from uuid import uuid4

from kernel.db import Transaction
from kernel.events import Reactions
from kernel.wakeup import Wakeup
from mobile_contract.enums import WorkOrderStatus
from mobile_contract.reports import ReportStatus
from reports import sql
from workorders.events import WorkOrderMoved

WAKEUP = Wakeup()  # a closed work order wakes this process's report workers


async def work_order_moved(tx: Transaction, event: WorkOrderMoved) -> None:
    """Closing makes the report final and due (in the closing transaction, so a close that
    rolls back leaves no report behind); the worker makes the PDF after the commit."""
    if event.status_after != WorkOrderStatus.CLOSED or event.status_before == event.status_after:
        return
    await tx.execute(
        sql.CLOSE,
        id=uuid4(),
        tenant=event.tenant_id,
        work_order=event.work_order_id,
        root_cause="",
        prevention="",
        parts_used="[]",
        filled_by=None,
        filled_at=None,
        status=ReportStatus.PENDING.value,
        due=event.now,
        now=event.now,
    )
    tx.after_commit(WAKEUP.wake)


def install(reactions: Reactions) -> None:
    """Register this package's reactions (called once per database, by server/wiring.py)."""
    reactions.on(WorkOrderMoved, work_order_moved)
