"""The decision tree as pure functions: a table of cases through the standard 7/15/365-day tree
with the clause each gets (the boundary days, serials in and out of range), the warranty from
the serial number, and the inputs a path needs."""

from datetime import date, timedelta
from typing import Any

import msgspec
import pytest

from aftersales.evaluation import Facts, MissingInput, add_months, evaluate, warranty
from aftersales.standard import tree as standard_tree
from mobile_contract import aftersales as contract

TODAY = date(2026, 3, 10)
STANDARD = standard_tree()
IN_PATTERN = "CS-2403-00017"  # the standard pattern: made in March 2024 (2024-03-31)
IN_RANGE = "SN-A000500"  # the standard range table: made on 2024-06-01
OUT_OF_RANGE = "SN-A100000"  # past the range's end, and no match for the pattern


def case(age: int | None = None, **fields: Any) -> Facts:
    """A performance fault ``age`` days after purchase (the purchase day is day 0)."""
    purchased = None if age is None else TODAY - timedelta(days=age)
    return Facts(
        today=TODAY,
        fault_category=fields.pop("fault_category", "performance"),
        purchase_date=purchased,
        **fields,
    )


CASES = [
    # (id, facts, advice, clause_id, leaf)
    ("day-0", case(0), "refund", "§1", "refund_7_days"),
    ("day-7-is-within-7-days", case(7), "refund", "§1", "refund_7_days"),
    ("day-8", case(8), "exchange", "§2", "exchange_15_days"),
    ("day-15-is-within-15-days", case(15), "exchange", "§2", "exchange_15_days"),
    (
        "day-16-in-warranty",
        case(16, serial_number=IN_PATTERN, previous_repairs=0),
        "repair",
        "§3",
        "free_repair",
    ),
    (
        "day-365-is-within-the-year",
        case(365, serial_number=IN_PATTERN, previous_repairs=0),
        "repair",
        "§3",
        "free_repair",
    ),
    ("day-366-out-of-warranty", case(366), "repair", "§5", "paid_repair"),
    ("day-3000", case(3000), "repair", "§5", "paid_repair"),
    (
        "serial-out-of-range",
        case(100, serial_number=OUT_OF_RANGE, previous_repairs=0),
        "escalate",
        "§7",
        "unverified",
    ),
    (
        "serial-in-the-range-table",
        case(100, serial_number=IN_RANGE, previous_repairs=1),
        "repair",
        "§3",
        "free_repair",
    ),
    (
        "serial-case-and-spaces-do-not-matter",
        case(100, serial_number="  cs-2403-00017 ", previous_repairs=0),
        "repair",
        "§3",
        "free_repair",
    ),
    (
        "made-after-the-purchase-is-not-this-product",
        case(100, serial_number="CS-2512-00001", previous_repairs=0),
        "escalate",
        "§7",
        "unverified",
    ),
    (
        "two-repairs-in-warranty",
        case(100, serial_number=IN_PATTERN, previous_repairs=2),
        "exchange",
        "§4",
        "exchange_after_repairs",
    ),
    ("misuse-is-not-covered", case(3, fault_category="misuse"), "escalate", "§6", "not_covered"),
    ("water-damage", case(3, fault_category="water_damage"), "escalate", "§6", "not_covered"),
    ("another-category", case(3, fault_category="appearance"), "escalate", "§8", "assess"),
]


@pytest.mark.parametrize(
    ("facts", "advice", "clause_id", "leaf"),
    [pytest.param(*rest, id=name) for name, *rest in CASES],
)
def test_the_standard_tree_gives_the_clause_expected(
    facts: Facts, advice: str, clause_id: str, leaf: str
) -> None:
    outcome = evaluate(STANDARD, facts)
    assert (outcome.leaf.advice, outcome.leaf.clause_id, outcome.leaf_id) == (
        advice,
        clause_id,
        leaf,
    )
    assert outcome.leaf.clause.startswith(f"第{clause_id[1:]}条")
    assert f"Clause {clause_id[1:]}:" in outcome.leaf.clause


