"""Triage: the priority rules, the responsibility zones, and what they decided.

Rules and zones are configuration a tenant's admins save as data. Their input Structs refuse
unknown fields (unlike the mobile types): a misspelt key in a rule would otherwise vanish and
leave a rule that matches more than its author meant.
"""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.enums import CustomerTier, Priority, WorkOrderType
from mobile_contract.iot import AlarmSeverity, AlarmType
from mobile_contract.types import LINE_PATTERN, LongText, Name, ShortText, Tag

Keyword = Annotated[str, Meta(min_length=1, max_length=60, pattern=LINE_PATTERN)]
Prefix = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$(?!\n)")]
TextField = Literal["title", "description"]


class KeywordsCondition(
    msgspec.Struct, tag="keywords", tag_field="kind", kw_only=True, forbid_unknown_fields=True
):
    """Any of ``any_of`` in the title or description. Case and width do not matter
    (full-width letters are the same letters); Chinese matches anywhere in a run of Han
    characters; a keyword that starts or ends with a Latin letter or digit matches only where
    no Latin letter or digit stands beside it (``PLC`` is not in ``PLCC``)."""

    any_of: Annotated[list[Keyword], Meta(min_length=1, max_length=100)]
    fields: Annotated[list[TextField], Meta(min_length=1, max_length=2)] = msgspec.field(
        default_factory=lambda: ["title", "description"]
    )


class PatternCondition(
    msgspec.Struct, tag="pattern", tag_field="kind", kw_only=True, forbid_unknown_fields=True
):
    """A regular expression (Python syntax) searched in the title and description, case
    insensitive. Patterns that could backtrack for ever (a repeat inside a repeat) are refused."""

    pattern: Annotated[str, Meta(min_length=1, max_length=200, pattern=LINE_PATTERN)]


class DeviceCodePrefixCondition(
    msgspec.Struct,
    tag="device_code_prefix",
    tag_field="kind",
    kw_only=True,
    forbid_unknown_fields=True,
):
    """The asset's device code starts with one of ``prefixes`` (``CS-FR-``: cold-storage
    freezers), case insensitive."""

    prefixes: Annotated[list[Prefix], Meta(min_length=1, max_length=50)]


class AlarmCondition(
    msgspec.Struct, tag="alarm", tag_field="kind", kw_only=True, forbid_unknown_fields=True
):
    """The work order was opened by an alarm of one of ``types`` (any, when empty) at
    ``min_severity`` or worse (any, when None)."""

    types: Annotated[list[AlarmType], Meta(max_length=10)] = []
    min_severity: AlarmSeverity | None = None


class CustomerTierCondition(
    msgspec.Struct, tag="customer_tier", tag_field="kind", kw_only=True, forbid_unknown_fields=True
):
    tiers: Annotated[list[CustomerTier], Meta(min_length=1, max_length=3)]


class SiteCondition(
    msgspec.Struct, tag="site", tag_field="kind", kw_only=True, forbid_unknown_fields=True
):
    site_ids: Annotated[list[UUID], Meta(min_length=1, max_length=200)]


class WorkOrderTypeCondition(
    msgspec.Struct,
    tag="work_order_type",
    tag_field="kind",
    kw_only=True,
    forbid_unknown_fields=True,
):
    types: Annotated[list[WorkOrderType], Meta(min_length=1, max_length=5)]


class HistoryCondition(
    msgspec.Struct, tag="history", tag_field="kind", kw_only=True, forbid_unknown_fields=True
):
    """Similar work orders (the asset's family and the work order's type) resolved in the
    last ``window_days`` took longer than ``p80_hours`` at their 80th percentile: this kind
    of fault tends to drag on. Needs ``min_samples`` of them, or it does not match."""

    p80_hours: Annotated[float, Meta(gt=0, le=24 * 365)]
    window_days: Annotated[int, Meta(ge=1, le=365)] = 90
    min_samples: Annotated[int, Meta(ge=1, le=1000)] = 5


Condition = (
    KeywordsCondition
    | PatternCondition
    | DeviceCodePrefixCondition
    | AlarmCondition
    | CustomerTierCondition
    | SiteCondition
    | WorkOrderTypeCondition
    | HistoryCondition
)


class SetPriority(
    msgspec.Struct, tag="set_priority", tag_field="kind", kw_only=True, forbid_unknown_fields=True
):
    priority: Priority


class RaisePriority(
    msgspec.Struct, tag="raise_priority", tag_field="kind", kw_only=True, forbid_unknown_fields=True
):
    """One level more urgent (P2 → P1); P0 stays P0."""


class LowerPriority(
    msgspec.Struct, tag="lower_priority", tag_field="kind", kw_only=True, forbid_unknown_fields=True
):
    """One level less urgent (P1 → P2); P3 stays P3."""


