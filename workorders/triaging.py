"""Applying triage's decision (``events.Triaging``; the rules live in ``triage``): the rules'
priority unless a person chose one, the zone's team unless one was named, and a timeline
entry saying which rules and which zone."""

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from kernel.db import Transaction
from mobile_contract.enums import PrioritySource, WorkOrderStatus
from mobile_contract.iot import AlarmSeverity
from mobile_contract.triage import TriageResult
from workorders.events import Triaging
from workorders.sql import WorkOrderRow
from workorders.transitions import with_step

# What the rules read: a change to one of these runs them again (unless a person chose).
RULE_INPUTS = frozenset({"title", "description", "type", "site_id", "asset_id", "customer_id"})
MAX_TAGS = 30  # the contract's limit (``Tags``)


async def _decide(
    tx: Transaction,
    *,
    tenant_id: UUID,
    row: WorkOrderRow,
    opening: bool,
    now: datetime,
    alarm_severity: AlarmSeverity | None = None,
) -> TriageResult:
    event = Triaging(
        tenant_id=tenant_id,
        work_order=row,
        opening=opening,
        now=now,
        alarm_severity=alarm_severity,
    )
    await tx.publish(event)
    if event.result is None:
        raise RuntimeError("triage reacted without deciding")
    return event.result


def _by_rules(row: WorkOrderRow, result: TriageResult) -> WorkOrderRow:
    return msgspec.structs.replace(
        row,
        priority=result.priority,
        priority_source=PrioritySource.RULES,
        priority_reasons=result.priority_reasons,
        rule_set_version=result.rule_set_version,
    )


def _summary(row: WorkOrderRow, result: TriageResult) -> dict[str, Any] | None:
    """What the rules and zones decided, for the timeline entry of the change (``triage``
    in its ``after``); None when a person decided both."""
    after: dict[str, Any] = {}
    if row.priority_source is PrioritySource.RULES:
        after["priority"] = row.priority.value
        after["rule_set_version"] = result.rule_set_version
        after["rules"] = [reason.rule_name for reason in result.priority_reasons]
    if result.zone is not None and row.team_id == result.team_id:
        after["team_id"] = str(result.team_id)
        after["zone"] = {"id": str(result.zone.id), "name": result.zone.name}
    return after or None


async def opening(
    tx: Transaction,
    *,
    tenant_id: UUID,
    row: WorkOrderRow,
    priority_chosen: bool,
    team_chosen: bool,
    now: datetime,
    alarm_severity: AlarmSeverity | None = None,
) -> tuple[WorkOrderRow, dict[str, Any] | None]:
    """``row`` (not yet stored) as triage leaves it, and what the timeline says of it."""
    result = await _decide(
        tx, tenant_id=tenant_id, row=row, opening=True, now=now, alarm_severity=alarm_severity
    )
    if not priority_chosen:
        row = _by_rules(row, result)
    tags = row.tags + [tag for tag in result.tags if tag not in row.tags]
    row = msgspec.structs.replace(row, tags=tags[:MAX_TAGS])
    if not team_chosen and result.team_id is not None:
        row = msgspec.structs.replace(row, team_id=result.team_id)
    summary = _summary(row, result)
    if result.assignee_id is not None:
        row = msgspec.structs.replace(
            row,
            status=WorkOrderStatus.ASSIGNED,
            assignee_id=result.assignee_id,
            status_history=with_step(row.status_history, WorkOrderStatus.ASSIGNED, now),
        )
        summary = {**(summary or {}), "assignee_id": str(result.assignee_id)}
        summary["assignment"] = result.assignment_reason
    return row, summary


async def after_edit(
    tx: Transaction,
    *,
    tenant_id: UUID,
    row: WorkOrderRow,
    changed: set[str],
    source: PrioritySource | None,
    now: datetime,
) -> tuple[WorkOrderRow, dict[str, Any] | None]:
    """After an edit (``row`` with its changes): a priority a person set, or kept
    (``source`` person), is theirs and the rules stop; ``source`` rules hands it back to them;
    a change to what the rules read runs them again while they own the priority."""
    rules_again = source is PrioritySource.RULES and "priority" not in changed
    if "priority" in changed or source is PrioritySource.PERSON:
        return (
            msgspec.structs.replace(
                row,
                priority_source=PrioritySource.PERSON,
                priority_reasons=[],
                rule_set_version=None,
            ),
            None,
        )
    if not rules_again and (
        row.priority_source is not PrioritySource.RULES or not changed & RULE_INPUTS
    ):
        return row, None
    alarm = row.alarm.severity if row.alarm is not None else None
    result = await _decide(
        tx, tenant_id=tenant_id, row=row, opening=False, now=now, alarm_severity=alarm
    )
    decided = _by_rules(row, result)
    if not rules_again and decided.priority_reasons == row.priority_reasons:
        return decided, None
    return decided, _summary(decided, result)
