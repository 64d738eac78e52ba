"""Reading work orders: visibility (tenant and role scope), row mapping and the detail view."""

import base64
import binascii
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from piccolo.columns.combination import WhereRaw
from piccolo.custom_types import Combinable

from accounts.tables import User
from directory import services as directory
from kernel import sql
from kernel.context import Actor
from kernel.errors import DomainError, NotFound
from kernel.rows import to_struct
from mobile_contract import work_orders as contract
from mobile_contract.enums import Priority, Role, WorkOrderStatus
from mobile_contract.errors import ErrorCode
from workorders import state_machine
from workorders.tables import ChecklistItem, Note, WorkOrder, WorkOrderEvent

WO = WorkOrder

WORK_ORDER_COLUMNS = (
    WO.id,
    WO.number,
    WO.title,
    WO.description,
    WO.type,
    WO.priority,
    WO.status,
    WO.hold_reason,
    WO.channel,
    WO.site.as_alias("site_id"),
    WO.asset.as_alias("asset_id"),
    WO.customer.as_alias("customer_id"),
    WO.team.as_alias("team_id"),
    WO.assignee.as_alias("assignee_id"),
    WO.created_by.as_alias("created_by_id"),
    WO.environment,
    WO.tags,
    WO.metadata,
    WO.created_at,
    WO.updated_at,
    WO.resolved_at,
    WO.closed_at,
    WO.version,
)


def visible_to(actor: Actor) -> Any:
    """The scope of every work-order query: the caller's tenant, and for an engineer only
    the work orders assigned to them or to one of their teams."""
    condition: Combinable = WO.tenant == actor.tenant_id
    if actor.role is Role.ENGINEER:
        mine: Combinable = WO.assignee == actor.user_id
        if actor.team_ids:
            mine |= WO.team.is_in(sorted(actor.team_ids))
        condition &= mine
    return condition


# The row as WORK_ORDER_COLUMNS selects it, in raw SQL: loaded several times by every write.
_ROW = (
    "SELECT id, number, title, description, type, priority, status, hold_reason, channel, "
    "site AS site_id, asset AS asset_id, customer AS customer_id, team AS team_id, "
    "assignee AS assignee_id, created_by AS created_by_id, environment, tags, metadata, "
    "created_at, updated_at, resolved_at, closed_at, version, status_history "
    "FROM workorders_work_order WHERE tenant = {} AND id = {}"
)
_ROW_UUID_FIELDS = (
    "id",
    "site_id",
    "asset_id",
    "customer_id",
    "team_id",
    "assignee_id",
    "created_by_id",
)


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """Driver values as the ORM gives them: JSON decoded, UUIDs as UUIDs."""
    for name in ("tags", "metadata", "status_history"):
        if isinstance(row[name], str):
            row[name] = msgspec.json.decode(row[name])
    for name in _ROW_UUID_FIELDS:
        value = row[name]
        if value is not None and not isinstance(value, UUID):
            row[name] = UUID(str(value))
    return row


