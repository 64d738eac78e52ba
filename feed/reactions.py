"""What goes on the feed: every change of a work order (once per transaction), the SLA
clocks' warnings and breaches, the escalations."""

from feed.record import record
from kernel.changes import DocumentChanged, Synced
from kernel.db import Transaction
from kernel.events import Reactions
from mobile_contract.feed import FeedKind
from sla.events import ClockPassed, Escalated


async def document_changed(tx: Transaction, event: DocumentChanged) -> None:
    if event.collection is Synced.WORK_ORDERS:
        await record(
            tx,
            tenant_id=event.tenant_id,
            kind=FeedKind.WORK_ORDER,
            work_order_id=event.document_id,
            now=event.now,
        )


async def clock_passed(tx: Transaction, event: ClockPassed) -> None:
    detail: dict[str, object] = {"clock": event.clock.value, "due_at": event.due_at.isoformat()}
    if event.percent is not None:
        detail["percent"] = event.percent
    await record(
        tx,
        tenant_id=event.tenant_id,
        kind=event.kind,
        work_order_id=event.work_order_id,
        now=event.now,
        detail=detail,
    )


async def escalated(tx: Transaction, event: Escalated) -> None:
    await record(
        tx,
        tenant_id=event.tenant_id,
        kind=FeedKind.ESCALATED,
        work_order_id=event.work_order_id,
        now=event.now,
        detail={
            "stage": event.stage,
            "clock": event.clock.value,
            "escalation_id": str(event.escalation_id),
            "recipients": [str(user) for user in event.recipient_ids],
            "on_call": event.on_call,
            "strong": event.strong,
        },
    )


def install(reactions: Reactions) -> None:
    reactions.on(DocumentChanged, document_changed)
    reactions.on(ClockPassed, clock_passed)
    reactions.on(Escalated, escalated)
