# ruff: noqa: RUF001  (the zh-CN clauses use Chinese punctuation)
"""The tree a tenant starts with (version 0) until its admins save their own: a consumer-goods
policy modelled on China's 三包 rules (repair, exchange, refund). Days count from the purchase
day (day 0) in the tree's time zone, and "within N days" includes day N:

- a performance fault on days 0-7: refund (the customer may ask for an exchange or a repair
  instead; the leaf names the first of them);
- days 8-15: exchange;
- days 16-365 with a recognised serial: free repair, or an exchange after two repairs of the
  asset within the warranty that did not fix it;
- day 366 on, or a serial whose warranty ended: repair at the customer's cost;
- a serial in no range and matching no pattern: escalate (the product is not verified);
- misuse, physical or water damage, unauthorised repair: escalate (not covered);
- any other fault category: escalate (a person assesses it).

The clause numbers (§1 …) are this policy's own, not the regulation's articles."""

from datetime import date
from functools import cache

import msgspec

from mobile_contract import aftersales as contract

_AGE = contract.PurchaseAgeNode(
    label="Days since purchase / 自售出之日起天数",
    branches=[
        contract.RangeBranch(min=0, below=8, next="refund_7_days"),
        contract.RangeBranch(min=8, below=16, next="exchange_15_days"),
        contract.RangeBranch(min=16, below=366, next="warranty"),
        contract.RangeBranch(min=366, next="paid_repair"),
    ],
)

_NODES: dict[str, contract.Node] = {
    "fault": contract.FaultCategoryNode(
        label="Fault category / 故障类别",
        branches=[
            contract.CategoryBranch(categories=["performance"], next="age"),
            contract.CategoryBranch(
                categories=["misuse", "physical_damage", "water_damage", "unauthorised_repair"],
                next="not_covered",
            ),
        ],
        otherwise="assess",
    ),
    "age": _AGE,
    "warranty": contract.WarrantyNode(
        label="Warranty from the serial number / 按序列号核实保修",
        in_warranty="repairs",
        out_of_warranty="paid_repair",
        unknown="unverified",
    ),
    "repairs": contract.PreviousRepairsNode(
        label="Repairs since purchase / 三包期内维修次数",
        branches=[
            contract.RangeBranch(min=0, below=2, next="free_repair"),
            contract.RangeBranch(min=2, next="exchange_after_repairs"),
        ],
    ),
    "refund_7_days": contract.AdviceLeaf(
        advice="refund",
        clause_id="§1",
        clause=(
            "第1条 产品自售出之日起7日内（含第7日）发生性能故障，消费者可以选择退货、换货或修理；"
            "默认办理退货，按发票价格全额退款。 / Clause 1: A performance fault within 7 days of "
            "purchase (day 7 included): the customer may choose a refund, an exchange or a "
            "repair; by default the product is refunded at the invoiced price."
        ),
    ),
    "exchange_15_days": contract.AdviceLeaf(
        advice="exchange",
        clause_id="§2",
        clause=(
            "第2条 产品自售出之日起第8日至第15日内（含第15日）发生性能故障，"
            "消费者可以选择换货或修理；默认更换同型号同规格的产品。 / Clause 2: A performance "
            "fault on days 8 to 15 after purchase (day 15 included): the customer may choose an "
            "exchange or a repair; by default the product is exchanged for one of the same model "
            "and specification."
        ),
    ),
    "free_repair": contract.AdviceLeaf(
        advice="repair",
        clause_id="§3",
        clause=(
            "第3条 三包有效期（自售出之日起一年，含第365日）内发生性能故障，"
            "免费修理（含材料费和工时费）。 / Clause 3: A performance fault within the "
            "warranty (one year from purchase, day 365 included): repaired free of charge, parts "
            "and labour."
        ),
    ),
    "exchange_after_repairs": contract.AdviceLeaf(
        advice="exchange",
        clause_id="§4",
        clause=(
            "第4条 三包有效期内修理两次仍不能正常使用的，凭修理记录免费调换同型号同规格的产品。"
            " / Clause 4: Within the warranty, a product still faulty after two repairs is "
            "exchanged free of charge for one of the same model and specification, on the "
            "repair records."
        ),
    ),
    "paid_repair": contract.AdviceLeaf(
        advice="repair",
        clause_id="§5",
        clause=(
            "第5条 超过三包有效期的，提供收费修理，按实际材料费和工时费收取。"
            " / Clause 5: Out of warranty: repaired at the customer's cost (parts and labour "
            "as used)."
        ),
    ),
    "not_covered": contract.AdviceLeaf(
        advice="escalate",
        clause_id="§6",
        clause=(
            "第6条 因使用、维护、保管不当或非本公司授权人员拆修造成的损坏，不实行三包，"
            "转主管评估收费修理方案。 / Clause 6: Damage from misuse, poor care or storage, or "
            "repair by anyone we did not authorise is not covered; a supervisor assesses a "
            "paid repair."
        ),
    ),
    "unverified": contract.AdviceLeaf(
        advice="escalate",
        clause_id="§7",
        clause=(
            "第7条 序列号无法识别（不在本公司出厂记录范围内）的产品，无法确认三包资格，转主管核实。"
            " / Clause 7: A serial number we cannot recognise (outside our production "
            "records): the warranty cannot be confirmed; a supervisor verifies the product."
        ),
    ),
    "assess": contract.AdviceLeaf(
        advice="escalate",
        clause_id="§8",
        clause=(
            "第8条 非性能故障（如外观、配件缺失）由主管个案评估。 / Clause 8: Faults other than "
            "performance faults (appearance, missing accessories) are assessed case by case "
            "by a supervisor."
        ),
    ),
}

STANDARD = contract.DecisionTreeConfig(
    root="fault",
    nodes=_NODES,
    warranty_months=12,
    shelf_days=90,
    # Serials such as CS-2403-00017: made in March 2024 (the month's last day counts).
    serial_pattern=r"[A-Z]{2,4}-(?P<year>\d{2})(?P<month>\d{2})-\d{4,8}",
    # A batch whose serials carry no date: SN-A000001 to SN-A099999, made on 2024-06-01.
    serial_ranges=[
        contract.SerialRange(
            from_serial="SN-A000001",
            to_serial="SN-A099999",
            production_date=date(2024, 6, 1),
        )
    ],
    timezone="Asia/Shanghai",
    description="Consumer goods, 三包 7/15/365 days / 消费品三包：7日退货、15日换货、一年保修",
)


@cache
def tree() -> contract.DecisionTreeConfig:
    """The standard tree, decoded as a saved one would be (the checks run on it in tests)."""
    return msgspec.json.decode(msgspec.json.encode(STANDARD), type=contract.DecisionTreeConfig)
