"""The pushes the work-order life cycle causes, written in its transaction (outbox)."""

from kernel.db import Transaction
from mobile_contract.enums import Priority, WorkOrderStatus
from push import acks, outbox, texts
from push.providers import HIGH, NORMAL, URGENT
from workorders.events import WorkOrderMoved

# P0 breaks through Focus modes; P2 and P3 wait for a moment that suits the device.
_URGENCY = {Priority.P0: URGENT, Priority.P1: HIGH, Priority.P2: NORMAL, Priority.P3: NORMAL}


async def work_order_moved(tx: Transaction, event: WorkOrderMoved) -> None:
    if event.assignee_after not in (None, event.assignee_before):
        await _assigned(tx, event)
    if event.status_before is WorkOrderStatus.ASSIGNED and event.assignee_before == event.actor_id:
        # The engineer answered the assignment (accepted or refused it): they were reached,
        # whether or not their app acknowledged the push.
        await acks.acknowledge_subject(
            tx=tx,
            tenant_id=event.tenant_id,
            recipient_id=event.actor_id,
            subject_id=event.work_order_id,
            now=event.now,
        )
    await _moved_on(tx, event)


async def _assigned(tx: Transaction, event: WorkOrderMoved) -> None:
    """Tell the engineer a work order is theirs (assignment or reassignment to them), in
    each of their devices' languages."""
    assert event.assignee_after is not None
    work_order_id = event.work_order_id
    params = {"priority": event.priority.value, "number": event.number, "title": event.title}
    title, body = texts.render("assignment", params, texts.ENGLISH) or (event.number, "")
    await outbox.enqueue(
        tx=tx,
        tenant_id=event.tenant_id,
        recipients=[event.assignee_after],
        message=outbox.Message(
            kind="assignment",
            title=title,
            body=body,
            params=params,
            subject_id=work_order_id,
            data={"work_order_id": str(work_order_id), "number": event.number},
            priority=_URGENCY[event.priority],
            collapse_key=f"wo:{work_order_id}",
            needs_ack=event.priority is Priority.P0,
        ),
        now=event.now,
    )


async def _moved_on(tx: Transaction, event: WorkOrderMoved) -> None:
    """An assignment push waits for its engineer's acknowledgement only while the work order
    is still assigned to them: reassigned away, cancelled or otherwise moved on, nobody is
    alerted about the old engineer's silence."""
    waiting = event.status_after is WorkOrderStatus.ASSIGNED
    if event.status_before is not WorkOrderStatus.ASSIGNED or (
        waiting and event.assignee_after == event.assignee_before
    ):
        return
    await acks.withdraw_subject(
        tx=tx,
        tenant_id=event.tenant_id,
        subject_id=event.work_order_id,
        keep_recipient=event.assignee_after if waiting else None,
        now=event.now,
    )