async def load_row(actor: Actor, work_order_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    """The work order as a row, or 404 when it is another tenant's or out of the caller's
    scope (the same answer, so existence never leaks). ``lock``: held as read until the
    transaction ends (for rows added under it, whose owner is its assignee)."""
    statement, arguments = _ROW, [actor.tenant_id, work_order_id]
    if actor.role is Role.ENGINEER:
        teams = sorted(actor.team_ids)
        statement += " AND (assignee = {}" + (
            f" OR team IN ({sql.placeholders(len(teams))}))" if teams else ")"
        )
        arguments += [actor.user_id, *teams]
    if lock:
        statement += sql.share_lock(WO)
    row = await sql.fetch_one(WO, statement, *arguments)
    if row is None:
        raise NotFound("work order", work_order_id)
    return _decoded(row)


async def load_row_in_tenant(
    tenant_id: UUID, work_order_id: UUID, *, lock: bool = False
) -> dict[str, Any]:
    """The row regardless of the caller's role scope (after a reassignment the actor may no
    longer be in scope of what they just changed); still never across tenants."""
    statement = _ROW + (sql.share_lock(WO) if lock else "")
    row = await sql.fetch_one(WO, statement, tenant_id, work_order_id)
    if row is None:
        raise NotFound("work order", work_order_id)
    return _decoded(row)


async def reassigned_away_at(
    tenant_id: UUID, work_order_id: UUID, user_id: UUID
) -> datetime | None:
    """When the work order was last reassigned away from ``user_id`` (None: it never was)."""
    events = await (
        WorkOrderEvent.select(WorkOrderEvent.server_time, WorkOrderEvent.before)
        .where(
            (WorkOrderEvent.tenant == tenant_id)
            & (WorkOrderEvent.work_order == work_order_id)
            & (WorkOrderEvent.action == "transition:reassign")
        )
        .order_by(WorkOrderEvent.server_time, ascending=False)
        .output(load_json=True)
    )
    for event in events:
        if event["before"].get("assignee_id") == str(user_id):
            moment: datetime = event["server_time"]
            return moment
    return None


def to_work_order(row: dict[str, Any]) -> contract.WorkOrder:
    return to_struct(row, contract.WorkOrder)


def is_assignee(actor: Actor, row: dict[str, Any]) -> bool:
    return row["assignee_id"] is not None and row["assignee_id"] == actor.user_id


async def detail(actor: Actor, row: dict[str, Any]) -> contract.WorkOrderDetail:
    """Everything a client shows for one work order; call inside a snapshot or transaction."""
    work_order = to_work_order(row)
    tenant = actor.tenant_id
    mine = is_assignee(actor, row)
    events = await (
        WorkOrderEvent.select(
            WorkOrderEvent.id,
            WorkOrderEvent.action,
            WorkOrderEvent.actor.as_alias("actor_id"),
            WorkOrderEvent.actor.display_name.as_alias("actor_name"),
            WorkOrderEvent.actor_role,
            WorkOrderEvent.before,
            WorkOrderEvent.after,
            WorkOrderEvent.reason,
            WorkOrderEvent.server_time,
            WorkOrderEvent.device_time,
            WorkOrderEvent.metadata,
        )
        .where((WorkOrderEvent.tenant == tenant) & (WorkOrderEvent.work_order == work_order.id))
        .order_by(WorkOrderEvent.server_time)
        .output(load_json=True)
    )
    notes = await list_notes_rows(tenant, work_order.id)
    checklist = await list_checklist_rows(tenant, work_order.id)
    return contract.WorkOrderDetail(
        work_order=work_order,
        site=await _maybe(directory.site_by_id, tenant, work_order.site_id),
        asset=await _maybe(directory.asset_by_id, tenant, work_order.asset_id),
        customer=await _maybe(directory.customer_by_id, tenant, work_order.customer_id),
        assignee=await _person(tenant, work_order.assignee_id),
        allowed_transitions=state_machine.allowed_targets(
            work_order.status, role=actor.role, is_assignee=mine
        ),
        editable_fields=sorted(
            state_machine.editable_fields(work_order.status, role=actor.role, is_assignee=mine)
        ),
        timeline=[_event(event) for event in events],
        notes=notes,
        checklist=checklist,
    )


async def _maybe(loader: Any, tenant: UUID, item_id: UUID | None) -> Any:
    return None if item_id is None else await loader(tenant, item_id)


async def _person(tenant: UUID, user_id: UUID | None) -> contract.PersonRef | None:
    if user_id is None:
        return None
    row = await (
        User.select(User.id, User.display_name, User.phone)
        .where((User.tenant == tenant) & (User.id == user_id))
        .first()
    )
    return None if row is None else to_struct(row, contract.PersonRef)


def _event(row: dict[str, Any]) -> contract.WorkOrderEvent:
    row = dict(row)
    row["actor_name"] = row["actor_name"] or ""
    return to_struct(row, contract.WorkOrderEvent)


async def list_notes_rows(
    tenant: UUID, work_order_id: UUID, note_id: UUID | None = None
) -> list[contract.Note]:
    """The work order's notes, oldest first (only ``note_id`` when given)."""
    condition: Combinable = (Note.tenant == tenant) & (Note.work_order == work_order_id)
    if note_id is not None:
        condition &= Note.client_id == note_id
    rows = await (
        Note.select(
            Note.client_id.as_alias("id"),
            Note.work_order.as_alias("work_order_id"),
            Note.author.as_alias("author_id"),
            Note.author.display_name.as_alias("author_name"),
            Note.body,
            Note.created_at,
            Note.device_time,
        )
        .where(condition)
        .order_by(Note.created_at)
    )
    return [
        to_struct({**row, "author_name": row["author_name"] or ""}, contract.Note) for row in rows
    ]


CHECKLIST_COLUMNS = (
    ChecklistItem.client_id.as_alias("id"),
    ChecklistItem.work_order.as_alias("work_order_id"),
    ChecklistItem.position,
    ChecklistItem.label,
    ChecklistItem.required,
    ChecklistItem.done,
    ChecklistItem.value,
    ChecklistItem.updated_by.as_alias("updated_by_id"),
    ChecklistItem.updated_at,
    ChecklistItem.version,
)


async def list_checklist_rows(tenant: UUID, work_order_id: UUID) -> list[contract.ChecklistItem]:
    rows = await (
        ChecklistItem.select(*CHECKLIST_COLUMNS)
        .where((ChecklistItem.tenant == tenant) & (ChecklistItem.work_order == work_order_id))
        .order_by(ChecklistItem.position, ChecklistItem.client_id)
    )
    return [to_struct(row, contract.ChecklistItem) for row in rows]


# Listing with filters and cursor pagination ------------------------------------------------


class ListFilters(msgspec.Struct, kw_only=True, frozen=True):
    status: list[WorkOrderStatus] = []
    priority: list[Priority] = []
    team_id: UUID | None = None
    assignee_id: UUID | None = None
    site_id: UUID | None = None
    asset_id: UUID | None = None
    customer_id: UUID | None = None
    text: str = ""


class _Cursor(msgspec.Struct, array_like=True):
    created_at: datetime
    id: UUID


def encode_cursor(row: dict[str, Any]) -> str:
    raw = msgspec.json.encode(_Cursor(created_at=row["created_at"], id=row["id"]))
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> _Cursor:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=_Cursor)
    except (binascii.Error, ValueError, msgspec.DecodeError):
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "The cursor is not one this server issued; start again without a cursor.",
            {"field": "cursor"},
        ) from None


