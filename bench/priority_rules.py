# ruff: noqa: RUF001  (Chinese punctuation and full-width letters are the point)
"""What 200 priority rules cost per new work order.

(a) Pure: 200 varied rules (keywords in Chinese and English, 5-20 per rule; device-code
prefixes; alarms; customer tiers; work-order types; 8 regular expressions; one history
condition; no ``stop``, so every rule is looked at) compiled once, then evaluated on 10,000
varied work orders (titles and descriptions of up to ~500 characters, Chinese and English,
one in ten dense with keywords so it matches many rules). Prints microseconds per evaluation.

(b) Through the service: ``workorders.services.create`` (priority left to the rules, an asset
on most, so the history of similar repairs is looked up) for three tenants of one database,
interleaved in rounds of 25, sequential: one with an empty saved rule set, one on the standard
rules, one with the 200 rules saved. Each tenant has the same sites, assets and 1,000
resolved work orders of history. Prints the medians and their differences.

    .venv/bin/python -m bench.priority_rules --database sqlite
    .venv/bin/python -m bench.priority_rules --database postgres
    .venv/bin/python -m bench.priority_rules --pure-only
"""

import argparse
import asyncio
import random
import statistics
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from accounts import services as accounts
from bench.harness import connected, database, percentile
from directory import services as directory
from kernel.context import Actor
from kernel.db import Database
from mobile_contract import auth as auth_contract
from mobile_contract import directory as dir_contract
from mobile_contract import triage as contract
from mobile_contract import work_orders as wo_contract
from mobile_contract.enums import CustomerTier, Priority, Role, WorkOrderType
from mobile_contract.iot import AlarmSeverity, AlarmType
from triage import decisions, rule_sets
from triage import standard as standard_rules
from triage.rules import CompiledRules, Facts, HistoryFigure
from workorders import services as work_orders
from workorders.tables import WorkOrder

SEED = 17

