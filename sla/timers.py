"""The timer worker: fires the SLA timers that are due (warnings, breaches, escalation stages)
in the transaction that marks them fired, so each fires once however many workers run
(claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL; one writer at a time on SQLite).

Timers are rows, not sleeping tasks: a restart loses none, and a timer that came due while no
worker ran fires on the next round (late, never lost)."""

import logging
import sqlite3
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import msgspec

from directory import services as directory
from kernel.clock import utcnow
from kernel.context import SystemCaller
from kernel.db import Database, Transaction
from kernel.rows import json_text
from kernel.wakeup import Wakeup, run_rounds
from mobile_contract.enums import Priority, Role
from mobile_contract.sla import ClockKind, EscalationStage, RecipientKind
from sla import sql, tracking
from sla.clocks import summary
from sla.events import ClockPassed, Escalated
from workorders import queries as work_orders
from workorders.sql import WorkOrderRow
from workorders.timeline import Event, record_events
from workorders.writes import store_sla

log = logging.getLogger("fieldops.sla")

WAKEUP = Wakeup()  # the timer workers of this process
SNAPSHOT_TIMELINE = 5  # the last entries an escalation's snapshot carries
_NOBODY = UUID(int=0)  # bound where the tenant filter is off
MAX_ATTEMPTS = 3  # failed firings of one timer before it is given up


def _transient(error: BaseException) -> bool:
    """The database or the network failing (the next round may succeed), not the timer."""
    return isinstance(
        error,
        OSError
        | TimeoutError
        | asyncpg.exceptions.PostgresConnectionError
        | asyncpg.exceptions.InterfaceError
        | sqlite3.OperationalError,
    )


class FiringFailed(Exception):
    """Firing ``timer`` raised (the cause is chained)."""

    def __init__(self, timer: "sql.DueTimer") -> None:
        super().__init__(f"the {timer.kind} timer {timer.id} failed")
        self.timer = timer


class TimerWorker:
    def __init__(
        self,
        *,
        db: Database,
        clock: Callable[[], datetime] = utcnow,
        batch: int = 200,
        poll_seconds: float = 1.0,
        tenant_id: UUID | None = None,
    ) -> None:
        """``tenant_id``: fire one tenant's timers only (a test's own, among others')."""
        self.db, self.clock, self.batch, self.poll_seconds = db, clock, batch, poll_seconds
        self.tenant_id = tenant_id
        self._failures: dict[UUID, int] = {}  # timers whose firing failed, by id

    async def run_once(self) -> int:
        """Fire what is due now (up to ``batch``, in one transaction); answers how many fired.
        When a batch fails, its timers are fired one at a time, so one that cannot fire does
        not hold up the others; it is given up (logged at ERROR) after a few attempts."""
        now = self.clock()
        try:
            return await self._fire(now, self.batch)
        except Exception:
            log.exception("sla: a batch of timers failed; firing them one at a time")
        fired = 0
        for _ in range(self.batch):
            try:
                done = await self._fire(now, 1)
            except FiringFailed as failed:
                self._failures[failed.timer.id] = self._failures.get(failed.timer.id, 0) + 1
                if self._failures[failed.timer.id] < MAX_ATTEMPTS:
                    raise
                await self._give_up(failed.timer, now)
                done = 1
            if not done:
                break
            fired += done
        return fired

    async def _fire(self, now: datetime, limit: int) -> int:
        async with self.db.transaction() as tx:
            due = await tx.fetch(
                sql.CLAIM,
                sql.DueTimer,
                now=now,
                limit=limit,
                every_tenant=self.tenant_id is None,
                tenant=self.tenant_id or _NOBODY,
            )
            if not due:
                return 0
            await tx.execute(sql.MARK_FIRED, now=now, ids=[timer.id for timer in due])
            try:
                await _fire_all(tx, due, now)
            except Exception as error:
                if limit == 1 and not _transient(error):
                    raise FiringFailed(due[0]) from error
                raise
        for timer in due:
            self._failures.pop(timer.id, None)
        return len(due)

    async def _give_up(self, timer: sql.DueTimer, now: datetime) -> None:
        """A timer that failed ``MAX_ATTEMPTS`` times: marked fired without its effect, so the
        others fire; the log says which, for whoever investigates."""
        async with self.db.transaction() as tx:
            await tx.execute(sql.MARK_FIRED, now=now, ids=[timer.id])
        self._failures.pop(timer.id, None)
        log.error(
            "sla: gave up the %s timer %s (%s clock) of work order %s after %d failed attempts",
            timer.kind,
            timer.id,
            timer.clock,
            timer.work_order,
            MAX_ATTEMPTS,
        )

    async def run(self) -> None:
        await run_rounds(
            wakeup=WAKEUP,
            round_=self.run_once,
            poll_seconds=self.poll_seconds,
            name="sla timers",
            log=log,
        )


async def _fire_all(tx: Transaction, due: list[sql.DueTimer], now: datetime) -> None:
    """Fire claimed timers: their work orders read and their timeline entries written once
    per tenant, not once per timer (a burst of thousands is round trips, not CPU)."""
    for tenant in sorted({timer.tenant for timer in due}, key=str):
        mine = [timer for timer in due if timer.tenant == tenant]
        rows = await work_orders.rows_in_tenant(
            tx, tenant, sorted({timer.work_order for timer in mine}, key=str)
        )
        found = {row.id: row for row in rows}
        events = [await fire(tx, timer, found[timer.work_order], now) for timer in mine]
        await record_events(tx, actor=SystemCaller(tenant_id=tenant, name="sla"), events=events)