def test_the_path_says_what_each_node_tested_and_where_it_went() -> None:
    outcome = evaluate(STANDARD, case(365, serial_number=IN_PATTERN, previous_repairs=1))
    assert [msgspec.to_builtins(step) for step in outcome.path] == [
        {
            "node": "fault",
            "test": "fault_category",
            "value": "performance",
            "branch": "performance",
            "next": "age",
        },
        {
            "node": "age",
            "test": "purchase_age_days",
            "value": 365,
            "branch": "[16, 366)",
            "next": "warranty",
        },
        {
            "node": "warranty",
            "test": "warranty",
            "value": "in_warranty",
            "branch": "in_warranty",
            "next": "repairs",
        },
        {
            "node": "repairs",
            "test": "previous_repairs",
            "value": 1,
            "branch": "[0, 2)",
            "next": "free_repair",
        },
    ]
    assert outcome.warranty is not None
    assert (outcome.warranty.production_date, outcome.warranty.source) == (
        date(2024, 3, 31),
        "serial_pattern",
    )
    assert (outcome.warranty.starts_on, outcome.warranty.ends_on) == (
        date(2025, 3, 10),
        date(2026, 3, 10),
    )
    day_366 = evaluate(STANDARD, case(366))
    assert day_366.path[-1].branch == "[366, ∞)"
    assert day_366.warranty is None  # the path never asked


def test_an_out_of_range_serial_is_unknown_and_says_why() -> None:
    outcome = evaluate(STANDARD, case(100, serial_number=OUT_OF_RANGE))
    assert outcome.warranty is not None
    assert outcome.warranty.status == "unknown"
    assert outcome.warranty.production_date is None
    assert "no range" in outcome.warranty.note
    assert outcome.path[-1].value == "unknown"


# Warranty ------------------------------------------------------------------------------------


def warranty_tree(**fields: Any) -> contract.DecisionTreeConfig:
    """A tree that only asks the warranty, with its serial configuration."""
    leaf = {"kind": "leaf", "advice": "repair", "clause": "x"}
    body = {
        "root": "w",
        "nodes": {
            "w": {"kind": "warranty", "in_warranty": "a", "out_of_warranty": "b", "unknown": "c"},
            "a": leaf,
            "b": leaf,
            "c": leaf,
        },
        **fields,
    }
    return msgspec.convert(body, contract.DecisionTreeConfig)


def finding(tree: contract.DecisionTreeConfig, serial: str, **fields: Any) -> Any:
    return warranty(tree, Facts(today=fields.pop("today", TODAY), serial_number=serial, **fields))


def test_warranty_runs_from_the_purchase_date_and_covers_the_anniversary() -> None:
    tree = warranty_tree(serial_pattern=r"X(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})")
    bought = date(2025, 3, 10)
    on_the_day = finding(tree, "X20250101", purchase_date=bought, today=date(2026, 3, 10))
    assert (on_the_day.status, on_the_day.starts_on, on_the_day.ends_on) == (
        "in_warranty",
        bought,
        date(2026, 3, 10),
    )
    assert on_the_day.production_date == date(2025, 1, 1)
    day_after = finding(tree, "X20250101", purchase_date=bought, today=date(2026, 3, 11))
    assert day_after.status == "out_of_warranty"


def test_without_a_purchase_date_warranty_starts_shelf_days_after_production() -> None:
    tree = warranty_tree(
        serial_pattern=r"X(?P<year>\d{2})(?P<month>\d{2})", warranty_months=24, shelf_days=90
    )
    found = finding(tree, "x2501", today=date(2027, 1, 1))
    # January 2025 without a day: the 31st; 90 days later; 24 months on.
    assert found.production_date == date(2025, 1, 31)
    assert (found.starts_on, found.ends_on) == (date(2025, 5, 1), date(2027, 5, 1))
    assert found.status == "in_warranty"
    assert "no purchase date" in found.note
    assert finding(tree, "X2501", today=date(2027, 5, 2)).status == "out_of_warranty"


