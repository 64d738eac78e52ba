"""The pushes the work-order life cycle causes, written in the same transaction (outbox)."""

from datetime import datetime
from typing import Any
from uuid import UUID

from kernel.context import Actor
from push import outbox


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
        ),
        now=now,
    )
