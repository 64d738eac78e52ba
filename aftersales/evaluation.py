"""A case walked through a tree: pure, so the tests run the table of cases directly. The
service looks up what the case names (the asset's serial number, its previous repairs) first."""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

from aftersales import serials
from kernel.errors import DomainError
from mobile_contract import aftersales as contract
from mobile_contract.errors import ErrorCode

T = TypeVar("T")


class MissingInput(DomainError):
    """The path reached a node whose input the case did not give (a 422 naming the field):
    the tree cannot advise without it, and guessing would give the wrong clause."""

    def __init__(self, field: str, node: str, message: str) -> None:
        super().__init__(ErrorCode.VALIDATION_FAILED, message, {"field": field, "node": node})


@dataclass(frozen=True, slots=True)
class Facts:
    """A case as the tree reads it; ``today`` is the evaluation day in the tree's time zone."""

    today: date
    fault_category: str | None = None
    purchase_date: date | None = None
    serial_number: str | None = None
    usage_hours: float | None = None
    previous_repairs: int | None = None
    # Why the serial is missing, when a directory asset had none (said in the 422).
    serial_hint: str = field(default="")

    @property
    def purchase_age_days(self) -> int | None:
        return None if self.purchase_date is None else (self.today - self.purchase_date).days


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day (Jan 31 + 1 month: Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def warranty(tree: contract.DecisionTreeConfig, facts: Facts) -> contract.WarrantyFinding:
    """The warranty of the product with the case's serial number (see ``DecisionTreeConfig``):
    from the purchase date when known, else from ``shelf_days`` after the production date;
    ``warranty_months`` long, the anniversary day included."""
    serial = facts.serial_number
    assert serial is not None
    number = serials.normalise(serial)
    produced = serials.production_date(number, tree.serial_ranges, tree.serial_pattern)
    if produced is None:
        return contract.WarrantyFinding(
            status="unknown",
            serial_number=number,
            note="the serial number is in no range of the table and does not match the pattern",
        )
    made = produced.on
    if made > facts.today or (facts.purchase_date is not None and made > facts.purchase_date):
        later = "the evaluation day" if made > facts.today else "the purchase date"
        return contract.WarrantyFinding(
            status="unknown",
            serial_number=number,
            production_date=made,
            source=produced.source,
            note=f"the serial number's production date is after {later}: it is not this product",
        )
    if facts.purchase_date is not None:
        starts, note = facts.purchase_date, "from the purchase date"
    else:
        starts = made + timedelta(days=tree.shelf_days)
        note = f"no purchase date: from {tree.shelf_days} days after the production date"
    ends = add_months(starts, tree.warranty_months)
    return contract.WarrantyFinding(
        status="in_warranty" if facts.today <= ends else "out_of_warranty",
        serial_number=number,
        production_date=made,
        starts_on=starts,
        ends_on=ends,
        source=produced.source,
        note=note,
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    leaf_id: str
    leaf: contract.AdviceLeaf
    path: list[contract.AfterSalesStep]
    warranty: contract.WarrantyFinding | None


def evaluate(tree: contract.DecisionTreeConfig, facts: Facts) -> Outcome:
    """The leaf the case reaches and the path to it. The tree was checked when saved (no
    cycles, every reference found), so the walk ends within ``len(nodes)`` steps."""
    path: list[contract.AfterSalesStep] = []
    found: contract.WarrantyFinding | None = None
    node_id = tree.root
    for _ in range(len(tree.nodes) + 1):
        node = tree.nodes[node_id]
        if isinstance(node, contract.AdviceLeaf):
            return Outcome(node_id, node, path, found)
        value: str | int | float
        if isinstance(node, contract.FaultCategoryNode):
            value = _need(facts.fault_category, "fault_category", node_id, "the fault category")
            branch, following = _category(node, value)
        elif isinstance(node, contract.WarrantyNode):
            _need(facts.serial_number, "serial_number", node_id, _serial_wanted(facts))
            found = warranty(tree, facts)
            value = branch = found.status
            following = getattr(node, found.status)
        else:
            value = _number(node, node_id, facts)
            branch, following = _range(node.branches, value)
        path.append(
            contract.AfterSalesStep(
                node=node_id, test=_kind(node), value=value, branch=branch, next=following
            )
        )
        node_id = following
    raise AssertionError(f"the tree loops at {node_id}: it was not checked before saving")


def _number(
    node: contract.PurchaseAgeNode | contract.UsageHoursNode | contract.PreviousRepairsNode,
    node_id: str,
    facts: Facts,
) -> int | float:
    if isinstance(node, contract.PurchaseAgeNode):
        age = _need(
            facts.purchase_age_days, "purchase_date", node_id, "purchase_date or purchase_age_days"
        )
        if age < 0:
            raise DomainError(
                ErrorCode.VALIDATION_FAILED,
                f"The purchase date is after the evaluation day ({facts.today}).",
                {"field": "purchase_date", "node": node_id},
            )
        return age
    if isinstance(node, contract.UsageHoursNode):
        return _need(facts.usage_hours, "usage_hours", node_id, "the usage hours")
    return _need(
        facts.previous_repairs,
        "previous_repairs",
        node_id,
        "previous_repairs, or the asset_id whose repairs to count",
    )


def _need(value: T | None, field: str, node_id: str, what: str) -> T:
    if value is None:
        raise MissingInput(field, node_id, f"The advice depends on {what} (node {node_id}).")
    return value


def _serial_wanted(facts: Facts) -> str:
    return facts.serial_hint or "the serial number (serial_number, or an asset_id that has one)"


def _category(node: contract.FaultCategoryNode, category: str) -> tuple[str, str]:
    for branch in node.branches:
        if category in branch.categories:
            return category, branch.next
    assert node.otherwise is not None  # required at save
    return "otherwise", node.otherwise


def _range(branches: list[contract.RangeBranch], value: float) -> tuple[str, str]:
    """The branch ``[min, below)`` holding ``value``; they cover 0 and up (checked at save)."""
    for branch in branches:
        if branch.min <= value and (branch.below is None or value < branch.below):
            return describe(branch), branch.next
    raise AssertionError(f"{value} is in no branch: the tree was not checked before saving")


def describe(branch: contract.RangeBranch) -> str:
    return f"[{branch.min}, {'∞' if branch.below is None else branch.below})"


def _kind(node: contract.Node) -> contract.NodeKind:
    kind: contract.NodeKind = node.__struct_config__.tag  # type: ignore[assignment]
    return kind
