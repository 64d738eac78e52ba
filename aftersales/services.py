"""The tenant's after-sales tree: read, saved (each save a new version), checked, and asked
for advice on a case."""

from datetime import date, datetime, time
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

from aftersales import evaluation, sql, standard
from aftersales.trees import check_tree
from directory import services as directory
from kernel.clock import EPOCH, as_utc, utcnow
from kernel.context import Actor, require_role
from kernel.db import Database, Reader, Transaction, is_contention, run_use_case
from kernel.errors import DomainError, InvalidReference, NotFound, VersionConflict
from kernel.rows import json_text
from mobile_contract import aftersales as contract
from mobile_contract.enums import Role, WorkOrderStatus, WorkOrderType
from mobile_contract.errors import ErrorCode

EDITORS = frozenset({Role.ADMIN, Role.SUPERVISOR})
READERS = frozenset(Role)  # engineers at the counter read and ask the tree too
REPAIR_TYPES = [WorkOrderType.COLD_STORAGE_REPAIR.value, WorkOrderType.EQUIPMENT_REPAIR.value]
FINISHED = [
    WorkOrderStatus.RESOLVED.value,
    WorkOrderStatus.VERIFIED.value,
    WorkOrderStatus.CLOSED.value,
]


def standard_tree() -> contract.DecisionTree:
    """Version 0: what a tenant runs before its admins save a tree of their own."""
    return _as_tree(standard.tree(), version=0)


def _as_tree(
    config: contract.DecisionTreeConfig,
    *,
    version: int,
    saved_at: datetime | None = None,
    saved_by_id: UUID | None = None,
) -> contract.DecisionTree:
    fields = {name: getattr(config, name) for name in contract.DecisionTreeConfig.__struct_fields__}
    return contract.DecisionTree(
        **fields, version=version, saved_at=saved_at, saved_by_id=saved_by_id
    )


def _config(tree: contract.DecisionTreeConfig) -> contract.DecisionTreeConfig:
    """The configuration alone (what is stored): without a request's ``expected_version``."""
    fields = {name: getattr(tree, name) for name in contract.DecisionTreeConfig.__struct_fields__}
    return contract.DecisionTreeConfig(**fields)


def _stored(stored: sql.StoredTree) -> contract.DecisionTree:
    return _as_tree(
        stored.tree,
        version=stored.version,
        saved_at=stored.saved_at,
        saved_by_id=stored.saved_by_id,
    )


async def current(reader: Reader, tenant_id: UUID) -> contract.DecisionTree:
    stored = await reader.fetch_one(sql.CURRENT_TREE, sql.StoredTree, tenant=tenant_id)
    if stored is None:
        return standard_tree()
    return _as_tree(
        stored.tree,
        version=stored.version,
        saved_at=stored.saved_at,
        saved_by_id=stored.saved_by_id,
    )


async def get(*, db: Database, actor: Actor) -> contract.DecisionTree:
    require_role(actor, READERS, "read the after-sales tree")
    async with db.snapshot() as reader:
        return await current(reader, actor.tenant_id)


async def get_version(*, db: Database, actor: Actor, version: int) -> contract.DecisionTree:
    """A saved version (what gave an advice back then)."""
    require_role(actor, READERS, "read the after-sales tree")
    if version == 0:
        return standard_tree()
    async with db.snapshot() as reader:
        stored = await reader.fetch_one(
            sql.TREE_AT, sql.StoredTree, tenant=actor.tenant_id, version=version
        )
    if stored is None:
        raise NotFound("after-sales tree version", version)
    return _as_tree(
        stored.tree,
        version=stored.version,
        saved_at=stored.saved_at,
        saved_by_id=stored.saved_by_id,
    )


async def validate(
    *, db: Database, actor: Actor, data: contract.DecisionTreeIn
) -> contract.TreeValidation:
    """What saving the tree would say, without saving it (422 ``config_invalid``)."""
    del db  # the checks need nothing stored
    require_role(actor, EDITORS, "change the after-sales tree")
    check_tree(data)
    return contract.TreeValidation(valid=True)


