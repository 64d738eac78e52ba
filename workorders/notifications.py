"""The pushes the work-order life cycle causes, written in the same transaction (outbox)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from kernel.context import Actor
from mobile_contract.enums import Priority, WorkOrderStatus
from push import acks, outbox, texts
from push.providers import HIGH, NORMAL, URGENT

# P0 breaks through Focus modes; P2 and P3 wait for a moment that suits the device.
_URGENCY = {Priority.P0: URGENT, Priority.P1: HIGH, Priority.P2: NORMAL, Priority.P3: NORMAL}


async def assigned(*, actor: Actor, row: dict[str, Any], now: datetime) -> None:
    """Tell the engineer a work order is theirs (assignment or reassignment to them), in
    each of their devices' languages."""
    work_order_id: UUID = row["id"]
    params = {"priority": row["priority"], "number": row["number"], "title": row["title"]}
    title, body = texts.render("assignment", params, texts.ENGLISH) or (row["number"], "")
    await outbox.enqueue(
        tenant_id=actor.tenant_id,
        recipients=[row["assignee_id"]],
        message=outbox.Message(
            kind="assignment",
            title=title,
            body=body,
            params=params,
            subject_id=work_order_id,
            data={"work_order_id": str(work_order_id), "number": row["number"]},
            priority=_URGENCY[Priority(row["priority"])],
            collapse_key=f"wo:{work_order_id}",
            needs_ack=row["priority"] == Priority.P0,
        ),
        now=now,
    )


async def responded(*, actor: Actor, work_order_id: UUID, now: datetime) -> None:
    """The engineer answered an assignment (accepted or refused it): they were reached,
    whether or not their app acknowledged the push."""
    await acks.acknowledge_subject(
        tenant_id=actor.tenant_id, recipient_id=actor.user_id, subject_id=work_order_id, now=now
    )


async def moved_on(
    *, actor: Actor, before: dict[str, Any], after: dict[str, Any], now: datetime
) -> None:
    """An assignment push waits for its engineer's acknowledgement only while the work order
    is still assigned to them: reassigned away, cancelled or otherwise moved on, nobody is
    alerted about the old engineer's silence."""
    waiting = after["status"] == WorkOrderStatus.ASSIGNED
    if before["status"] != WorkOrderStatus.ASSIGNED or (
        waiting and after["assignee_id"] == before["assignee_id"]
    ):
        return
    await acks.withdraw_subject(
        tenant_id=actor.tenant_id,
        subject_id=after["id"],
        keep_recipient=after["assignee_id"] if waiting else None,
        now=now,
    )