# Parts and faults make the compound keywords (压缩机异响, "fan tripped"): ~800 terms in all,
# so a term sits in about two of the 200 rules, as in a rule set written by hand.
_PARTS_ZH = [
    "压缩机", "冷凝器", "蒸发器", "风机", "水泵", "控制器", "传感器", "库门", "管路", "电机",
    "膨胀阀", "油分离器", "储液器", "冷却水塔", "接触器", "继电器", "电磁阀", "温控器", "加热丝",
    "冷风机",
]  # fmt: skip
_FAULTS_ZH = [
    "故障", "异响", "过热", "漏油", "停转", "报警", "损坏", "跳闸", "结霜", "渗水", "打火",
    "冒烟", "卡死", "失灵", "松动", "锈蚀",
]  # fmt: skip
_PARTS_EN = [
    "compressor", "condenser", "evaporator", "fan", "pump", "controller", "sensor", "door",
    "pipe", "motor", "expansion valve", "oil separator", "receiver", "tower", "contactor",
    "relay", "solenoid valve", "thermostat", "heater", "air cooler",
]  # fmt: skip
_FAULTS_EN = [
    "fault", "noise", "overheating", "oil leak", "stopped", "alarm", "damaged", "tripped",
    "frosting", "dripping", "sparking", "smoking", "seized", "not responding", "loose",
    "corroded",
]  # fmt: skip
_SINGLES_ZH = [
    "停机", "停产", "停线", "宕机", "温度超标", "超温", "漏氟", "制冷剂泄漏", "氨泄漏",
    "化霜失败", "断电", "缺相", "电压低", "漏水", "结冰", "门封", "探头", "变频器", "油压",
    "高压", "低压", "排气温度", "吸气压力", "冷却塔", "焊点", "振动", "噪音", "烧毁", "短路",
    "漏电", "断网", "掉线", "通讯故障", "服务器", "系统崩溃", "数据丢失", "扫码枪", "叉车",
    "货架", "照明", "空调", "冷藏车", "冷冻库", "冷藏库", "速冻", "解冻", "湿度", "除湿",
    "保温板", "烟感", "消防", "人员受伤", "紧急", "投诉", "巡检", "保养", "更换", "安装",
    "调试", "验收", "战略客户",
]  # fmt: skip
_SINGLES_EN = [
    "shutdown", "line down", "over temperature", "refrigerant leak", "ammonia leak",
    "power failure", "phase loss", "low voltage", "water leak", "ice buildup", "door seal",
    "probe", "inverter", "oil pressure", "high pressure", "low pressure", "cooling tower",
    "vibration", "burnt", "short circuit", "ground fault", "network down", "offline",
    "communication error", "server error", "crash", "data loss", "scanner", "forklift", "rack",
    "lighting", "air conditioner", "reefer", "freezer", "chiller", "blast freezer", "humidity",
    "insulation panel", "smoke detector", "fire alarm", "injury", "urgent", "complaint",
    "inspection", "maintenance", "replacement", "installation", "commissioning", "PLC", "HMI",
    "VFD", "SCADA", "BMS", "UPS", "E-101", "http 500",
]  # fmt: skip
POOL = (
    [p + f for p in _PARTS_ZH for f in _FAULTS_ZH]
    + [f"{p} {f}" for p in _PARTS_EN for f in _FAULTS_EN]
    + _SINGLES_ZH
    + _SINGLES_EN
)
PREFIXES = ["CS-FR-", "CS-CH-", "CS-BF-", "PLC-", "HVAC-", "CT-", "PMP-", "UPS-", "SCN-", "FL-"]
FAMILIES = ["freezer", "chiller", "compressor", "hvac"]
PATTERNS = [
    r"\b(?:e|err)[-_ ]?\d{2,3}\b",
    r"温度\s*-?\d+(?:\.\d+)?\s*°?c",
    r"\b\d{2,3}\s*bar\b",
    r"\bwo-\d{4}-\d+\b",
    r"(?:错误|error)\s*(?:代码|code)?\s*[:：]?\s*\w{2,8}",
    r"\b[a-z]{2}-[a-z]{2}-\d{4}\b",
    r"高压\s*\d+",
    r"(?:第|no\.?)\s*\d+\s*(?:号|#)?\s*库",
]
# Words around the keywords (none of them holds a keyword).
_FILLER_ZH = [
    "今天早上", "客户反映", "值班人员发现", "已通知现场", "请尽快处理", "上次维修后又出现",
    "照片已上传", "用户来电", "夜班巡查时看到", "仓库主管要求", "影响出货", "货物已转移",
    "需要带备件", "请联系刘工", "从昨晚开始", "读数见附件", "第二次报修", "钥匙在门卫",
    "车停东门", "到场前先打电话",
]  # fmt: skip
_FILLER_EN = [
    "since this morning", "the customer says", "night shift saw it", "please check",
    "again after the last visit", "readings attached", "photos uploaded",
    "caller is the warehouse manager", "goods moved to room 2", "bring spare parts",
    "ask for Mr Liu at the gate", "second report this week", "keys at the security desk",
    "parking at the east gate", "it started last night", "affects outbound shipments",
    "temperature log attached", "their own technician looked at it", "please call first",
    "access through the loading dock",
]  # fmt: skip


def _priority(rng: random.Random) -> Priority:
    return rng.choices(list(Priority), weights=[1, 3, 4, 2])[0]


def _actions(rng: random.Random) -> list[dict[str, Any]]:
    roll = rng.random()
    if roll < 0.55:
        actions: list[dict[str, Any]] = [{"kind": "set_priority", "priority": _priority(rng)}]
    elif roll < 0.75:
        actions = [{"kind": "raise_priority"}]
    elif roll < 0.85:
        actions = [{"kind": "lower_priority"}]
    else:
        actions = []
    if not actions or rng.random() < 0.5:
        actions.append({"kind": "add_tags", "tags": [f"tag-{rng.randrange(40)}"]})
    return actions


def _keywords(rng: random.Random, fields: list[str] | None = None) -> dict[str, Any]:
    condition: dict[str, Any] = {"kind": "keywords", "any_of": rng.sample(POOL, rng.randint(5, 20))}
    if fields:
        condition["fields"] = fields
    return condition


