"""The tenant's priority rules: read, changed (each change saves a new version of the whole
set), validated, tried on a sample work order."""

from collections import OrderedDict
from collections.abc import Callable
from uuid import UUID, uuid4

from directory import services as directory
from kernel.clock import utcnow
from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database, Reader, Transaction, is_contention, run_use_case
from kernel.errors import ConfigInvalid, NotFound, VersionConflict
from kernel.rows import json_text
from mobile_contract import triage as contract
from mobile_contract.enums import Priority, Role
from triage import decisions, sql
from triage import standard as standard_rules
from triage.rules import CompiledRules, RuleProblem, check_rule, check_rule_set

EDITORS = frozenset({Role.ADMIN, Role.SUPERVISOR})
_COMPILED: OrderedDict[tuple[UUID, int], CompiledRules] = OrderedDict()
_COMPILED_KEPT = 256  # tenants' current versions kept compiled in this process


def standard(tenant_id: UUID) -> contract.PriorityRuleSet:
    """Version 0: what a tenant runs before its admins save rules of their own."""
    return contract.PriorityRuleSet(
        version=0, default_priority=Priority.P2, rules=list(standard_rules.for_tenant(tenant_id))
    )


async def current(reader: Reader, tenant_id: UUID) -> contract.PriorityRuleSet:
    stored = await reader.fetch_one(sql.CURRENT_RULE_SET, sql.StoredRuleSet, tenant=tenant_id)
    return _as_contract(stored) if stored is not None else standard(tenant_id)


def _as_contract(stored: sql.StoredRuleSet) -> contract.PriorityRuleSet:
    return contract.PriorityRuleSet(
        version=stored.version,
        default_priority=stored.default_priority,
        rules=stored.rules,
        saved_at=stored.saved_at,
        saved_by_id=stored.saved_by_id,
    )


async def compiled(reader: Reader, tenant_id: UUID) -> CompiledRules:
    """The tenant's current rules, compiled once per version in this process (a version is
    never changed, so only the version number is read per work order)."""
    row = await reader.fetch_one(sql.CURRENT_VERSION, sql.Version, tenant=tenant_id)
    key = (tenant_id, row.version if row is not None else 0)
    rules = _COMPILED.get(key)
    if rules is None:
        found = await current(reader, tenant_id)
        rules = CompiledRules(found.rules, found.default_priority, found.version)
        key = (tenant_id, found.version)
        _COMPILED[key] = rules
        while len(_COMPILED) > _COMPILED_KEPT:
            _COMPILED.popitem(last=False)
    else:
        _COMPILED.move_to_end(key)
    return rules


async def get(*, db: Database, actor: Actor) -> contract.PriorityRuleSet:
    require_role(actor, DISPATCH_ROLES, "read the priority rules")
    async with db.snapshot() as reader:
        return await current(reader, actor.tenant_id)


async def get_version(*, db: Database, actor: Actor, version: int) -> contract.PriorityRuleSet:
    """A saved version (what decided a work order's priority back then)."""
    require_role(actor, DISPATCH_ROLES, "read the priority rules")
    if version == 0:
        return standard(actor.tenant_id)
    async with db.snapshot() as reader:
        stored = await reader.fetch_one(
            sql.RULE_SET_AT, sql.StoredRuleSet, tenant=actor.tenant_id, version=version
        )
    if stored is None:
        raise NotFound("rule set version", version)
    return _as_contract(stored)


async def create_rule(
    *, db: Database, actor: Actor, data: contract.PriorityRuleCreate
) -> contract.PriorityRuleSet:
    rule = _rule(data, uuid4())

    def change(rules: list[contract.PriorityRule]) -> list[contract.PriorityRule]:
        position = len(rules) if data.position is None else data.position
        _check_position(position, len(rules))
        return [*rules[:position], rule, *rules[position:]]

    return await _change(db, actor, change, data.expected_version)


async def replace_rule(
    *, db: Database, actor: Actor, rule_id: UUID, data: contract.PriorityRuleCreate
) -> contract.PriorityRuleSet:
    """The rule replaced whole; moved to ``position`` when one is given."""

    def change(rules: list[contract.PriorityRule]) -> list[contract.PriorityRule]:
        index = _index_of(rules, rule_id)
        rest = rules[:index] + rules[index + 1 :]
        position = index if data.position is None else data.position
        _check_position(position, len(rest))
        return [*rest[:position], _rule(data, rule_id), *rest[position:]]

    return await _change(db, actor, change, data.expected_version)


async def delete_rule(
    *, db: Database, actor: Actor, rule_id: UUID, expected_version: int | None
) -> contract.PriorityRuleSet:
    def change(rules: list[contract.PriorityRule]) -> list[contract.PriorityRule]:
        index = _index_of(rules, rule_id)
        return rules[:index] + rules[index + 1 :]

    return await _change(db, actor, change, expected_version)


