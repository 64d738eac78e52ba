"""The rule set a tenant starts with (version 0) until its admins save their own: the
source article's keywords in Chinese and English, alarms by severity, freezers, strategic
customers, and the history of slow fixes. The demo tenant runs it as its rule set."""

from functools import cache
from uuid import UUID, uuid5

import msgspec

from mobile_contract import triage as contract
from mobile_contract.enums import CustomerTier, Priority, WorkOrderType
from mobile_contract.iot import AlarmSeverity


def _keywords(
    name: str, words: list[str], priority: Priority, tags: list[str], description: str
) -> contract.PriorityRule:
    return contract.PriorityRule(
        id=_NO_ID,
        name=name,
        description=description,
        conditions=[contract.KeywordsCondition(any_of=words)],
        actions=[contract.SetPriority(priority=priority), contract.AddTags(tags=tags)],
    )


_SEVERITY_NAMES = {
    AlarmSeverity.CRITICAL: "紧急告警",
    AlarmSeverity.MAJOR: "重要告警",
    AlarmSeverity.MINOR: "次要告警",
    AlarmSeverity.WARNING: "提示告警",
}


def _alarm(severity: AlarmSeverity, priority: Priority) -> contract.PriorityRule:
    name = f"{severity.value.capitalize()} alarm / {_SEVERITY_NAMES[severity]}"
    return contract.PriorityRule(
        id=_NO_ID,
        name=name,
        description=f"A terminal's {severity.value} (or worse) alarm is at least {priority}.",
        conditions=[contract.AlarmCondition(min_severity=severity)],
        actions=[contract.SetPriority(priority=priority)],
    )


_NO_ID = UUID(int=0)  # each tenant's copy gets ids of its own (``for_tenant``)

_RULES: list[contract.PriorityRule] = [
    _keywords(
        "Production stopped / 停机",
        ["停机", "停产", "停线", "宕机", "全线停", "shutdown", "line down", "production stopped"],
        Priority.P0,
        ["shutdown"],
        "A stopped line or plant loses output every minute.",
    ),
    _keywords(
        "Cold chain at risk / 温度超标",
        ["温度超标", "超温", "温度过高", "化霜失败", "over temperature", "over-temperature"],
        Priority.P0,
        ["cold-chain"],
        "Goods spoil once a cold room warms past its limit.",
    ),
    _keywords(
        "Refrigerant leak / 漏氟",
        ["漏氟", "制冷剂泄漏", "氨泄漏", "refrigerant leak", "ammonia leak", "gas leak"],
        Priority.P0,
        ["safety"],
        "A leak is a safety hazard before it is a repair.",
    ),
    _keywords(
        "Network down / 断网",
        ["断网", "网络中断", "掉线", "network down", "connection lost", "offline"],
        Priority.P1,
        ["network"],
        "Controllers and scanners without a network stop reporting.",
    ),
    _keywords(
        "Server errors / 500错误",
        ["500错误", "502错误", "503错误", "系统崩溃", "server error", "http 500"],
        Priority.P1,
        ["software"],
        "The system the site works with is failing.",
    ),
    _keywords(
        "Compressor / 压缩机",
        ["压缩机", "compressor"],
        Priority.P1,
        ["compressor"],
        "A compressor fault takes the cooling with it.",
    ),
    _alarm(AlarmSeverity.CRITICAL, Priority.P0),
    _alarm(AlarmSeverity.MAJOR, Priority.P1),
    _alarm(AlarmSeverity.MINOR, Priority.P2),
    _alarm(AlarmSeverity.WARNING, Priority.P3),
    contract.PriorityRule(
        id=_NO_ID,
        name="Planned work / 计划性工作",
        description="Maintenance and inspections are planned: P3 unless something else says so.",
        conditions=[
            contract.WorkOrderTypeCondition(
                types=[WorkOrderType.PREVENTIVE_MAINTENANCE, WorkOrderType.INSPECTION]
            )
        ],
        actions=[contract.SetPriority(priority=Priority.P3)],
    ),
    contract.PriorityRule(
        id=_NO_ID,
        name="Freezers / 冷冻库 CS-FR-",
        description="Cold-storage freezers (device codes CS-FR-) hold goods: one level up.",
        conditions=[contract.DeviceCodePrefixCondition(prefixes=["CS-FR-"])],
        actions=[contract.RaisePriority(), contract.AddTags(tags=["cold-storage-freezer"])],
    ),
    contract.PriorityRule(
        id=_NO_ID,
        name="Strategic customers / 战略客户",
        description="Strategic customers' work orders are one level more urgent.",
        conditions=[contract.CustomerTierCondition(tiers=[CustomerTier.STRATEGIC])],
        actions=[contract.RaisePriority()],
    ),
    contract.PriorityRule(
        id=_NO_ID,
        name="Slow to fix / 历史处理慢",
        description=(
            "Similar work orders (asset family and type) took over 48 h at their 80th "
            "percentile in the last 90 days: start sooner."
        ),
        conditions=[contract.HistoryCondition(p80_hours=48, window_days=90, min_samples=5)],
        actions=[contract.RaisePriority(), contract.AddTags(tags=["slow-to-fix"])],
    ),
]


@cache
def for_tenant(tenant_id: UUID) -> tuple[contract.PriorityRule, ...]:
    """The standard rules with ids of the tenant's own (stable: derived from the tenant and
    the rule's name), so a rule id never names another tenant's rule."""
    return tuple(
        msgspec.structs.replace(rule, id=uuid5(tenant_id, f"standard-priority-rule:{rule.name}"))
        for rule in _RULES
    )