def test_the_range_table_wins_over_the_pattern_and_compares_prefix_and_width() -> None:
    tree = warranty_tree(
        serial_pattern=r"AB(?P<year>\d{2})(?P<month>\d{2})\d{2}",
        serial_ranges=[
            {"from_serial": "AB240100", "to_serial": "AB240199", "production_date": "2023-12-01"}
        ],
    )
    ranged = finding(tree, "ab240150")
    assert (ranged.source, ranged.production_date) == ("serial_range", date(2023, 12, 1))
    patterned = finding(tree, "AB240200")  # past the range: the pattern knows it
    assert (patterned.source, patterned.production_date) == ("serial_pattern", date(2024, 2, 29))
    # Another width is another series, even with the same number.
    assert finding(tree, "AB2401500").status == "unknown"


@pytest.mark.parametrize(
    "serial",
    ["X2513", "X2500", "X9", "Y2501", "X250101"],
    ids=["month-13", "month-0", "one-digit-year", "other-prefix", "longer"],
)
def test_a_serial_that_spells_no_date_is_unknown(serial: str) -> None:
    tree = warranty_tree(serial_pattern=r"X(?P<year>\d{1,2})(?P<month>\d{2})")
    assert finding(tree, serial).status == "unknown"


def test_a_production_date_in_the_future_is_unknown() -> None:
    tree = warranty_tree(serial_pattern=r"X(?P<year>\d{2})(?P<month>\d{2})")
    assert finding(tree, "X2612").status == "unknown"


def test_months_are_added_to_the_month_end() -> None:
    assert add_months(date(2025, 1, 31), 1) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 11, 15), 14) == date(2027, 1, 15)


# Other tests ---------------------------------------------------------------------------------


def numeric_tree(kind: str) -> contract.DecisionTreeConfig:
    body = {
        "root": "n",
        "nodes": {
            "n": {
                "kind": kind,
                "branches": [
                    {"min": 0, "below": 1000, "next": "low"},
                    {"min": 1000, "next": "high"},
                ],
            },
            "low": {"kind": "leaf", "advice": "repair", "clause": "Low", "clause_id": "L"},
            "high": {"kind": "leaf", "advice": "escalate", "clause": "High", "clause_id": "H"},
        },
    }
    return msgspec.convert(body, contract.DecisionTreeConfig)


def test_usage_hours_branch_on_half_open_ranges() -> None:
    tree = numeric_tree("usage_hours")
    assert evaluate(tree, Facts(today=TODAY, usage_hours=999.5)).leaf_id == "low"
    assert evaluate(tree, Facts(today=TODAY, usage_hours=1000)).leaf_id == "high"
    assert evaluate(tree, Facts(today=TODAY, usage_hours=0)).leaf_id == "low"


def test_previous_repairs_branch() -> None:
    tree = numeric_tree("previous_repairs")
    assert evaluate(tree, Facts(today=TODAY, previous_repairs=999)).leaf.clause_id == "L"
    assert evaluate(tree, Facts(today=TODAY, previous_repairs=1000)).leaf.clause_id == "H"


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        (Facts(today=TODAY), "fault_category"),
        (case(None), "purchase_date"),
        (case(100), "serial_number"),
        (case(100, serial_number=IN_PATTERN), "previous_repairs"),
    ],
    ids=["category", "purchase", "serial", "repairs"],
)
def test_a_missing_input_on_the_path_names_the_field(facts: Facts, field: str) -> None:
    with pytest.raises(MissingInput) as refused:
        evaluate(STANDARD, facts)
    assert refused.value.code == "validation_failed"
    assert refused.value.details["field"] == field


def test_an_input_off_the_path_is_not_needed() -> None:
    # Day 3: no serial, no repairs needed for a refund.
    assert evaluate(STANDARD, case(3)).leaf.advice == "refund"