async def replace_all(
    *, db: Database, actor: Actor, data: contract.PriorityRuleSetIn
) -> contract.PriorityRuleSet:
    return await _change(
        db, actor, lambda _: list(data.rules), data.expected_version, data.default_priority
    )


async def validate(
    *, db: Database, actor: Actor, data: contract.PriorityRuleIn
) -> contract.RuleValidation:
    """What saving the rule would say, without saving it."""
    require_role(actor, EDITORS, "change the priority rules")
    async with db.snapshot() as reader:
        await _check(reader, actor.tenant_id, [_rule(data, uuid4())], "rule")
    return contract.RuleValidation(valid=True)


async def dry_run(
    *, db: Database, actor: Actor, data: contract.DryRunRequest
) -> contract.TriageResult:
    """The priority, reasons and owner the rules and zones would give a sample work order
    (with a candidate rule set when one is sent)."""
    require_role(actor, DISPATCH_ROLES, "try the priority rules")
    sample = data.work_order
    async with db.snapshot() as reader:
        for kind, value in (
            ("site", sample.site_id),
            ("asset", sample.asset_id),
            ("customer", sample.customer_id),
        ):
            if value is not None:
                await directory.check_reference(
                    kind, actor.tenant_id, value, f"work_order.{kind}_id", reader=reader
                )
        rules = None
        if data.rules is not None:
            await _check(reader, actor.tenant_id, data.rules.rules, "rules.rules")
            rules = CompiledRules(data.rules.rules, data.rules.default_priority, version=0)
        return await decisions.decide_sample(
            reader, tenant_id=actor.tenant_id, sample=data.work_order, rules=rules, now=utcnow()
        )


def _rule(data: contract.PriorityRuleIn, rule_id: UUID) -> contract.PriorityRule:
    fields = {name: getattr(data, name) for name in contract.PriorityRuleIn.__struct_fields__}
    return contract.PriorityRule(id=rule_id, **fields)


def _index_of(rules: list[contract.PriorityRule], rule_id: UUID) -> int:
    for index, rule in enumerate(rules):
        if rule.id == rule_id:
            return index
    raise NotFound("priority rule", rule_id)


def _check_position(position: int, count: int) -> None:
    if position > count:
        raise ConfigInvalid(
            "position", f"{position} is past the end of the {count} other rules (0 to {count})"
        )


async def _check(
    reader: Reader, tenant_id: UUID, rules: list[contract.PriorityRule], path: str
) -> None:
    """Refuse what cannot work (``ConfigInvalid`` naming where); ``path`` "rule" checks one
    rule alone, anything else a whole set found at ``path``."""
    single = path == "rule"
    try:
        check_rule(rules[0], path) if single else check_rule_set(rules, path)
    except RuleProblem as problem:
        raise ConfigInvalid(problem.path, problem.message) from None
    for index, rule in enumerate(rules):
        for position, condition in enumerate(rule.conditions):
            if not isinstance(condition, contract.SiteCondition):
                continue
            found = await reader.fetch(sql.SITES, sql.Id, tenant=tenant_id, ids=condition.site_ids)
            missing = sorted(set(condition.site_ids) - {row.id for row in found}, key=str)
            if missing:
                where = path if single else f"{path}[{index}]"
                raise ConfigInvalid(
                    f"{where}.conditions[{position}].site_ids",
                    f"{missing[0]} does not name a site of yours",
                )


async def _change(
    db: Database,
    actor: Actor,
    change: Callable[[list[contract.PriorityRule]], list[contract.PriorityRule]],
    expected_version: int | None,
    default_priority: Priority | None = None,
) -> contract.PriorityRuleSet:
    """One new version: the current rules changed by ``change``, checked whole, saved."""
    require_role(actor, EDITORS, "change the priority rules")

    async def use_case(tx: Transaction) -> contract.PriorityRuleSet:
        found = await current(tx, actor.tenant_id)
        if expected_version is not None and expected_version != found.version:
            raise VersionConflict("rule set", expected_version, found.version)
        rules = change(list(found.rules))
        await _check(tx, actor.tenant_id, rules, "rules")
        now = utcnow()
        saved = contract.PriorityRuleSet(
            version=found.version + 1,
            default_priority=default_priority or found.default_priority,
            rules=rules,
            saved_at=now,
            saved_by_id=actor.user_id,
        )
        await tx.execute(
            sql.INSERT_RULE_SET,
            id=uuid4(),
            tenant=actor.tenant_id,
            version=saved.version,
            default_priority=saved.default_priority.value,
            rules=json_text(saved.rules),
            now=now,
            user=actor.user_id,
        )
        return saved

    # Two admins saving at once: the second one's version number is taken (a unique index)
    # and it runs again on top of the first.
    return await run_use_case(db, use_case, rehearse=False, contended=is_contention)
