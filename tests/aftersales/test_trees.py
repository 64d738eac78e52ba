"""Saving a tree checks that every case reaches exactly one leaf: each refusal names where."""

import copy
from typing import Any

import msgspec
import pytest

from aftersales.standard import STANDARD
from aftersales.trees import check_tree
from kernel.errors import ConfigInvalid
from mobile_contract import aftersales as contract

REFUND = {"kind": "leaf", "advice": "refund", "clause": "Within 7 days", "clause_id": "§1"}
REPAIR = {"kind": "leaf", "advice": "repair", "clause": "Later"}


def good() -> dict[str, Any]:
    return {
        "root": "fault",
        "nodes": {
            "fault": {
                "kind": "fault_category",
                "branches": [
                    {"categories": ["performance"], "next": "age"},
                    {"categories": ["misuse"], "next": "later"},
                ],
                "otherwise": "later",
            },
            "age": {
                "kind": "purchase_age_days",
                "branches": [
                    {"min": 0, "below": 8, "next": "refund"},
                    {"min": 8, "next": "warranty"},
                ],
            },
            "warranty": {
                "kind": "warranty",
                "in_warranty": "later",
                "out_of_warranty": "later",
                "unknown": "refund",
            },
            "refund": REFUND,
            "later": REPAIR,
        },
        "serial_pattern": r"(?P<year>\d{2})(?P<month>\d{2})-\d+",
        "serial_ranges": [
            {"from_serial": "A-0001", "to_serial": "A-0100", "production_date": "2025-01-01"},
            {"from_serial": "A-0101", "to_serial": "A-0200", "production_date": "2025-02-01"},
        ],
    }


def tree_of(body: dict[str, Any]) -> contract.DecisionTreeConfig:
    return msgspec.convert(body, contract.DecisionTreeConfig)


def test_a_good_tree_and_the_standard_tree_pass() -> None:
    """``later`` is reached by four branches: a node reached twice is no cycle."""
    check_tree(tree_of(good()))
    check_tree(STANDARD)


def changed(path: str, value: Any) -> dict[str, Any]:
    """The good tree with one value replaced (``nodes.age.branches[1].min``) or, for a value
    of ``DELETE``, removed."""
    body = copy.deepcopy(good())
    *parents, last = path.replace("[", ".").replace("]", "").split(".")
    target: Any = body
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    key: Any = int(last) if last.isdigit() else last
    if value is DELETE:
        del target[key]
    else:
        target[key] = value
    return body


DELETE = object()
BAD = [
    # (id, body, path, words)
    (
        "cycle",
        changed("nodes.warranty.in_warranty", "fault"),
        "nodes.warranty.in_warranty",
        "cycle (fault → age → warranty → fault)",
    ),
    ("self-loop", changed("nodes.fault.otherwise", "fault"), "nodes.fault.otherwise", "cycle"),
    ("unreachable-leaf", changed("nodes.orphan", REFUND), "nodes.orphan", "cannot be reached"),
    (
        "gap",
        changed("nodes.age.branches[1].min", 10),
        "nodes.age.branches[1]",
        "gap: values from 8 to below 10",
    ),
    (
        "overlap",
        changed("nodes.age.branches[1].min", 7),
        "nodes.age.branches[1]",
        "overlap",
    ),
    (
        "not-from-zero",
        changed("nodes.age.branches[0].min", 1),
        "nodes.age.branches[0].min",
        "must be 0",
    ),
    (
        "last-not-open-ended",
        changed("nodes.age.branches[1].below", 400),
        "nodes.age.branches[1].below",
        "open-ended",
    ),
    (
        "open-ended-before-the-last",
        changed("nodes.age.branches[0].below", DELETE),
        "nodes.age.branches[0].below",
        "only the last branch",
    ),
    (
        "empty-range",
        changed("nodes.age.branches[0].below", 0),
        "nodes.age.branches[0].below",
        "above min",
    ),
    (
        "missing-otherwise",
        changed("nodes.fault.otherwise", DELETE),
        "nodes.fault.otherwise",
        "required",
    ),
    (
        "category-in-two-branches",
        changed("nodes.fault.branches[1].categories", ["misuse", "performance"]),
        "nodes.fault.branches[1].categories[1]",
        "already in branches[0]",
    ),
    (
        "missing-warranty-branch",
        changed("nodes.warranty.unknown", DELETE),
        "nodes.warranty.unknown",
        "required",
    ),
    (
        "dangling-reference",
        changed("nodes.age.branches[0].next", "nowhere"),
        "nodes.age.branches[0].next",
        "names no node: 'nowhere'",
    ),
    ("dangling-root", changed("root", "nowhere"), "root", "names no node"),
    ("blank-clause", changed("nodes.refund.clause", "  \n "), "nodes.refund.clause", "clause"),
    (
        "ranges-overlap",
        changed("serial_ranges[1].from_serial", "A-0100"),
        "serial_ranges[1]",
        "overlaps serial_ranges[0]",
    ),
    (
        "range-of-two-shapes",
        changed("serial_ranges[0].to_serial", "B-0100"),
        "serial_ranges[0].to_serial",
        "prefix",
    ),
    (
        "range-backwards",
        changed("serial_ranges[0].to_serial", "A-0000"),
        "serial_ranges[0].to_serial",
        "before",
    ),
    (
        "range-without-digits",
        changed("serial_ranges[0].from_serial", "A-"),
        "serial_ranges[0].from_serial",
        "digits",
    ),
    ("pattern-invalid", changed("serial_pattern", "(?P<year>"), "serial_pattern", "not a valid"),
    ("pattern-no-month", changed("serial_pattern", r"(?P<year>\d\d)"), "serial_pattern", "month"),
    (
        "pattern-other-group",
        changed("serial_pattern", r"(?P<year>\d\d)(?P<month>\d\d)(?P<line>\d)"),
        "serial_pattern",
        "not line",
    ),
    (
        "pattern-nested-repeat",
        changed("serial_pattern", r"(?P<year>\d\d)(?P<month>\d\d)(\w+)+"),
        "serial_pattern",
        "repeat inside a repeat",
    ),
    ("timezone", changed("timezone", "Mars/Olympus"), "timezone", "unknown time zone"),
]


@pytest.mark.parametrize(
    ("body", "path", "words"), [pytest.param(*rest, id=name) for name, *rest in BAD]
)
def test_a_tree_that_cannot_work_is_refused_naming_where(
    body: dict[str, Any], path: str, words: str
) -> None:
    with pytest.raises(ConfigInvalid) as refused:
        check_tree(tree_of(body))
    assert refused.value.code == "config_invalid"
    assert refused.value.details["path"] == path
    assert words in refused.value.details["problem"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (changed("nodes.refund.clause", ""), "clause"),
        (changed("nodes.refund.advice", "shrug"), "advice"),
        (changed("nodes.age.colour", "red"), "colour"),
        (changed("nodes.age.kind", "weather"), "weather"),
        (changed("nodes.fault.branches[0].categories", []), "categories"),
        (changed("nodes.age.branches[0].min", -1), "min"),
        (
            changed("nodes", {f"n{i}": REPAIR for i in range(contract.MAX_NODES + 1)}),
            "nodes",
        ),
    ],
    ids=[
        "empty-clause",
        "advice",
        "unknown-field",
        "unknown-kind",
        "no-categories",
        "negative",
        "too-many-nodes",
    ],
)
def test_what_the_types_refuse_never_reaches_the_checks(body: dict[str, Any], where: str) -> None:
    with pytest.raises(msgspec.ValidationError, match=where):
        msgspec.json.decode(msgspec.json.encode(body), type=contract.DecisionTreeConfig)
