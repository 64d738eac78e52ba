"""After-sales advice: the tenant's decision tree and what it advises for a case.

A tree is configuration saved as data: its nodes test one fact of the case each (the fault
category, the days since purchase, the warranty found from the serial number, the usage hours,
the asset's previous repairs) and its leaves say exchange, repair, refund or escalate with the
clause that justifies it. The configuration Structs refuse unknown fields: a misspelt key would
otherwise vanish and leave a branch that is not what its author wrote.

Numeric branches are half-open ranges ``[min, below)``: ``{"min": 0, "below": 8}`` takes days 0
to 7 (the purchase day is day 0), so "within 7 days" includes day 7. The last branch has no
``below`` and takes everything from its ``min`` on.
"""

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.types import LINE_PATTERN, TEXT_PATTERN, ShortText, TimeZone

Advice = Literal["exchange", "repair", "refund", "escalate"]
#: ``unknown``: the serial number is in no range of the table and does not match the pattern
#: (or gives a production date after the purchase or in the future).
WarrantyStatus = Literal["in_warranty", "out_of_warranty", "unknown"]
NodeKind = Literal[
    "fault_category", "purchase_age_days", "usage_hours", "previous_repairs", "warranty", "leaf"
]

NODE_ID_PATTERN = r"^[A-Za-z0-9_.-]+$(?!\n)"
NodeId = Annotated[str, Meta(min_length=1, max_length=64, pattern=NODE_ID_PATTERN)]
#: A fault category as the tree and the case name it: lower case, digits, ``_`` and ``-``.
Category = Annotated[str, Meta(min_length=1, max_length=60, pattern=r"^[a-z0-9][a-z0-9_-]*$(?!\n)")]
Clause = Annotated[str, Meta(min_length=1, max_length=2_000, pattern=TEXT_PATTERN)]
ClauseId = Annotated[str, Meta(max_length=40, pattern=LINE_PATTERN)]
Serial = Annotated[str, Meta(min_length=1, max_length=64, pattern=LINE_PATTERN)]
SerialPattern = Annotated[str, Meta(min_length=1, max_length=200, pattern=LINE_PATTERN)]
Bound = Annotated[int, Meta(ge=0, le=10_000_000)]

MAX_NODES = 200
MAX_BRANCHES = 50
MAX_SERIAL_RANGES = 2_000


class CategoryBranch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A case whose fault category is one of ``categories`` goes to ``next``."""

    categories: Annotated[list[Category], Meta(min_length=1, max_length=100)]
    next: NodeId


class RangeBranch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Values in ``[min, below)`` go to ``next``; no ``below``: ``min`` and above."""

    min: Bound
    below: Bound | None = None
    next: NodeId


class FaultCategoryNode(
    msgspec.Struct, tag="fault_category", tag_field="kind", kw_only=True, forbid_unknown_fields=True
):
    """The case's fault category: the branch listing it, else ``otherwise`` (required: a
    category nobody listed must still lead somewhere)."""

    branches: Annotated[list[CategoryBranch], Meta(min_length=1, max_length=MAX_BRANCHES)]
    otherwise: NodeId | None = None
    label: ShortText = ""


class PurchaseAgeNode(
    msgspec.Struct,
    tag="purchase_age_days",
    tag_field="kind",
    kw_only=True,
    forbid_unknown_fields=True,
):
    """Whole days from the purchase date to the evaluation date, in the tree's time zone (the
    purchase day is day 0). Branches in ascending order, from 0, without gaps or overlaps."""

    branches: Annotated[list[RangeBranch], Meta(min_length=1, max_length=MAX_BRANCHES)]
    label: ShortText = ""


class UsageHoursNode(
    msgspec.Struct, tag="usage_hours", tag_field="kind", kw_only=True, forbid_unknown_fields=True
):
    """The hours the product ran (its hour meter); ranges as for the purchase age."""

    branches: Annotated[list[RangeBranch], Meta(min_length=1, max_length=MAX_BRANCHES)]
    label: ShortText = ""


class PreviousRepairsNode(
    msgspec.Struct,
    tag="previous_repairs",
    tag_field="kind",
    kw_only=True,
    forbid_unknown_fields=True,
):
    """How often the asset was repaired since its purchase (finished repair work orders, or
    the number the case states); ranges as for the purchase age."""

    branches: Annotated[list[RangeBranch], Meta(min_length=1, max_length=MAX_BRANCHES)]
    label: ShortText = ""


class WarrantyNode(
    msgspec.Struct, tag="warranty", tag_field="kind", kw_only=True, forbid_unknown_fields=True
):
    """The warranty status found from the serial number; all three branches are required."""

    in_warranty: NodeId | None = None
    out_of_warranty: NodeId | None = None
    unknown: NodeId | None = None
    label: ShortText = ""


