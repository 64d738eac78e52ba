"""Triage of one work order: the facts the rules read (its asset, customer, alarm, the
history of similar repairs), the rules' priority and reasons, and the owning zone's team."""

from datetime import datetime, timedelta
from uuid import UUID

from kernel.db import Reader, Transaction
from mobile_contract import triage as contract
from mobile_contract.enums import CustomerTier, WorkOrderType
from mobile_contract.iot import AlarmSeverity, AlarmType
from triage import assignment, rule_sets, sql, zones
from triage.rules import CompiledRules, Facts, HistoryFigure, p80
from workorders import queries as work_orders
from workorders.events import Triaging

HISTORY_SAMPLES = 200  # the latest similar work orders a history figure is taken from


async def triaging(tx: Transaction, event: Triaging) -> None:
    """The reaction to ``Triaging``: decide in the work order's own transaction."""
    row = event.work_order
    alarm_type = AlarmType(row.alarm_type) if row.alarm_type else None
    event.result = await _decide(
        tx,
        tenant_id=event.tenant_id,
        title=row.title,
        description=row.description,
        type=row.type,
        site_id=row.site_id,
        asset_id=row.asset_id,
        customer_id=row.customer_id,
        alarm_type=alarm_type,
        alarm_severity=event.alarm_severity,
        with_owner=event.opening,
        now=event.now,
        team_named=row.team_id,
        tags=tuple(row.tags),
    )


async def decide_sample(
    reader: Reader,
    *,
    tenant_id: UUID,
    sample: contract.DryRunSample,
    rules: CompiledRules | None,
    now: datetime,
) -> contract.TriageResult:
    return await _decide(
        reader,
        tenant_id=tenant_id,
        title=sample.title,
        description=sample.description,
        type=sample.type,
        site_id=sample.site_id,
        asset_id=sample.asset_id,
        customer_id=sample.customer_id,
        alarm_type=sample.alarm_type,
        alarm_severity=sample.alarm_severity,
        with_owner=True,
        now=now,
        rules=rules,
    )


async def _decide(
    reader: Reader,
    *,
    tenant_id: UUID,
    title: str,
    description: str,
    type: WorkOrderType,
    site_id: UUID | None,
    asset_id: UUID | None,
    customer_id: UUID | None,
    alarm_type: AlarmType | None,
    alarm_severity: AlarmSeverity | None,
    with_owner: bool,
    now: datetime,
    rules: CompiledRules | None = None,
    team_named: UUID | None = None,
    tags: tuple[str, ...] = (),
) -> contract.TriageResult:
    asset = None
    if asset_id is not None:
        asset = await reader.fetch_one(
            sql.ASSET_FACTS, sql.AssetFacts, tenant=tenant_id, id=asset_id
        )
    tier = await _tier(reader, tenant_id, customer_id, site_id, asset)
    facts = Facts(
        title=title,
        description=description,
        type=type,
        site_id=site_id,
        device_code=asset.device_code if asset else "",
        asset_family=asset.family if asset else "",
        customer_tier=tier,
        alarm_type=alarm_type,
        alarm_severity=alarm_severity if alarm_type is not None else None,
    )
    rules = rules or await rule_sets.compiled(reader, tenant_id)
    history = await _history(reader, tenant_id, facts, rules.history_windows(), now)
    evaluation = rules.evaluate(facts, history)
    zone = None
    team_id, assigned = team_named, None
    if with_owner:
        subject = zones.Subject(
            site_id=site_id,
            production_line=asset.production_line if asset else "",
            system_module=asset.system_module if asset else "",
            customer_tier=tier,
            work_order_type=type,
        )
        zone = zones.owner(await zones.all_zones(reader, tenant_id), subject)
        team_id = team_named or (zone.team_id if zone else None)
        if team_id is not None:
            assigned = await assignment.choose(
                reader,
                tenant_id=tenant_id,
                team_id=team_id,
                tags=[*tags, *evaluation.tags],
                now=now,
            )
    return contract.TriageResult(
        priority=evaluation.priority,
        priority_reasons=evaluation.reasons,
        rule_set_version=rules.version,
        tags=evaluation.tags,
        team_id=zone.team_id if zone else None,
        zone=contract.ZoneRef(id=zone.id, name=zone.name) if zone else None,
        assignee_id=assigned[0] if assigned else None,
        assignment_reason=assigned[1] if assigned else "",
    )


async def _tier(
    reader: Reader,
    tenant_id: UUID,
    customer_id: UUID | None,
    site_id: UUID | None,
    asset: sql.AssetFacts | None,
) -> CustomerTier | None:
    """The work order's customer's tier, else that of its site's customer."""
    if customer_id is not None:
        row = await reader.fetch_one(sql.CUSTOMER_TIER, sql.Tier, tenant=tenant_id, id=customer_id)
        return row.tier if row else None
    if asset is not None:
        return asset.tier
    if site_id is not None:
        row = await reader.fetch_one(sql.SITE_CUSTOMER_TIER, sql.Tier, tenant=tenant_id, id=site_id)
        return row.tier if row else None
    return None


async def _history(
    reader: Reader, tenant_id: UUID, facts: Facts, windows: set[int], now: datetime
) -> dict[int, HistoryFigure]:
    """The resolution P80 of similar work orders per window the rules ask about: same asset
    family and type (a work order without an asset family has no history)."""
    if not windows or not facts.asset_family:
        return {}
    resolved = await work_orders.resolution_times(
        reader,
        tenant_id=tenant_id,
        family=facts.asset_family,
        type=facts.type.value,
        since=now - timedelta(days=max(windows)),
        limit=HISTORY_SAMPLES,
    )
    figures: dict[int, HistoryFigure] = {}
    for window in windows:
        since = now - timedelta(days=window)
        seconds = [taken for at, taken in resolved if at >= since]
        if seconds:
            figures[window] = HistoryFigure(p80(seconds) / 3600, len(seconds))
    return figures