class AddTags(
    msgspec.Struct, tag="add_tags", tag_field="kind", kw_only=True, forbid_unknown_fields=True
):
    tags: Annotated[list[Tag], Meta(min_length=1, max_length=10)]


Action = SetPriority | RaisePriority | LowerPriority | AddTags


class PriorityRuleIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A rule matches when every condition does. Of all matching rules, the most urgent
    ``set_priority`` wins (the set's default when none sets one); then each matching rule's
    raises and lowers apply in rule order, one level each. ``stop``: no later rule is
    looked at once this one matched."""

    name: Name
    conditions: Annotated[list[Condition], Meta(min_length=1, max_length=10)]
    actions: Annotated[list[Action], Meta(min_length=1, max_length=5)]
    enabled: bool = True
    stop: bool = False
    description: LongText = ""


class PriorityRule(PriorityRuleIn, kw_only=True):
    id: UUID


class PriorityRuleCreate(PriorityRuleIn, kw_only=True):
    """``position``: where the rule goes (0: first); at the end when absent.
    ``expected_version``: refuse the change if the rule set moved on since it was read."""

    position: Annotated[int, Meta(ge=0, le=10_000)] | None = None
    expected_version: int | None = None


class PriorityRuleSetIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A whole rule set at once (an import): rules keep their ids where given."""

    rules: Annotated[list[PriorityRule], Meta(max_length=500)]
    default_priority: Priority = Priority.P2
    expected_version: int | None = None


class PriorityRuleSet(msgspec.Struct, kw_only=True):
    """The tenant's rules at ``version`` (0: none saved yet). Every change saves a new
    version; a work order records the version that decided its priority."""

    version: int
    default_priority: Priority
    rules: list[PriorityRule]
    saved_at: datetime | None = None
    saved_by_id: UUID | None = None


class RuleValidation(msgspec.Struct, kw_only=True):
    valid: bool = True


class MatchedCondition(msgspec.Struct, kw_only=True, omit_defaults=True):
    """What one condition of a matched rule found, e.g. ``keywords`` → ``停机``; for
    ``history`` also the figure: the P80 in hours over how many work orders."""

    kind: str
    matched: str
    p80_hours: float | None = None
    samples: int | None = None


class PriorityReason(msgspec.Struct, kw_only=True):
    """One rule that matched, what it matched and what it did (``set_priority P0``,
    ``raise_priority``, ``add_tags iot``)."""

    rule_id: UUID
    rule_name: str
    matched: list[MatchedCondition]
    actions: list[str]


class DryRunSample(msgspec.Struct, kw_only=True):
    """A work order as the rules would see it; ids name the tenant's own rows."""

    title: Name
    description: LongText = ""
    type: WorkOrderType = WorkOrderType.COLD_STORAGE_REPAIR
    site_id: UUID | None = None
    asset_id: UUID | None = None
    customer_id: UUID | None = None
    alarm_type: AlarmType | None = None
    alarm_severity: AlarmSeverity | None = None


class DryRunRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``rules``: try a rule set before saving it (the saved one when absent)."""

    work_order: DryRunSample
    rules: PriorityRuleSetIn | None = None


class ZoneRef(msgspec.Struct, kw_only=True):
    id: UUID
    name: str


class TriageResult(msgspec.Struct, kw_only=True):
    """What triage decides for a work order: its priority with the reasons, the tags the
    rules add, and the owning team with the zone that made it the owner."""

    priority: Priority
    priority_reasons: list[PriorityReason] = []
    rule_set_version: int = 0
    tags: list[str] = []
    team_id: UUID | None = None
    zone: ZoneRef | None = None
    # Where the owning team assigns automatically: the engineer on shift it chose, and why.
    assignee_id: UUID | None = None
    assignment_reason: str = ""


ProductionLine = Annotated[str, Meta(min_length=1, max_length=200, pattern=LINE_PATTERN)]


class ZoneIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A responsibility zone (责任田): work orders matching every key set here belong to
    ``team_id``. Keys left out match anything; a zone with no key is the default team. When
    several zones match, the one with more keys wins; between as many keys, the first key in
    the order site, production line, system module, customer tier, work-order type decides.
    Two zones with the same keys and values cannot be told apart and are refused."""

    name: Name
    team_id: UUID
    site_id: UUID | None = None
    production_line: ProductionLine | None = None
    system_module: ProductionLine | None = None
    customer_tier: CustomerTier | None = None
    work_order_type: WorkOrderType | None = None
    description: ShortText = ""


class Zone(ZoneIn, kw_only=True):
    id: UUID
    created_at: datetime
    updated_at: datetime


class ZoneList(msgspec.Struct, kw_only=True):
    """In precedence order: the zone that wins a tie comes first."""

    items: list[Zone]