async def fire(tx: Transaction, timer: sql.DueTimer, row: WorkOrderRow, now: datetime) -> Event:
    """Do what ``timer`` is for; answers its timeline entry (written with its batch's)."""
    late = (now - timer.due_at).total_seconds()
    facts: dict[str, Any] = {"clock": timer.clock.value, "due_at": timer.due_at.isoformat()}
    if timer.kind == "warning":
        facts["percent"] = timer.detail.get("percent")
        action = "sla_warning"
    elif timer.kind == "breach":
        await tx.execute(
            sql.SET_BREACHED,
            now=now,
            tenant=timer.tenant,
            work_order=timer.work_order,
            kind=timer.clock.value,
        )
        clocks = await tracking.load(tx, timer.tenant, timer.work_order)
        shown = [summary(clocks[kind]) for kind in ClockKind if kind in clocks]
        await store_sla(tx, timer.tenant, timer.work_order, shown)
        action = "sla_breached"
    else:
        stage = msgspec.convert(
            {k: v for k, v in timer.detail.items() if k != "stage"}, EscalationStage
        )
        facts.update(await _escalate(tx, timer, row, stage, now))
        action = "escalated"
    if action != "escalated":
        await tx.publish(
            ClockPassed(
                tenant_id=timer.tenant,
                work_order_id=row.id,
                kind=action,
                clock=ClockKind(timer.clock),
                due_at=timer.due_at,
                now=now,
                percent=facts.get("percent"),
            )
        )
    log.log(
        logging.DEBUG if action == "sla_warning" else logging.INFO,
        "sla: %s %s of %s (%.1f s late)",
        action,
        timer.clock,
        row.number,
        late,
    )
    return Event(row.id, action, now, after=facts)


async def _escalate(
    tx: Transaction,
    timer: sql.DueTimer,
    row: WorkOrderRow,
    stage: EscalationStage,
    now: datetime,
) -> dict[str, Any]:
    """Record the escalation and announce it (``push`` sends the pushes and the on-call
    alert); answers what the timeline says of it."""
    number = int(timer.detail.get("stage", 0))
    recipients = await _recipients(tx, timer.tenant, row, stage)
    on_call = any(r.kind is RecipientKind.ON_CALL for r in stage.recipients)
    escalation_id = uuid4()
    await tx.execute(
        sql.INSERT_ESCALATION,
        id=escalation_id,
        tenant=timer.tenant,
        work_order=row.id,
        stage=number,
        clock=timer.clock.value,
        recipients=json_text(recipients),
        on_call=on_call,
        strong=stage.strong,
        now=now,
    )
    await tx.publish(
        Escalated(
            tenant_id=timer.tenant,
            escalation_id=escalation_id,
            work_order_id=row.id,
            number=row.number,
            title=row.title,
            priority=Priority(row.priority),
            stage=number,
            clock=ClockKind(timer.clock),
            recipient_ids=recipients,
            on_call=on_call,
            strong=stage.strong,
            critical=stage.critical,
            overdue_seconds=(now - row.created_at).total_seconds(),
            now=now,
            snapshot=await snapshot(tx, timer.tenant, row),
        )
    )
    return {
        "stage": number,
        "escalation_id": str(escalation_id),
        "recipients": [str(user) for user in recipients],
        "on_call": on_call,
        "strong": stage.strong,
    }


async def _recipients(
    tx: Transaction, tenant_id: UUID, row: WorkOrderRow, stage: EscalationStage
) -> list[UUID]:
    """The people a stage names, active ones only, each once, in the stage's order."""
    found: list[UUID] = []
    for recipient in stage.recipients:
        kind = recipient.kind
        if kind is RecipientKind.ASSIGNEE:
            ids = [row.assignee_id] if row.assignee_id else []
        elif kind is RecipientKind.TEAM_LEADS:
            ids = (
                [
                    r.id
                    for r in await tx.fetch(
                        sql.TEAM_LEADS, sql.Id, tenant=tenant_id, team=row.team_id, active=True
                    )
                ]
                if row.team_id
                else []
            )
        elif kind in (RecipientKind.SUPERVISORS, RecipientKind.DISPATCHERS):
            role = Role.SUPERVISOR if kind is RecipientKind.SUPERVISORS else Role.DISPATCHER
            people = await tx.fetch(
                sql.WITH_ROLE, sql.Id, tenant=tenant_id, role=role.value, active=True
            )
            ids = [r.id for r in people]
        elif kind is RecipientKind.USERS and recipient.user_ids:
            people = await tx.fetch(
                sql.ACTIVE_USERS, sql.Id, tenant=tenant_id, ids=recipient.user_ids, active=True
            )
            ids = [r.id for r in people]
        else:
            ids = []
        found += [user for user in sorted(ids, key=str) if user not in found]
    return found


async def snapshot(tx: Transaction, tenant_id: UUID, row: WorkOrderRow) -> dict[str, Any]:
    """What a supervisor needs to act from the lock screen: the work order, where, what, why
    this priority, and the last things that happened to it."""
    site = await directory.site_by_id(tenant_id, row.site_id, reader=tx) if row.site_id else None
    asset = (
        await directory.asset_by_id(tenant_id, row.asset_id, reader=tx) if row.asset_id else None
    )
    entries = (await work_orders.timeline(tx, tenant_id, row.id))[-SNAPSHOT_TIMELINE:]
    return {
        "number": row.number,
        "title": row.title,
        "priority": row.priority,
        "status": row.status,
        "site": site.name if site else "",
        "asset": f"{asset.name} ({asset.device_code})".strip() if asset else "",
        "priority_reasons": [reason.rule_name for reason in row.priority_reasons],
        "timeline": [
            {
                "action": entry.action,
                "by": entry.actor_name or entry.actor_role,
                "at": entry.server_time.isoformat(),
            }
            for entry in entries
        ],
    }