def build_rules(rng: random.Random) -> list[contract.PriorityRule]:
    """200 rules: 116 keyword rules (6 on the title only), 20 keywords and a type, 20 device
    prefixes (half with keywords), 15 alarms, 10 tiers (half with keywords), 10 types, 8
    patterns and one history condition. Checked as the API would (contract and rule checks)."""
    conditions: list[list[dict[str, Any]]] = []
    conditions += [[_keywords(rng)] for _ in range(110)]
    conditions += [[_keywords(rng, ["title"])] for _ in range(6)]
    types = [t.value for t in WorkOrderType]
    conditions += [
        [_keywords(rng), {"kind": "work_order_type", "types": rng.sample(types, 2)}]
        for _ in range(20)
    ]
    for n in range(20):
        prefix = {"kind": "device_code_prefix", "prefixes": rng.sample(PREFIXES, rng.randint(1, 3))}
        conditions.append([prefix, _keywords(rng)] if n % 2 else [prefix])
    for _ in range(15):
        alarm: dict[str, Any] = {"kind": "alarm", "min_severity": rng.choice(list(AlarmSeverity))}
        if rng.random() < 0.6:
            alarm["types"] = rng.sample([t.value for t in AlarmType], 2)
        conditions.append([alarm])
    for n in range(10):
        tier = {"kind": "customer_tier", "tiers": rng.sample([t.value for t in CustomerTier], 1)}
        conditions.append([tier, _keywords(rng)] if n % 2 else [tier])
    conditions += [[{"kind": "work_order_type", "types": rng.sample(types, 1)}] for _ in range(10)]
    conditions += [[{"kind": "pattern", "pattern": pattern}] for pattern in PATTERNS]
    conditions.append([{"kind": "history", "p80_hours": 48, "window_days": 90, "min_samples": 5}])
    rng.shuffle(conditions)
    raw = [
        {
            "id": str(uuid.UUID(int=rng.getrandbits(128))),
            "name": f"Rule {n} / 规则 {n}",
            "conditions": found,
            "actions": _actions(rng),
        }
        for n, found in enumerate(conditions)
    ]
    return msgspec.convert(raw, list[contract.PriorityRule])


def _sentence(rng: random.Random, hot: bool) -> str:
    """A clause of filler words with a keyword or none (hot: four to nine keywords)."""
    terms = rng.sample(POOL, rng.randint(4, 9) if hot else int(rng.random() < 0.35))
    zh = rng.random() < 0.5
    words = [*rng.sample(_FILLER_ZH if zh else _FILLER_EN, rng.randint(2, 4)), *terms]
    rng.shuffle(words)
    if rng.random() < 0.1:
        words.append(rng.choice(["E-101", "err 42", "温度 -12.5°C", "16 bar", "第3号库"]))
    if rng.random() < 0.03:
        words.append("ＰＬＣ")  # full width: the same keyword as PLC
    return ("，".join(words) + "。") if zh else (", ".join(words) + ". ")


def build_text(rng: random.Random) -> tuple[str, str]:
    """A title (a keyword, mostly, and a few words; under 200 characters) and a description
    of 0 to ~500 characters; one work order in ten is dense with keywords."""
    hot = rng.random() < 0.1
    words = rng.sample(_FILLER_ZH + _FILLER_EN, 2)
    if rng.random() < 0.8:
        words.insert(1, rng.choice(POOL))
    title = " ".join(words)[:200]
    description = ""
    target = rng.randint(0, 500)
    while len(description) < target:
        description += _sentence(rng, hot)
    return title, description[: target + 40]


def build_facts(rng: random.Random) -> tuple[Facts, dict[int, HistoryFigure]]:
    title, description = build_text(rng)
    alarm = rng.random() < 0.3
    with_asset = rng.random() < 0.8
    facts = Facts(
        title=title,
        description=description,
        type=rng.choice(list(WorkOrderType)),
        device_code=f"{rng.choice(PREFIXES)}{rng.randrange(1000):04d}" if with_asset else "",
        asset_family=rng.choice(FAMILIES) if with_asset else "",
        customer_tier=rng.choice([None, *CustomerTier]),
        alarm_type=rng.choice(list(AlarmType)) if alarm else None,
        alarm_severity=rng.choice(list(AlarmSeverity)) if alarm else None,
    )
    history = {90: HistoryFigure(rng.uniform(10, 90), rng.randint(1, 50))} if with_asset else {}
    return facts, history


