"""The SLA clocks following their work order: started when it opens, met, paused, resumed,
stopped and retargeted as it moves, with their timers recomputed in the same transaction (a
reaction to ``workorders.events.WorkOrderWritten``)."""

from dataclasses import replace
from datetime import datetime
from uuid import UUID, uuid4

from kernel.db import Reader, Transaction
from kernel.rows import json_text
from mobile_contract.enums import CustomerTier, Priority
from mobile_contract.sla import ClockKind
from sla import policies, sql
from sla.clocks import (
    Clock,
    Plan,
    calendar_json,
    calendar_of_json,
    follow,
    summary,
    timer_key,
    wanted,
)
from workorders.events import WorkOrderWritten
from workorders.sql import WorkOrderRow
from workorders.writes import store_sla

# What moves the clocks: their status (met, paused), the hold reason, and what picks the
# policy (priority, and the customer whose tier may have a policy of its own).
_MOVING = ("status", "hold_reason", "priority", "customer_id", "site_id")


async def work_order_written(tx: Transaction, event: WorkOrderWritten) -> None:
    before, after = event.before, event.after
    if before is not None and all(getattr(before, f) == getattr(after, f) for f in _MOVING):
        return
    tenant = event.tenant_id
    stored = {row.kind: row for row in await _clocks(tx, tenant, after.id)}
    clocks = {kind: _clock(row) for kind, row in stored.items()}
    retarget = (
        before is None
        or before.priority != after.priority
        or (before.customer_id, before.site_id) != (after.customer_id, after.site_id)
    )
    if retarget:
        clocks = await _targets(tx, tenant, after, clocks)
    now = event.now
    clocks = {
        kind: follow(clock, after.status, after.hold_reason, now) for kind, clock in clocks.items()
    }
    for kind, clock in clocks.items():
        await _save(tx, tenant, after.id, clock, stored[kind].id if kind in stored else None)
    await reschedule(tx, tenant, after.id, list(clocks.values()), now)
    shown = [summary(clocks[kind]) for kind in ClockKind if kind in clocks]
    await store_sla(tx, tenant, after.id, shown)
    event.sla = shown


async def _targets(
    tx: Transaction, tenant_id: UUID, row: WorkOrderRow, clocks: dict[ClockKind, Clock]
) -> dict[ClockKind, Clock]:
    """The policy's targets for the work order's priority and customer tier, counted from its
    creation: a priority change keeps the time already counted and the pauses taken."""
    tier = await _tier(tx, tenant_id, row)
    resolved = await policies.policy_for(
        tx, tenant_id=tenant_id, priority=Priority(row.priority), tier=tier
    )
    policy = resolved.policy
    targets = {
        ClockKind.RESPONSE: policy.response_seconds,
        ClockKind.ARRIVAL: policy.arrival_seconds,
        ClockKind.RESOLUTION: policy.resolution_seconds,
    }
    changed: dict[ClockKind, Clock] = {}
    for kind, target in targets.items():
        plan = Plan(
            tuple(sorted(set(policy.warn_at_percent))),
            tuple(
                (number, stage)
                for number, stage in enumerate(policy.escalation)
                if stage.clock == kind.value
            ),
        )
        current = clocks.get(kind) or Clock(
            kind=kind, target_seconds=target, started_at=row.created_at
        )
        changed[kind] = replace(
            current,
            target_seconds=target,
            calendar=resolved.calendar,
            calendar_name=resolved.calendar_name,
            plan=plan,
        )
    return changed


async def _tier(tx: Transaction, tenant_id: UUID, row: WorkOrderRow) -> CustomerTier | None:
    found = await tx.fetch_one(
        sql.TIER, sql.Tier, tenant=tenant_id, customer=row.customer_id, site=row.site_id
    )
    return found.tier if found else None


async def reschedule(
    tx: Transaction, tenant_id: UUID, work_order_id: UUID, clocks: list[Clock], now: datetime
) -> None:
    """Replace the work order's unfired timers with what its clocks need now; a timer that
    already fired (a warning, a breach, an escalation stage) is never made again."""
    done = await tx.fetch(sql.FIRED, sql.FiredTimer, tenant=tenant_id, work_order=work_order_id)
    fired = {timer_key(row.clock, row.kind, row.detail) for row in done}
    await tx.execute(sql.DELETE_UNFIRED, tenant=tenant_id, work_order=work_order_id)
    rows = [
        (
            uuid4(),
            tenant_id,
            work_order_id,
            timer.clock.value,
            timer.kind,
            timer.due_at,
            json_text(timer.detail),
            now,
        )
        for clock in clocks
        for timer in wanted(clock)
        if timer.key not in fired
    ]
    if rows:
        await tx.execute(sql.INSERT_TIMERS, rows=rows)


async def _clocks(reader: Reader, tenant_id: UUID, work_order_id: UUID) -> list[sql.ClockRow]:
    return await reader.fetch(sql.CLOCKS, sql.ClockRow, tenant=tenant_id, work_order=work_order_id)


async def load(reader: Reader, tenant_id: UUID, work_order_id: UUID) -> dict[ClockKind, Clock]:
    return {row.kind: _clock(row) for row in await _clocks(reader, tenant_id, work_order_id)}


def _clock(row: sql.ClockRow) -> Clock:
    calendar, name = calendar_of_json(row.calendar)
    return Clock(
        kind=row.kind,
        target_seconds=row.target_seconds,
        started_at=row.started_at,
        calendar=calendar,
        calendar_name=name,
        pauses=tuple((start, end) for start, end in row.pauses if start is not None),
        met_at=row.met_at,
        breached_at=row.breached_at,
        stopped=row.stopped,
        plan=Plan.of_json(row.plan),
    )


async def _save(
    tx: Transaction, tenant_id: UUID, work_order_id: UUID, clock: Clock, clock_id: UUID | None
) -> None:
    values = {
        "tenant": tenant_id,
        "target_seconds": clock.target_seconds,
        "calendar": json_text(calendar_json(clock.calendar, clock.calendar_name)),
        "pauses": json_text([list(pause) for pause in clock.pauses]),
        "met_at": clock.met_at,
        "breached_at": clock.breached_at,
        "stopped": clock.stopped,
        "plan": json_text(clock.plan.as_json()),
    }
    if clock_id is not None:
        await tx.execute(sql.UPDATE_CLOCK, id=clock_id, **values)
    else:
        await tx.execute(
            sql.INSERT_CLOCK,
            id=uuid4(),
            work_order=work_order_id,
            kind=clock.kind.value,
            started_at=clock.started_at,
            **values,
        )
