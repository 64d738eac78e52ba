"""Work-order use cases: create, read, list, edit, transition. One transaction each; every
change to the work order's own fields bumps its version, and every change (notes and checklist
items included, which are rows of their own) appends to the timeline in that transaction."""

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from accounts.tables import Team, User
from directory import services as directory
from directory.tables import Asset
from kernel import sql
from kernel.clock import utcnow
from kernel.context import Actor
from kernel.db import Database
from kernel.errors import DomainError, InvalidReference, VersionConflict
from kernel.rows import column_value
from mobile_contract import work_orders as contract
from mobile_contract.enums import Role, WorkOrderStatus
from mobile_contract.errors import ErrorCode
from sync import changelog
from workorders import queries, state_machine
from workorders.numbering import next_number
from workorders.queries import WO, ListFilters
from workorders.state_machine import Action, Requirement
from workorders.tables import ChecklistItem, Note
from workorders.timeline import record_event

_UPDATABLE = {
    "title": WO.title,
    "description": WO.description,
    "type": WO.type,
    "priority": WO.priority,
    "site_id": WO.site,
    "asset_id": WO.asset,
    "customer_id": WO.customer,
    "team_id": WO.team,
    "environment": WO.environment,
    "tags": WO.tags,
}
# Row fields whose column is named otherwise, and those stored as JSON text.
_COLUMNS = {
    "site_id": "site",
    "asset_id": "asset",
    "customer_id": "customer",
    "team_id": "team",
    "assignee_id": "assignee",
}
_JSON_FIELDS = frozenset({"tags", "metadata"})

MAX_PAGE = 200


async def log_change(
    *, actor: Actor, row: dict[str, Any], now: datetime, previous_assignee: UUID | None = None
) -> None:
    """Put the work order in the sync change log (its owner is the assignee). When the
    assignee changes, its notes and checklist items follow it to the new engineer's device
    and leave the old one's, and its site and asset are sent again so the new engineer has
    them."""
    tenant, work_order_id, assignee = actor.tenant_id, row["id"], row["assignee_id"]
    await changelog.record(
        tenant_id=tenant,
        collection=changelog.WORK_ORDERS,
        document_id=work_order_id,
        now=now,
        owner=assignee,
        previous_owner=previous_assignee,
    )
    if previous_assignee == assignee:
        return
    for table, collection in ((Note, changelog.NOTES), (ChecklistItem, changelog.CHECKLIST_ITEMS)):
        children = await table.select(table.id).where(
            (table.tenant == tenant) & (table.work_order == work_order_id)
        )
        for child in children:
            await changelog.record(
                tenant_id=tenant,
                collection=collection,
                document_id=child["id"],
                now=now,
                owner=assignee,
                previous_owner=previous_assignee,
            )
    for collection, key in ((changelog.SITES, "site_id"), (changelog.ASSETS, "asset_id")):
        if row[key] is not None:
            await changelog.record(
                tenant_id=tenant, collection=collection, document_id=row[key], now=now
            )


async def _check_references(actor: Actor, values: dict[str, Any]) -> None:
    tenant = actor.tenant_id
    for field, kind in (("site_id", "site"), ("asset_id", "asset"), ("customer_id", "customer")):
        if field in values:
            await directory.check_reference(kind, tenant, values[field], field)
    team_id = values.get("team_id")
    if team_id is not None:
        if not await Team.exists().where((Team.tenant == tenant) & (Team.id == team_id)):
            raise InvalidReference("team_id", team_id)
        if actor.role is Role.ENGINEER and team_id not in actor.team_ids:
            raise InvalidReference("team_id", team_id)
    asset_id, site_id = values.get("asset_id"), values.get("site_id")
    if asset_id is not None and site_id is not None:
        asset = await Asset.select(Asset.site).where(Asset.id == asset_id).first()
        if asset is not None and asset["site"] != site_id:
            raise DomainError(
                ErrorCode.INVALID_REFERENCE,
                f"Asset {asset_id} is not at site {site_id}.",
                {"field": "asset_id", "id": str(asset_id)},
            )


