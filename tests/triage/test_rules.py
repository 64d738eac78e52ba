"""The priority rules as pure functions: a table of work orders and what the standard rules
decide for them, with the reasons; keyword edges; the history figure; refused rules."""

from uuid import uuid4

import pytest

from mobile_contract import triage as contract
from mobile_contract.enums import CustomerTier, Priority, WorkOrderType
from mobile_contract.iot import AlarmSeverity, AlarmType
from triage.rules import (
    CompiledRules,
    Facts,
    HistoryFigure,
    Keyword,
    RuleProblem,
    check_rule,
    check_rule_set,
    p80,
)
from triage.standard import for_tenant

STANDARD_RULES = list(for_tenant(uuid4()))
STANDARD = CompiledRules(STANDARD_RULES, Priority.P2, version=0)
FULL_WIDTH_SHUTDOWN = "".join(chr(ord(letter) + 0xFEE0) for letter in "SHUTDOWN")
SLOW = {90: HistoryFigure(p80_hours=60.0, samples=12)}
FAST = {90: HistoryFigure(p80_hours=8.0, samples=12)}
FEW = {90: HistoryFigure(p80_hours=60.0, samples=3)}

EXAMPLES = [
    # (id, facts, history, priority, [(rule name, matched)])
    (
        "chinese-shutdown-and-network",
        Facts(title="3号线停机 PLC 断网"),
        {},
        Priority.P0,
        [("Production stopped / 停机", "停机"), ("Network down / 断网", "断网")],
    ),
    (
        "chinese-inside-a-run-of-han",
        Facts(title="冷库温度超标 货物有风险"),
        {},
        Priority.P0,
        [("Cold chain at risk / 温度超标", "温度超标")],
    ),
    (
        "500-error-after-latin",
        Facts(title="MES 报500错误"),
        {},
        Priority.P1,
        [("Server errors / 500错误", "500错误")],
    ),
    (
        "refrigerant-leak-in-description",
        Facts(title="机房有异味", description="疑似漏氟 请尽快处理"),
        {},
        Priority.P0,
        [("Refrigerant leak / 漏氟", "漏氟")],
    ),
    (
        "compressor-chinese",
        Facts(title="压缩机异响"),
        {},
        Priority.P1,
        [("Compressor / 压缩机", "压缩机")],
    ),
    (
        "english-case-and-spaces",
        Facts(title="Line 3 SHUTDOWN,  network   down since 8am"),
        {},
        Priority.P0,
        [
            ("Production stopped / 停机", "shutdown"),
            ("Network down / 断网", "network down"),
        ],
    ),
    (
        "full-width-latin",
        Facts(title=FULL_WIDTH_SHUTDOWN + " on line 2"),
        {},
        Priority.P0,
        [("Production stopped / 停机", "shutdown")],
    ),
    (
        "latin-keyword-inside-a-word-does-not-match",
        Facts(title="Compressors offlineish? no: shutdowns planned"),
        {},
        Priority.P2,
        [],
    ),
    ("nothing-matches", Facts(title="Door hinge squeaks"), {}, Priority.P2, []),
    (
        "freezer-prefix-raises-one-level",
        Facts(title="Door hinge squeaks", device_code="CS-FR-0012"),
        {},
        Priority.P1,
        [("Freezers / 冷冻库 CS-FR-", "CS-FR-0012")],
    ),
    (
        "prefix-is-case-insensitive-and-only-a-prefix",
        Facts(title="Door hinge squeaks", device_code="XCS-FR-1"),
        {},
        Priority.P2,
        [],
    ),
    (
        "prefix-raises-a-p1-to-p0",
        Facts(title="compressor noise", device_code="cs-fr-0099"),
        {},
        Priority.P0,
        [("Compressor / 压缩机", "compressor"), ("Freezers / 冷冻库 CS-FR-", "cs-fr-0099")],
    ),
    (
        "critical-alarm",
        Facts(
            title="Over-temperature",
            alarm_type=AlarmType.OVER_TEMPERATURE,
            alarm_severity=AlarmSeverity.CRITICAL,
        ),
        {},
        Priority.P0,
        [
            ("Cold chain at risk / 温度超标", "over-temperature"),
            ("Critical alarm / 紧急告警", "over_temperature (critical)"),
            ("Major alarm / 重要告警", "over_temperature (critical)"),
            ("Minor alarm / 次要告警", "over_temperature (critical)"),
            ("Warning alarm / 提示告警", "over_temperature (critical)"),
        ],
    ),
    (
        "warning-alarm-is-p3",
        Facts(
            title="Sensor drift",
            alarm_type=AlarmType.SENSOR_FAULT,
            alarm_severity=AlarmSeverity.WARNING,
        ),
        {},
        Priority.P3,
        [("Warning alarm / 提示告警", "sensor_fault (warning)")],
    ),
    (
        "planned-work-is-p3",
        Facts(title="Quarterly check", type=WorkOrderType.INSPECTION),
        {},
        Priority.P3,
        [("Planned work / 计划性工作", "inspection")],
    ),
    (
        "strategic-customer-raises",
        Facts(title="Quarterly check", customer_tier=CustomerTier.STRATEGIC),
        {},
        Priority.P1,
        [("Strategic customers / 战略客户", "strategic")],
    ),
    (
        "slow-history-raises-with-the-figure",
        Facts(title="Door hinge squeaks", asset_family="Cold room door"),
        SLOW,
        Priority.P1,
        [("Slow to fix / 历史处理慢", "Cold room door / cold_storage_repair")],
    ),
    (
        "fast-history-does-not",
        Facts(title="Door hinge squeaks", asset_family="Cold room door"),
        FAST,
        Priority.P2,
        [],
    ),
    (
        "too-few-samples-do-not",
        Facts(title="Door hinge squeaks", asset_family="Cold room door"),
        FEW,
        Priority.P2,
        [],
    ),
    (
        "raises-stop-at-p0",
        Facts(
            title="停机",
            device_code="CS-FR-1",
            customer_tier=CustomerTier.STRATEGIC,
            asset_family="Freezer",
        ),
        SLOW,
        Priority.P0,
        [
            ("Production stopped / 停机", "停机"),
            ("Freezers / 冷冻库 CS-FR-", "CS-FR-1"),
            ("Strategic customers / 战略客户", "strategic"),
            ("Slow to fix / 历史处理慢", "Freezer / cold_storage_repair"),
        ],
    ),
]