def pure(count: int) -> None:
    rng = random.Random(SEED)
    rules = build_rules(rng)
    started = time.perf_counter()
    compiled = CompiledRules(rules, Priority.P2, version=1)
    compile_ms = (time.perf_counter() - started) * 1e3
    samples = [build_facts(rng) for _ in range(count)]
    for facts, history in samples[:500]:  # warm up
        compiled.evaluate(facts, history)
    spent: list[float] = []
    matched: list[int] = []
    for facts, history in samples:
        started_ns = time.perf_counter_ns()
        evaluation = compiled.evaluate(facts, history)
        spent.append((time.perf_counter_ns() - started_ns) / 1e3)
        matched.append(len(evaluation.reasons))
    keywords = sum(
        len(c.any_of)
        for r in rules
        for c in r.conditions
        if isinstance(c, contract.KeywordsCondition)
    )
    lengths = [len(f.title) + len(f.description) for f, _ in samples]
    print(
        f"pure: {len(rules)} rules ({keywords} keywords), compiled in {compile_ms:.1f} ms; "
        f"{count} work orders of {statistics.mean(lengths):.0f} characters on average "
        f"(max {max(lengths)}); rules matched: mean {statistics.mean(matched):.1f}, "
        f"p99 {percentile([float(m) for m in matched], 0.99):.0f}, max {max(matched)}"
    )
    print(
        f"pure: µs per evaluation p50 {percentile(spent, 0.5):.1f}, "
        f"p99 {percentile(spent, 0.99):.1f}, mean {statistics.mean(spent):.1f}, "
        f"max {max(spent):.1f}"
    )


@dataclass
class Tenant:
    label: str
    dispatcher: Actor
    assets: list[uuid.UUID]
    families: list[str]


async def make_tenant(
    db: Database, label: str, rules: list[contract.PriorityRule] | None
) -> Tenant:
    """A tenant with two customers (strategic, standard), a site each, 20 assets of four
    families, 1,000 resolved work orders of history, and ``rules`` saved (None: standard)."""
    tenant = await accounts.create_tenant(
        db=db, slug=f"bench-{uuid.uuid4().hex[:8]}", name=f"Bench {label}"
    )
    users: dict[Role, uuid.UUID] = {}
    for role in (Role.DISPATCHER, Role.ADMIN):
        created = await accounts.create_user(
            db=db,
            tenant_id=tenant,
            data=auth_contract.UserCreate(
                username=role.value,
                display_name=role.value.title(),
                password="bench-password-1",
                role=role,
            ),
        )
        users[role] = created.id
    admin = Actor(tenant_id=tenant, user_id=users[Role.ADMIN], role=Role.ADMIN)
    assets: list[uuid.UUID] = []
    families: dict[uuid.UUID, str] = {}
    for tier in (CustomerTier.STRATEGIC, CustomerTier.STANDARD):
        customer = await directory.create_customer(
            db=db, actor=admin, data=dir_contract.CustomerCreate(name=f"{tier} customer", tier=tier)
        )
        site = await directory.create_site(
            db=db,
            actor=admin,
            data=dir_contract.SiteCreate(name=f"{tier} cold store", customer_id=customer.id),
        )
        for n in range(10):
            family = FAMILIES[n % len(FAMILIES)]
            asset = await directory.create_asset(
                db=db,
                actor=admin,
                data=dir_contract.AssetCreate(
                    site_id=site.id,
                    device_code=f"{PREFIXES[n]}{label[:2].upper()}{tier.value[:3].upper()}{n:02d}",
                    family=family,
                ),
            )
            assets.append(asset.id)
            families[asset.id] = family
    now = datetime.now(UTC)
    rng = random.Random(SEED)
    history = []
    for n in range(1000):
        asset_id = assets[n % len(assets)]
        resolved = now - timedelta(hours=rng.uniform(1, 80 * 24))
        created = resolved - timedelta(hours=rng.uniform(1, 100))
        history.append(
            WorkOrder(
                id=uuid.uuid4(),
                tenant=tenant,
                number=f"HIST-{n:06d}",
                title="Past repair",
                type=WorkOrderType.COLD_STORAGE_REPAIR.value,
                priority="P2",
                status="resolved",
                channel="web",
                asset=asset_id,
                tags=[],
                metadata={},
                created_at=created,
                updated_at=resolved,
                resolved_at=resolved,
                version=5,
            )
        )
    async with db.transaction():
        await WorkOrder.insert(*history)
    if rules is not None:
        await rule_sets.replace_all(
            db=db, actor=admin, data=contract.PriorityRuleSetIn(rules=rules)
        )
    dispatcher = Actor(tenant_id=tenant, user_id=users[Role.DISPATCHER], role=Role.DISPATCHER)
    return Tenant(label, dispatcher, assets, [families[asset] for asset in assets])


