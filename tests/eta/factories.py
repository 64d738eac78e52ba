"""Resolved repairs written straight to the table, with the times an estimate test needs (the
API cannot resolve a work order in the past)."""

import uuid
from datetime import datetime, timedelta

from kernel.db import Database
from mobile_contract.enums import Channel, Priority, WorkOrderStatus, WorkOrderType
from mobile_contract.sync import StatusStep
from mobile_contract.work_orders import CapturedMetadata
from workorders import sql
from workorders.sql import WorkOrderRow

S = WorkOrderStatus


async def add_repairs(
    db: Database,
    tenant_id: uuid.UUID,
    durations: list[timedelta],
    *,
    resolved_at: datetime,
    team_id: uuid.UUID | None,
    asset_id: uuid.UUID | None,
    priority: Priority = Priority.P2,
    type: WorkOrderType = WorkOrderType.COLD_STORAGE_REPAIR,
    status: WorkOrderStatus = S.CLOSED,
    started_after: timedelta = timedelta(minutes=30),
) -> None:
    """One repair per duration, all resolved at ``resolved_at`` (so created that long before),
    new until ``started_after`` and in progress from then on."""
    async with db.transaction() as tx:
        for duration in durations:
            created_at = resolved_at - duration
            steps = [
                StatusStep(status=S.NEW, at=created_at),
                StatusStep(status=S.IN_PROGRESS, at=created_at + started_after),
                StatusStep(status=S.RESOLVED, at=resolved_at),
            ]
            if status is not S.RESOLVED:
                steps.append(StatusStep(status=status, at=resolved_at))
            row = WorkOrderRow(
                id=uuid.uuid4(),
                number=f"H-{uuid.uuid4().hex[:12]}",
                title="Past repair",
                description="",
                type=type,
                priority=priority,
                status=status,
                channel=Channel.WEB,
                team_id=team_id,
                asset_id=asset_id,
                metadata=CapturedMetadata(),
                created_at=created_at,
                updated_at=resolved_at,
                resolved_at=resolved_at,
                closed_at=resolved_at if status in (S.CLOSED, S.CANCELLED) else None,
                version=1,
                status_history=steps,
            )
            await tx.execute(
                sql.INSERT_WORK_ORDER,
                tenant=tenant_id,
                **sql.work_order_params(row, sql.WORK_ORDER_FIELDS),
            )