@pytest.mark.parametrize(
    ("facts", "history", "priority", "reasons"),
    [example[1:] for example in EXAMPLES],
    ids=[example[0] for example in EXAMPLES],
)
def test_the_standard_rules_decide_with_reasons(
    facts: Facts,
    history: dict[int, HistoryFigure],
    priority: Priority,
    reasons: list[tuple[str, str]],
) -> None:
    evaluation = STANDARD.evaluate(facts, history)
    assert evaluation.priority is priority
    assert [(r.rule_name, r.matched[0].matched) for r in evaluation.reasons] == reasons


def test_the_history_reason_carries_the_figure() -> None:
    evaluation = STANDARD.evaluate(Facts(title="x", asset_family="Freezer"), SLOW)
    (reason,) = evaluation.reasons
    (matched,) = reason.matched
    assert (matched.kind, matched.p80_hours, matched.samples) == ("history", 60.0, 12)
    assert reason.actions == ["raise_priority", "add_tags slow-to-fix"]
    assert evaluation.tags == ["slow-to-fix"]


def _rule(*conditions: contract.Condition, **fields: object) -> contract.PriorityRule:
    actions = fields.pop("actions", [contract.SetPriority(priority=Priority.P1)])
    return contract.PriorityRule(
        id=uuid4(),
        name="rule",
        conditions=list(conditions),
        actions=actions,  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )


def test_the_most_urgent_set_wins_then_raises_and_lowers_apply_in_order() -> None:
    words = contract.KeywordsCondition(any_of=["fan"])
    rules = CompiledRules(
        [
            _rule(words, actions=[contract.SetPriority(priority=Priority.P3)]),
            _rule(words, actions=[contract.SetPriority(priority=Priority.P1)]),
            _rule(words, actions=[contract.LowerPriority()]),
            _rule(words, actions=[contract.LowerPriority()]),
            _rule(words, actions=[contract.RaisePriority()]),
        ],
        Priority.P2,
        version=3,
    )
    assert rules.evaluate(Facts(title="fan"), {}).priority is Priority.P2  # P1, +1, +1, -1
    assert rules.evaluate(Facts(title="door"), {}).priority is Priority.P2  # the default