async def history_lookup(
    db: Database, tenant: Tenant, samples: list[tuple[str, str, bool, int, WorkOrderType]]
) -> list[float]:
    """Milliseconds per history lookup as triage makes it (``triage.decisions._history``),
    for the samples that have an asset, all in one read snapshot (as inside the create's
    transaction: the cost of opening one is left out)."""
    spent = []
    now = datetime.now(UTC)
    async with db.snapshot() as reader:
        for _, _, with_asset, asset, wo_type in samples:
            if not with_asset:
                continue
            facts = Facts(title="", type=wo_type, asset_family=tenant.families[asset])
            started = time.perf_counter()
            await decisions._history(reader, tenant.dispatcher.tenant_id, facts, {90}, now)
            spent.append((time.perf_counter() - started) * 1e3)
    return spent


async def service(kind: str, count: int, rules: list[contract.PriorityRule]) -> None:
    rng = random.Random(SEED + 1)
    samples = []
    for _ in range(count + 20):
        title, description = build_text(rng)
        samples.append(
            (
                title,
                description,
                rng.random() < 0.8,
                rng.randrange(20),
                rng.choices(list(WorkOrderType), weights=[6, 2, 1, 1, 1])[0],
            )
        )
    async with database(kind) as url, connected(url) as db:
        tenants = [
            await make_tenant(db, "no rules (empty set)", []),
            await make_tenant(db, f"standard ({len(standard_rules._RULES)} rules)", None),
            await make_tenant(db, f"{len(rules)} rules", rules),
        ]
        spent: dict[str, list[float]] = {tenant.label: [] for tenant in tenants}

        async def create(tenant: Tenant, index: int) -> float:
            title, description, with_asset, asset, wo_type = samples[index]
            data = wo_contract.WorkOrderCreate(
                title=title,
                description=description,
                type=wo_type,
                asset_id=tenant.assets[asset] if with_asset else None,
            )
            started = time.perf_counter()
            await work_orders.create(db=db, actor=tenant.dispatcher, data=data)
            return (time.perf_counter() - started) * 1e3

        for tenant in tenants:  # warm up: statements compiled, rules compiled
            for index in range(count, count + 20):
                await create(tenant, index)
        rounds = 25
        for start in range(0, count, rounds):
            for tenant in tenants:
                for index in range(start, min(start + rounds, count)):
                    spent[tenant.label].append(await create(tenant, index))
        history = await history_lookup(db, tenants[-1], samples[:count])
    medians = {label: statistics.median(values) for label, values in spent.items()}
    print(f"service: database {kind}; {count} work orders per tenant, sequential, interleaved")
    for label, values in spent.items():
        print(
            f"service: {label:24s} ms per create: median {medians[label]:.2f}, "
            f"p90 {percentile(values, 0.9):.2f}, mean {statistics.mean(values):.2f}"
        )
    print(
        f"service: the history lookup alone (similar work orders' resolution P80, in one read "
        f"snapshot): median {statistics.median(history):.2f} ms, p90 {percentile(history, 0.9):.2f}"
    )
    empty, standard, many = medians.values()
    print(
        f"service: 200 rules - standard: {many - standard:+.2f} ms; "
        f"200 rules - no rules: {many - empty:+.2f} ms; standard - no rules: "
        f"{standard - empty:+.2f} ms (medians)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--evaluations", type=int, default=10_000)
    parser.add_argument("--creates", type=int, default=500)
    parser.add_argument("--pure-only", action="store_true")
    args = parser.parse_args()
    pure(args.evaluations)
    if not args.pure_only:
        await service(args.database, args.creates, build_rules(random.Random(SEED)))


if __name__ == "__main__":
    asyncio.run(main())