class AdviceLeaf(
    msgspec.Struct, tag="leaf", tag_field="kind", kw_only=True, forbid_unknown_fields=True
):
    """The advice and the clause that justifies it (``clause_id``: a short reference, §7)."""

    advice: Advice
    clause: Clause
    clause_id: ClauseId = ""


Node = (
    FaultCategoryNode
    | PurchaseAgeNode
    | UsageHoursNode
    | PreviousRepairsNode
    | WarrantyNode
    | AdviceLeaf
)


class SerialRange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Serial numbers from ``from_serial`` to ``to_serial`` were made on ``production_date``.
    A serial is a prefix and a run of digits at its end (``SN24A`` + ``000123``); a serial is
    in the range when it has the same prefix (case aside) and as many digits, and its digits'
    number is between the two, both included."""

    from_serial: Serial
    to_serial: Serial
    production_date: date


class DecisionTreeConfig(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A tree: ``root`` names the first node of ``nodes``.

    Warranty: known from the serial number, by the range table first, then by
    ``serial_pattern`` (a regular expression matched against the whole serial, case aside,
    with named groups ``year`` (two or four digits), ``month`` and optionally ``day``; without
    a day, the last day of the month). A recognised product's warranty runs from the purchase
    date when the case has one; without it, from ``shelf_days`` after the production date. It
    lasts ``warranty_months`` and covers the anniversary day itself (bought 2025-03-10, 12
    months: covered to 2026-03-10 included). Days are counted in ``timezone``."""

    root: NodeId
    nodes: Annotated[dict[NodeId, Node], Meta(min_length=1, max_length=MAX_NODES)]
    warranty_months: Annotated[int, Meta(ge=1, le=240)] = 12
    shelf_days: Annotated[int, Meta(ge=0, le=3_650)] = 90
    serial_ranges: Annotated[list[SerialRange], Meta(max_length=MAX_SERIAL_RANGES)] = []
    serial_pattern: (
        Annotated[str, Meta(min_length=1, max_length=200, pattern=LINE_PATTERN)] | None
    ) = None
    timezone: TimeZone = "Asia/Shanghai"
    description: ShortText = ""


class DecisionTreeIn(DecisionTreeConfig, kw_only=True, forbid_unknown_fields=True):
    """A tree to save as the next version; ``expected_version``: refuse it if the tree moved
    on since it was read."""

    expected_version: Annotated[int, Meta(ge=0)] | None = None


class DecisionTree(DecisionTreeConfig, kw_only=True):
    """The tenant's tree at ``version`` (0: the standard tree, none saved yet). Each save is
    a new version; an advice names the version that gave it."""

    version: int
    saved_at: datetime | None = None
    saved_by_id: UUID | None = None


class TreeValidation(msgspec.Struct, kw_only=True):
    valid: bool = True


class AfterSalesCase(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What a case says. Only what the tree's path tests is needed: a node reached without
    its input answers 422 ``validation_failed`` naming the field.

    ``purchase_date`` or ``purchase_age_days``, not both. ``asset_id``: the asset's serial
    number (when ``serial_number`` is not sent) and its previous repairs (when
    ``previous_repairs`` is not sent) come from the directory and the work orders.
    ``at``: when the case is judged (now by default)."""

    fault_category: Category | None = None
    purchase_date: date | None = None
    purchase_age_days: Annotated[int, Meta(ge=0, le=100_000)] | None = None
    serial_number: Serial | None = None
    usage_hours: Annotated[float, Meta(ge=0, le=10_000_000)] | None = None
    asset_id: UUID | None = None
    previous_repairs: Annotated[int, Meta(ge=0, le=10_000)] | None = None
    at: datetime | None = None


class AfterSalesStep(msgspec.Struct, kw_only=True):
    """One test on the path: the node, what it tested, the value it saw, the branch taken
    (``[8, 16)``, ``[366, ∞)``, a category, ``otherwise``, a warranty status) and where to."""

    node: str
    test: NodeKind
    value: str | int | float
    branch: str
    next: str


class WarrantyFinding(msgspec.Struct, kw_only=True):
    """What the serial number said. ``source``: ``serial_range`` or ``serial_pattern`` (None:
    not recognised); ``starts_on`` / ``ends_on``: the warranty's first and last covered day."""

    status: WarrantyStatus
    serial_number: str
    production_date: date | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    source: Literal["serial_range", "serial_pattern"] | None = None
    note: str = ""


class AfterSalesAdvice(msgspec.Struct, kw_only=True):
    """The advice, its clause, and the path that led there (``leaf``: the leaf node's id).
    ``warranty``: set when the path tested it. ``evaluated_on``: the day the case was judged
    (the tree's time zone); ``purchase_age_days`` when the case gave a purchase date or age."""

    advice: Advice
    clause: str
    clause_id: str
    leaf: str
    path: list[AfterSalesStep]
    tree_version: int
    warranty: WarrantyFinding | None = None
    evaluated_on: date
    purchase_age_days: int | None = None
    previous_repairs: int | None = None
