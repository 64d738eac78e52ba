"""From alarms to work orders: one open work order per (asset, alarm type).

- A raised alarm with no open work order opens one, through the same creation path as every
  other channel (channel ``iot``).
- A repeat adds nothing to the work order until the debounce window since its last refresh
  has passed; then one timeline entry and a refreshed summary (occurrences counted).
- ``cleared`` marks the summary cleared and flags the work order for verification; it never
  closes it. A raise after a clear is a return of the fault: a timeline entry.
- After the work order is closed or cancelled, the next raise opens a new one.

An alarm older than the summary's last one changes no state: a terminal's offline buffer can
arrive after newer alarms.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import msgspec

from alarms import sql
from kernel.clock import as_utc
from kernel.context import TerminalCaller
from kernel.db import Transaction
from mobile_contract import iot
from mobile_contract.enums import Channel, WorkOrderType
from mobile_contract.work_orders import WorkOrderCreate
from workorders import queries
from workorders import services as work_orders
from workorders.writes import check_version

COLD_CHAIN = frozenset(
    {iot.AlarmType.OVER_TEMPERATURE, iot.AlarmType.COMPRESSOR_STOP, iot.AlarmType.DOOR_OPEN}
)
LABELS = {
    iot.AlarmType.OVER_TEMPERATURE: "Over-temperature",
    iot.AlarmType.COMPRESSOR_STOP: "Compressor stopped",
    iot.AlarmType.DOOR_OPEN: "Door open",
    iot.AlarmType.POWER_LOSS: "Power loss",
    iot.AlarmType.SENSOR_FAULT: "Sensor fault",
    iot.AlarmType.CUSTOM: "Alarm",
}


@dataclass(slots=True)
class Incident:
    """What one batch does to one (asset, alarm type): its open work order (if any), and the
    summary and timeline entries still to be written."""

    work_order: sql.OpenWorkOrder | None
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    refresh: bool = False  # the summary changed: write it once the alarms are stored


async def apply(
    tx: Transaction,
    *,
    terminal: TerminalCaller,
    asset_id: UUID,
    alarm_type: iot.AlarmType,
    alarms: list[iot.AlarmIn],
    now: datetime,
    debounce: timedelta,
) -> tuple[Incident, list[sql.OpenWorkOrder | None]]:
    """Walk ``alarms`` (one asset, one type, in the order they occurred) through the rules;
    answers the incident and the work order each alarm belongs to."""
    found = await tx.fetch_one(
        sql.OPEN_WORK_ORDER,
        sql.OpenWorkOrder,
        tenant=terminal.tenant_id,
        asset=asset_id,
        type=alarm_type,
    )
    incident = Incident(work_order=found)
    owners: list[sql.OpenWorkOrder | None] = []
    for alarm in alarms:
        if incident.work_order is None and alarm.state is iot.AlarmState.RAISED:
            incident = await _open(tx, terminal, asset_id, alarm, now)
        elif incident.work_order is not None:
            _follow(incident, alarm, now, debounce)
        owners.append(incident.work_order)
    return incident, owners


async def finish(
    tx: Transaction, *, terminal: TerminalCaller, incident: Incident, now: datetime
) -> None:
    """Write the summary (occurrences counted from the stored alarms) and its entries, as a
    compare-and-set on the version the decision was made on."""
    found = incident.work_order
    if found is None or found.alarm is None or not incident.refresh:
        return
    row = await queries.load_row_in_tenant(terminal.tenant_id, found.id, reader=tx)
    check_version(row, found.version)
    counted = await tx.fetch_one(
        sql.RAISED_COUNT, sql.Count, tenant=terminal.tenant_id, work_order=row.id
    )
    occurrences = counted.count if counted else found.alarm.occurrences
    summary = msgspec.structs.replace(found.alarm, occurrences=occurrences)
    events = [
        (action, {**after, "occurrences": occurrences} if action == "alarm_repeated" else after)
        for action, after in incident.events
    ]
    await work_orders.record_alarm(
        tx, author=terminal, row=row, alarm=summary, events=events, now=now
    )


async def _open(
    tx: Transaction, terminal: TerminalCaller, asset_id: UUID, alarm: iot.AlarmIn, now: datetime
) -> Incident:
    asset = await tx.fetch_one(
        sql.ASSET_DETAILS, sql.AssetDetails, tenant=terminal.tenant_id, id=asset_id
    )
    occurred = as_utc(alarm.occurred_at)
    summary = iot.AlarmSummary(
        type=alarm.type,
        severity=alarm.severity,
        state=iot.AlarmState.RAISED,
        terminal_id=terminal.terminal_id,
        device_code=terminal.device_code,
        value=alarm.value,
        threshold=alarm.threshold,
        unit=alarm.unit,
        first_occurred_at=occurred,
        last_occurred_at=occurred,
        refreshed_at=now,
    )
    code = asset.device_code if asset else terminal.device_code
    data = WorkOrderCreate(
        title=_title(alarm, code),
        description=_description(alarm, terminal.device_code, occurred),
        type=(
            WorkOrderType.COLD_STORAGE_REPAIR
            if alarm.type in COLD_CHAIN
            else WorkOrderType.EQUIPMENT_REPAIR
        ),
        channel=Channel.IOT,
        site_id=asset.site if asset else None,
        asset_id=asset_id,
        customer_id=asset.customer if asset else None,
        tags=["iot", alarm.type.value],
    )
    row = await work_orders.open_in(
        tx, author=terminal, data=data, now=now, alarm_type=alarm.type.value, alarm=summary
    )
    return Incident(
        work_order=sql.OpenWorkOrder(
            id=row.id, number=row.number, version=row.version, alarm=summary
        )
    )


def _follow(incident: Incident, alarm: iot.AlarmIn, now: datetime, debounce: timedelta) -> None:
    found = incident.work_order
    if found is None or found.alarm is None:  # never: alarm_type and a summary come together
        return
    summary = found.alarm
    occurred = as_utc(alarm.occurred_at)
    newer = occurred >= summary.last_occurred_at
    values = {"value": alarm.value, "occurred_at": occurred.isoformat()}
    if newer and alarm.state is not summary.state:
        cleared = alarm.state is iot.AlarmState.CLEARED
        summary = msgspec.structs.replace(
            summary,
            state=alarm.state,
            cleared_at=occurred if cleared else None,
            needs_verification=cleared,
            refreshed_at=now,
        )
        incident.events.append(("alarm_cleared" if cleared else "alarm_raised", values))
        incident.refresh = True
    elif now - summary.refreshed_at >= debounce and alarm.state is iot.AlarmState.RAISED:
        summary = msgspec.structs.replace(summary, refreshed_at=now)
        incident.events.append(("alarm_repeated", values))
        incident.refresh = True
    if newer:
        summary = msgspec.structs.replace(
            summary,
            severity=alarm.severity,
            value=alarm.value,
            threshold=alarm.threshold,
            unit=alarm.unit,
            last_occurred_at=occurred,
        )
    incident.work_order = msgspec.structs.replace(found, alarm=summary)


def _title(alarm: iot.AlarmIn, device_code: str) -> str:
    title = f"{LABELS[alarm.type]} at {device_code}"
    if alarm.message:
        title += f": {alarm.message}"
    elif alarm.value is not None:
        title += f": {alarm.value:g}{alarm.unit}"
        if alarm.threshold is not None:
            title += f" (threshold {alarm.threshold:g}{alarm.unit})"
    return title[:200]


def _description(alarm: iot.AlarmIn, terminal_code: str, occurred: datetime) -> str:
    lines = [
        f"Opened by terminal {terminal_code}: {alarm.type.value}, severity {alarm.severity.value}.",
        f"Occurred at {occurred.isoformat()} (the terminal's clock).",
    ]
    if alarm.value is not None:
        lines.append(f"Value {alarm.value:g}{alarm.unit}")
    if alarm.threshold is not None:
        lines.append(f"Threshold {alarm.threshold:g}{alarm.unit}")
    if alarm.message:
        lines.append(alarm.message)
    return "\n".join(lines)