async def save(
    *, db: Database, actor: Actor, data: contract.DecisionTreeIn
) -> contract.DecisionTree:
    """The tree, checked whole, saved as the next version."""
    require_role(actor, EDITORS, "change the after-sales tree")
    check_tree(data)
    config = _config(data)

    async def use_case(tx: Transaction) -> contract.DecisionTree:
        found = await current(tx, actor.tenant_id)
        if data.expected_version is not None and data.expected_version != found.version:
            raise VersionConflict("after-sales tree", data.expected_version, found.version)
        now = utcnow()
        saved = _as_tree(config, version=found.version + 1, saved_at=now, saved_by_id=actor.user_id)
        await tx.execute(
            sql.INSERT_TREE,
            id=uuid4(),
            tenant=actor.tenant_id,
            version=saved.version,
            tree=json_text(config),
            now=now,
            user=actor.user_id,
        )
        return saved

    # Two editors saving at once: the second one's version number is taken (a unique index)
    # and it runs again on top of the first (then ``expected_version`` refuses it, if sent).
    return await run_use_case(db, use_case, rehearse=False, contended=is_contention)


async def evaluate(
    *, db: Database, actor: Actor, data: contract.AfterSalesCase
) -> contract.AfterSalesAdvice:
    """The current tree's advice for a case, with the clause and the path taken."""
    require_role(actor, READERS, "ask the after-sales tree")
    if data.purchase_date is not None and data.purchase_age_days is not None:
        raise _invalid("purchase_age_days", "Send purchase_date or purchase_age_days, not both.")
    moment = data.at or utcnow()
    if not 1970 <= moment.year <= 2200:  # dates past it are typos, and would overflow
        raise _invalid("at", "The evaluation time must be between 1970 and 2200.")
    async with db.snapshot() as reader:
        tree = await current(reader, actor.tenant_id)
        zone = ZoneInfo(tree.timezone)
        today = as_utc(moment).astimezone(zone).date()
        purchased = data.purchase_date
        if data.purchase_age_days is not None:
            purchased = date.fromordinal(today.toordinal() - data.purchase_age_days)
        if purchased is not None and purchased > today:
            raise _invalid(
                "purchase_date", f"The purchase date is after the evaluation day ({today})."
            )
        if purchased is not None and purchased.year < 1900:
            field = "purchase_date" if data.purchase_date else "purchase_age_days"
            raise _invalid(field, "The purchase is before 1900: check the date.")
        serial, repairs, hint = data.serial_number, data.previous_repairs, ""
        if data.asset_id is not None:
            asset = await directory.asset_by_id(actor.tenant_id, data.asset_id, reader=reader)
            if asset is None:
                raise InvalidReference("asset_id", data.asset_id)
            if serial is None:
                serial = asset.serial_number.strip() or None
                hint = "" if serial else "a serial number: the asset has none, send serial_number"
            if repairs is None:
                since = EPOCH if purchased is None else datetime.combine(purchased, time(), zone)
                repairs = await count_repairs(reader, actor.tenant_id, data.asset_id, since)
    facts = evaluation.Facts(
        today=today,
        fault_category=data.fault_category,
        purchase_date=purchased,
        serial_number=serial,
        usage_hours=data.usage_hours,
        previous_repairs=repairs,
        serial_hint=hint,
    )
    outcome = evaluation.evaluate(tree, facts)
    return contract.AfterSalesAdvice(
        advice=outcome.leaf.advice,
        clause=outcome.leaf.clause,
        clause_id=outcome.leaf.clause_id,
        leaf=outcome.leaf_id,
        path=outcome.path,
        tree_version=tree.version,
        warranty=outcome.warranty,
        evaluated_on=today,
        purchase_age_days=facts.purchase_age_days,
        previous_repairs=repairs,
    )


async def count_repairs(reader: Reader, tenant_id: UUID, asset_id: UUID, since: datetime) -> int:
    """Repairs of the asset since ``since`` (the purchase day's start in the tree's time zone,
    or ever when the case has no purchase date): finished repair work orders opened then or
    later."""
    row = await reader.fetch_one(
        sql.REPAIRS,
        sql.Count,
        tenant=tenant_id,
        asset=asset_id,
        types=REPAIR_TYPES,
        statuses=FINISHED,
        since=since,
    )
    return row.count if row is not None else 0


def _invalid(field: str, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION_FAILED, message, {"field": field})