def _text_matches(text: str) -> WhereRaw:
    """Case-insensitive substring search on title, description and number. The caller's
    text is literal: ``%``, ``_`` and ``\\`` are escaped, not LIKE wildcards."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    like = "LIKE" if WO._meta.db.engine_type == "sqlite" else "ILIKE"  # SQLite LIKE ignores case
    table = WO._meta.tablename
    escape = "ESCAPE '\\'"
    columns = ("title", "description", "number")
    sql = " OR ".join(f'"{table}"."{column}" {like} {{}} {escape}' for column in columns)
    return WhereRaw(f"({sql})", pattern, pattern, pattern)


def filter_condition(actor: Actor, filters: ListFilters, cursor: str | None) -> Any:
    condition = visible_to(actor)
    if filters.status:
        condition &= WO.status.is_in([s.value for s in filters.status])
    if filters.priority:
        condition &= WO.priority.is_in([p.value for p in filters.priority])
    for column, value in (
        (WO.team, filters.team_id),
        (WO.assignee, filters.assignee_id),
        (WO.site, filters.site_id),
        (WO.asset, filters.asset_id),
        (WO.customer, filters.customer_id),
    ):
        if value is not None:
            condition &= column == value
    if filters.text:
        condition &= _text_matches(filters.text)
    if cursor:
        after = decode_cursor(cursor)
        condition &= (WO.created_at < after.created_at) | (
            (WO.created_at == after.created_at) & (WO.id < after.id)
        )
    return condition
