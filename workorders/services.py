"""Work-order use cases: create, read, list, edit, transition. One transaction each; every
change to the work order's own fields bumps its version, and every change (notes and checklist
items included, which are rows of their own) appends to the timeline in that transaction."""

from typing import Any
from uuid import UUID

import msgspec

from accounts.tables import Team
from directory import services as directory
from directory.tables import Asset
from kernel.clock import utcnow
from kernel.context import Actor
from kernel.db import Database
from kernel.errors import DomainError, InvalidReference
from kernel.rows import column_value
from mobile_contract import work_orders as contract
from mobile_contract.enums import Role, WorkOrderStatus
from mobile_contract.errors import ErrorCode
from workorders import queries, state_machine
from workorders.numbering import next_number
from workorders.queries import WO, ListFilters
from workorders.timeline import record_event
from workorders.transitions import with_step
from workorders.writes import check_version, log_change, write

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
MAX_PAGE = 200


async def check_references(actor: Actor, values: dict[str, Any]) -> None:
    """Refuse ids in ``values`` that name nothing the caller may use (sync checks each pushed
    field with it first, so a stale reference is a conflict rather than a failed batch)."""
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
        await check_references(actor, values)
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
            status_history=with_step([], WorkOrderStatus.NEW, now),
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


async def update(
    *, db: Database, actor: Actor, work_order_id: UUID, data: contract.WorkOrderUpdate
) -> contract.WorkOrderDetail:
    """Role- and state-aware edit (the transition lock lives in ``state_machine``)."""
    async with db.transaction():
        row = await apply_update(db=db, actor=actor, work_order_id=work_order_id, data=data)
        return await queries.detail(actor, row)


async def apply_update(
    *,
    db: Database,
    actor: Actor,
    work_order_id: UUID,
    data: contract.WorkOrderUpdate,
    row: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The edit without the detail view (sync pushes need only the rules and the write);
    ``row`` is the caller's copy from this transaction, if it holds one. Answers the work
    order's row after it."""
    requested = {
        name: getattr(data, name) for name in _UPDATABLE if getattr(data, name) is not msgspec.UNSET
    }
    now = utcnow()
    async with db.transaction():
        if row is None:
            row = await queries.load_row(actor, work_order_id)
        expected = data.expected_version
        check_version(row, None if expected is msgspec.UNSET else expected)
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
            await check_references(actor, changed)
            written = await write(
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