def test_stop_ends_the_run_and_disabled_rules_never_match() -> None:
    words = contract.KeywordsCondition(any_of=["fan"])
    rules = CompiledRules(
        [
            _rule(words, actions=[contract.SetPriority(priority=Priority.P0)], enabled=False),
            _rule(words, actions=[contract.SetPriority(priority=Priority.P3)], stop=True),
            _rule(words, actions=[contract.SetPriority(priority=Priority.P0)]),
        ],
        Priority.P2,
        version=1,
    )
    evaluation = rules.evaluate(Facts(title="fan"), {})
    assert evaluation.priority is Priority.P3
    assert len(evaluation.reasons) == 1


def test_every_condition_of_a_rule_must_match() -> None:
    rule = _rule(
        contract.KeywordsCondition(any_of=["停机"]),
        contract.SiteCondition(site_ids=[site := uuid4()]),
        contract.WorkOrderTypeCondition(types=[WorkOrderType.EQUIPMENT_REPAIR]),
    )
    rules = CompiledRules([rule], Priority.P2, version=1)
    right = Facts(title="停机", site_id=site, type=WorkOrderType.EQUIPMENT_REPAIR)
    assert rules.evaluate(right, {}).priority is Priority.P1
    assert rules.evaluate(Facts(title="停机", site_id=site), {}).priority is Priority.P2
    assert rules.evaluate(Facts(title="停机", type=right.type), {}).priority is Priority.P2


def test_keywords_may_be_limited_to_the_title() -> None:
    rule = _rule(contract.KeywordsCondition(any_of=["停机"], fields=["title"]))
    rules = CompiledRules([rule], Priority.P2, version=1)
    assert rules.evaluate(Facts(title="x", description="停机"), {}).priority is Priority.P2


def test_a_pattern_matches_case_insensitively() -> None:
    rules = CompiledRules(
        [_rule(contract.PatternCondition(pattern=r"E-?\d{3}"))], Priority.P2, version=1
    )
    evaluation = rules.evaluate(Facts(title="PLC fault e-204"), {})
    assert (evaluation.priority, evaluation.reasons[0].matched[0].matched) == (
        Priority.P1,
        "e-204",
    )


@pytest.mark.parametrize(
    ("keyword", "text", "found"),
    [
        ("PLC", "3号线plc断网", True),
        ("PLC", "plcc", False),
        ("PLC", "a-plc", True),
        ("500错误", "报1500错误", False),
        ("500错误", "http 500错误", True),
        ("停机", "压缩机停机了", True),
        ("network down", "network  down", True),
        ("E07", "code e07.", True),
        ("E07", "code e071", False),
    ],
)
def test_keyword_edges(keyword: str, text: str, found: bool) -> None:
    from triage.rules import normalise

    assert Keyword.of(keyword).found_in(normalise(text)) is found


@pytest.mark.parametrize(
    ("rule", "path", "message"),
    [
        (_rule(contract.KeywordsCondition(any_of=["  "])), "r.conditions[0].any_of[0]", "blank"),
        (_rule(contract.KeywordsCondition(any_of=["停机", "停机"])), "any_of[1]", "twice"),
        (_rule(contract.PatternCondition(pattern="(")), "conditions[0].pattern", "not a valid"),
        (_rule(contract.PatternCondition(pattern="(a+)+$")), "pattern", "repeat inside a repeat"),
        (
            _rule(
                contract.KeywordsCondition(any_of=["x"]),
                actions=[
                    contract.SetPriority(priority=Priority.P0),
                    contract.SetPriority(priority=Priority.P1),
                ],
            ),
            "r.actions",
            "at most once",
        ),
    ],
    ids=["blank-keyword", "repeated-keyword", "bad-regex", "nested-repeat", "two-sets"],
)
def test_a_rule_that_cannot_work_is_refused(
    rule: contract.PriorityRule, path: str, message: str
) -> None:
    with pytest.raises(RuleProblem) as refused:
        check_rule(rule, "r")
    assert path in refused.value.path
    assert message in refused.value.message


def test_a_rule_set_refuses_a_repeated_id() -> None:
    rule = _rule(contract.KeywordsCondition(any_of=["x"]))
    with pytest.raises(RuleProblem) as refused:
        check_rule_set([rule, rule])
    assert refused.value.path == "rules[1].id"


def test_the_standard_rules_pass_their_own_checks() -> None:
    check_rule_set(STANDARD_RULES)


def test_p80_is_a_figure_one_of_them_took() -> None:
    assert p80([10.0]) == 10.0
    assert p80([float(n) for n in range(1, 11)]) == 8.0
    assert p80([5.0, 1.0, 3.0, 2.0, 4.0]) == 4.0
