"""The pushes the work-order life cycle causes, written in the same transaction (outbox)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from kernel.context import Actor
from mobile_contract.enums import Priority
from push import acks, outbox


async def assigned(*, actor: Actor, row: dict[str, Any], now: datetime) -> None:
    """Tell the engineer a work order is theirs (assignment or reassignment to them)."""
    work_order_id: UUID = row["id"]
    await outbox.enqueue(
        tenant_id=actor.tenant_id,
        recipients=[row["assignee_id"]],
        message=outbox.Message(
            kind="assignment",
            title=f"{row['priority']} {row['number']} assigned to you",
            body=row["title"],
            subject_id=work_order_id,
            data={"work_order_id": str(work_order_id), "number": row["number"]},
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