async def create(
    *, db: Database, actor: Actor, data: contract.WorkOrderCreate
) -> contract.WorkOrderDetail:
    """Dispatch roles create for any team; an engineer creates for one of their own teams.
    The request metadata (app version, device, IP, trace id) is captured, never typed."""
    values: dict[str, Any] = {
        name: getattr(data, name) for name in _UPDATABLE if hasattr(data, name)
    }
    if actor.role is Role.ENGINEER and data.team_id is None and actor.team_ids:
        values["team_id"] = min(actor.team_ids)
    now = utcnow()
    async with db.transaction():
        await _check_references(actor, values)
        if values.get("asset_id") is not None and values.get("site_id") is None:
            asset = await Asset.select(Asset.site).where(Asset.id == values["asset_id"]).first()
            values["site_id"] = asset["site"] if asset else None
        work_order = WO(
            tenant=actor.tenant_id,
            number=await next_number(tenant_id=actor.tenant_id, now=now),
            status=WorkOrderStatus.NEW.value,
            channel=data.channel.value,
            created_by=actor.user_id,
            metadata=actor.meta.as_dict(),
            created_at=now,
            updated_at=now,
            version=1,
            **{_UPDATABLE[name]._meta.name: column_value(v) for name, v in values.items()},
        )
        await work_order.save()
        work_order_id: UUID = work_order.id
        row = await queries.load_row(actor, work_order_id)
        await record_event(
            actor=actor,
            work_order_id=work_order_id,
            action="created",
            after=_snapshot(row),
            now=now,
        )
        await log_change(actor=actor, row=row, now=now)
        return await queries.detail(actor, row)


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    keep = ("number", "title", "status", "priority", "type", "team_id", "assignee_id", "site_id")
    return {key: row[key] for key in keep}


async def get(*, db: Database, actor: Actor, work_order_id: UUID) -> contract.WorkOrderDetail:
    async with db.snapshot():
        return await queries.detail(actor, await queries.load_row(actor, work_order_id))


async def list_page(
    *, db: Database, actor: Actor, filters: ListFilters, cursor: str | None, limit: int
) -> contract.WorkOrderPage:
    limit = max(1, min(limit, MAX_PAGE))
    async with db.snapshot():
        rows = await (
            WO.select(*queries.WORK_ORDER_COLUMNS)
            .where(queries.filter_condition(actor, filters, cursor))
            .order_by(WO.created_at, WO.id, ascending=False)
            .limit(limit + 1)
            .output(load_json=True)
        )
    page = [dict(row) for row in rows[:limit]]
    return contract.WorkOrderPage(
        items=[queries.to_work_order(row) for row in page],
        next_cursor=queries.encode_cursor(page[-1]) if len(rows) > limit else None,
    )


async def _write(
    actor: Actor, row: dict[str, Any], changes: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Compare-and-set on the version, so concurrent writers never overwrite each other.
    ``changes`` maps row fields to column values; answers the row as it is now."""
    after = {**row, **changes, "version": row["version"] + 1, "updated_at": now}
    names = [*changes, "version", "updated_at"]
    assignments = ", ".join(f"{_COLUMNS.get(name, name)} = {{}}" for name in names)
    values = [_json_text(after[n]) if n in _JSON_FIELDS else after[n] for n in names]
    updated = await sql.fetch(
        WO,
        f"UPDATE workorders_work_order SET {assignments} "  # noqa: S608 - constant names; values are bound
        "WHERE tenant = {} AND id = {} AND version = {} RETURNING id",
        *values,
        actor.tenant_id,
        row["id"],
        row["version"],
    )
    if not updated:
        current = await WO.select(WO.version).where(WO.id == row["id"]).first()
        raise VersionConflict("work order", row["version"], current["version"] if current else 0)
    return after


def _json_text(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _check_version(row: dict[str, Any], expected: int | None) -> None:
    if expected is not None and expected != row["version"]:
        raise VersionConflict("work order", expected, row["version"])


async def update(
    *, db: Database, actor: Actor, work_order_id: UUID, data: contract.WorkOrderUpdate
) -> contract.WorkOrderDetail:
    """Role- and state-aware edit (the transition lock lives in ``state_machine``)."""
    async with db.transaction():
        row = await apply_update(db=db, actor=actor, work_order_id=work_order_id, data=data)
        return await queries.detail(actor, row)


async def apply_update(
    *, db: Database, actor: Actor, work_order_id: UUID, data: contract.WorkOrderUpdate
) -> dict[str, Any]:
    """The edit without the detail view (sync pushes need only the rules and the write);
    answers the work order's row after it."""
    requested = {
        name: getattr(data, name) for name in _UPDATABLE if getattr(data, name) is not msgspec.UNSET
    }
    now = utcnow()
    async with db.transaction():
        row = await queries.load_row(actor, work_order_id)
        expected = data.expected_version
        _check_version(row, None if expected is msgspec.UNSET else expected)
        status = WorkOrderStatus(row["status"])
        allowed = state_machine.editable_fields(
            status, role=actor.role, is_assignee=queries.is_assignee(actor, row)
        )
        refused = sorted(set(requested) - allowed)
        if refused:
            raise DomainError(
                ErrorCode.FIELD_NOT_EDITABLE,
                f"You may not change {', '.join(refused)} of a work order that is {status}.",
                {"fields": refused, "status": status, "editable_fields": sorted(allowed)},
            )
        changed = {
            name: value
            for name, value in requested.items()
            if column_value(value) != column_value(row[name])
        }
        if changed:
            await _check_references(actor, changed)
            written = await _write(
                actor, row, {name: column_value(value) for name, value in changed.items()}, now
            )
            await record_event(
                actor=actor,
                work_order_id=work_order_id,
                action="updated",
                before={name: row[name] for name in changed},
                after=changed,
                now=now,
            )
            row = written
            await log_change(actor=actor, row=row, now=now, previous_assignee=row["assignee_id"])
        return row


async def _check_assignee(actor: Actor, assignee_id: UUID | None) -> UUID:
    if assignee_id is None:
        raise _missing(Requirement.ASSIGNEE, "Name the engineer to assign (assignee_id).")
    engineer = await (
        User.select(User.role, User.is_active)
        .where((User.tenant == actor.tenant_id) & (User.id == assignee_id))
        .first()
    )
    if engineer is None:
        raise InvalidReference("assignee_id", assignee_id)
    if engineer["role"] != Role.ENGINEER.value or not engineer["is_active"]:
        raise DomainError(
            ErrorCode.INVALID_REFERENCE,
            f"User {assignee_id} is not an active engineer; only engineers take work orders.",
            {"field": "assignee_id", "id": str(assignee_id)},
        )
    return assignee_id


def _missing(requirement: Requirement, message: str) -> DomainError:
    return DomainError(ErrorCode.VALIDATION_FAILED, message, {"field": requirement.value})


async def transition(
    *, db: Database, actor: Actor, work_order_id: UUID, request: contract.TransitionRequest
) -> contract.WorkOrderDetail:
    async with db.transaction():
        await apply_transition(db=db, actor=actor, work_order_id=work_order_id, request=request)
        return await queries.detail(actor, await queries.load_row(actor, work_order_id))


async def apply_transition(
    *, db: Database, actor: Actor, work_order_id: UUID, request: contract.TransitionRequest
) -> dict[str, Any]:
    """The transition without the detail view; answers the work order's row after it (the
    caller may no longer see it: a dispatcher's reassignment is still in their scope, and an
    engineer never moves a work order out of their own)."""
    now = utcnow()
    async with db.transaction():
        row = await queries.load_row(actor, work_order_id)
        _check_version(row, request.expected_version)
        current = WorkOrderStatus(row["status"])
        step = state_machine.find_transition(
            current,
            request.target,
            role=actor.role,
            is_assignee=queries.is_assignee(actor, row),
        )
        changes: dict[str, Any] = {"status": step.target.value}
        before: dict[str, Any] = {"status": current}
        after: dict[str, Any] = {"status": step.target}
        if Requirement.ASSIGNEE in step.requires:
            assignee = await _check_assignee(actor, request.assignee_id)
            if step.action is Action.REASSIGN and assignee == row["assignee_id"]:
                raise DomainError(
                    ErrorCode.ILLEGAL_TRANSITION,
                    "The work order is already assigned to that engineer.",
                    {
                        "current": current,
                        "target": request.target,
                        "assignee_id": str(assignee),
                        "allowed": state_machine.allowed_targets(
                            current, role=actor.role, is_assignee=False
                        ),
                    },
                )
            changes["assignee_id"] = assignee
            before["assignee_id"], after["assignee_id"] = row["assignee_id"], assignee
        if Requirement.HOLD_REASON in step.requires:
            if request.hold_reason is None:
                raise _missing(
                    Requirement.HOLD_REASON,
                    "Say why the work is on hold: parts, customer or access.",
                )
            changes["hold_reason"] = request.hold_reason.value
            after["hold_reason"] = request.hold_reason
        elif row["hold_reason"] is not None:
            changes["hold_reason"] = None
        if Requirement.REASON in step.requires and not request.reason.strip():
            raise _missing(Requirement.REASON, f"Give a reason to {step.action.value}.")
        if step.action is Action.RESOLVE:
            changes["resolved_at"] = now
        elif step.action is Action.REOPEN:
            changes["resolved_at"] = None
        elif step.action in (Action.CLOSE, Action.CANCEL):
            changes["closed_at"] = now
        after_row = await _write(actor, row, changes, now)
        await record_event(
            actor=actor,
            work_order_id=work_order_id,
            action=f"transition:{step.action.value}",
            before=before,
            after=after,
            reason=request.reason,
            device_time=request.occurred_at,
            now=now,
        )
        await log_change(actor=actor, row=after_row, now=now, previous_assignee=row["assignee_id"])
        return after_row
