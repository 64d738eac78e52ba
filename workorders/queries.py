"""Reading work orders: visibility (tenant and role scope), typed rows and the detail view."""

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from directory import services as directory
from kernel import cursors
from kernel.clock import EPOCH
from kernel.context import Actor
from kernel.db import Reader
from kernel.errors import NotFound
from mobile_contract import work_orders as contract
from mobile_contract.enums import Priority, Role, WorkOrderStatus
from workorders import sql, state_machine
from workorders.sql import WorkOrderRow

_NOBODY = UUID(int=0)  # bound where a filter is off (the flag beside it makes it match all)


async def load_row(
    actor: Actor,
    work_order_id: UUID,
    *,
    reader: Reader,
    lock: bool = False,
) -> WorkOrderRow:
    """The work order, or 404 when it is another tenant's or out of the caller's scope (the
    same answer, so existence never leaks). ``lock``: held as read until the transaction ends
    (for rows added under it, whose owner is its assignee)."""
    handle = reader
    if actor.role is Role.ENGINEER:
        statement = sql.ROW_IN_SCOPE_FOR_SHARE if lock else sql.ROW_IN_SCOPE
        row = await handle.fetch_one(
            statement,
            WorkOrderRow,
            tenant=actor.tenant_id,
            id=work_order_id,
            user=actor.user_id,
            teams=sorted(actor.team_ids),
        )
    else:
        row = await handle.fetch_one(
            sql.ROW_FOR_SHARE if lock else sql.ROW,
            WorkOrderRow,
            tenant=actor.tenant_id,
            id=work_order_id,
        )
    if row is None:
        raise NotFound("work order", work_order_id)
    return row


async def load_row_in_tenant(
    tenant_id: UUID, work_order_id: UUID, *, reader: Reader, lock: bool = False
) -> WorkOrderRow:
    """The row regardless of the caller's role scope (after a reassignment the actor may no
    longer be in scope of what they just changed); still never across tenants."""
    row = await reader.fetch_one(
        sql.ROW_FOR_SHARE if lock else sql.ROW, WorkOrderRow, tenant=tenant_id, id=work_order_id
    )
    if row is None:
        raise NotFound("work order", work_order_id)
    return row


async def resolution_times(
    reader: Reader, *, tenant_id: UUID, family: str, type: str, since: datetime, limit: int
) -> list[tuple[datetime, float]]:
    """When the latest ``limit`` work orders of ``type`` on assets of ``family``, resolved
    since ``since``, were resolved and how many seconds that took from their creation."""
    rows = await reader.fetch(
        sql.RESOLUTION_TIMES,
        sql.Resolution,
        tenant=tenant_id,
        family=family,
        type=type,
        since=since,
        limit=limit,
    )
    return [(row.resolved_at, (row.resolved_at - row.created_at).total_seconds()) for row in rows]


async def timeline(
    reader: Reader, tenant_id: UUID, work_order_id: UUID
) -> list[contract.WorkOrderEvent]:
    """The work order's timeline, oldest first."""
    return await reader.fetch(
        sql.TIMELINE, contract.WorkOrderEvent, tenant=tenant_id, work_order=work_order_id
    )


async def rows_in_tenant(
    reader: Reader, tenant_id: UUID, work_order_ids: list[UUID]
) -> list[WorkOrderRow]:
    """Several work orders of one tenant in one statement (a batch of SLA timers)."""
    return await reader.fetch(sql.ROWS, WorkOrderRow, tenant=tenant_id, ids=work_order_ids)


async def reassigned_away_at(
    reader: Reader, tenant_id: UUID, work_order_id: UUID, user_id: UUID
) -> datetime | None:
    """When the work order was last reassigned away from ``user_id`` (None: it never was)."""
    events = await reader.fetch(
        sql.REASSIGNED_AWAY, sql.Reassigned, tenant=tenant_id, work_order=work_order_id
    )
    for event in events:
        if event.before.get("assignee_id") == str(user_id):
            return event.server_time
    return None


def to_work_order(row: WorkOrderRow) -> contract.WorkOrder:
    return contract.WorkOrder(**{name: getattr(row, name) for name in sql.CONTRACT_FIELDS})


def is_assignee(actor: Actor, row: WorkOrderRow) -> bool:
    return row.assignee_id is not None and row.assignee_id == actor.user_id


async def detail(actor: Actor, row: WorkOrderRow, *, reader: Reader) -> contract.WorkOrderDetail:
    """Everything a client shows for one work order, read on ``reader``."""
    handle = reader
    work_order = to_work_order(row)
    site_id, asset_id, customer_id = work_order.site_id, work_order.asset_id, work_order.customer_id
    tenant = actor.tenant_id
    mine = is_assignee(actor, row)
    events = await timeline(handle, tenant, work_order.id)
    notes = await list_notes_rows(handle, tenant, work_order.id)
    checklist = await list_checklist_rows(handle, tenant, work_order.id)
    return contract.WorkOrderDetail(
        work_order=work_order,
        site=None
        if site_id is None
        else await directory.site_by_id(tenant, site_id, reader=handle),
        asset=None
        if asset_id is None
        else await directory.asset_by_id(tenant, asset_id, reader=handle),
        customer=None
        if customer_id is None
        else await directory.customer_by_id(tenant, customer_id, reader=handle),
        assignee=await _person(handle, tenant, work_order.assignee_id),
        allowed_transitions=state_machine.allowed_targets(
            work_order.status, role=actor.role, is_assignee=mine
        ),
        editable_fields=sorted(
            state_machine.editable_fields(work_order.status, role=actor.role, is_assignee=mine)
        ),
        timeline=events,
        notes=notes,
        checklist=checklist,
    )


async def _person(reader: Reader, tenant: UUID, user_id: UUID | None) -> contract.PersonRef | None:
    if user_id is None:
        return None
    return await reader.fetch_one(sql.PERSON, contract.PersonRef, tenant=tenant, id=user_id)


async def list_notes_rows(
    reader: Reader, tenant: UUID, work_order_id: UUID, note_id: UUID | None = None
) -> list[contract.Note]:
    """The work order's notes, oldest first (only ``note_id`` when given)."""
    if note_id is None:
        return await reader.fetch(sql.NOTES, contract.Note, tenant=tenant, work_order=work_order_id)
    return await reader.fetch(
        sql.NOTE, contract.Note, tenant=tenant, work_order=work_order_id, id=note_id
    )


async def list_checklist_rows(
    reader: Reader, tenant: UUID, work_order_id: UUID
) -> list[contract.ChecklistItem]:
    return await reader.fetch(
        sql.CHECKLIST, contract.ChecklistItem, tenant=tenant, work_order=work_order_id
    )


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


def encode_cursor(row: WorkOrderRow) -> str:
    return cursors.encode_cursor(_Cursor(created_at=row.created_at, id=row.id))


def _text_pattern(text: str) -> str:
    """Case-insensitive substring search on title, description and number. The caller's
    text is literal: ``%``, ``_`` and ``\\`` are escaped, not LIKE wildcards."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def page(
    reader: Reader, actor: Actor, filters: ListFilters, cursor: str | None, limit: int
) -> list[WorkOrderRow]:
    """Up to ``limit`` rows the caller sees, newest first, after ``cursor``."""
    after = cursors.decode_cursor(cursor, _Cursor) if cursor else None
    references: dict[str, UUID | None] = {
        "team": filters.team_id,
        "assignee": filters.assignee_id,
        "site": filters.site_id,
        "asset": filters.asset_id,
        "customer": filters.customer_id,
    }
    params: dict[str, Any] = {}
    for name, value in references.items():
        params[f"any_{name}"] = value is None
        params[name] = _NOBODY if value is None else value
    return await reader.fetch(
        sql.PAGE,
        WorkOrderRow,
        tenant=actor.tenant_id,
        everyone=actor.role is not Role.ENGINEER,
        user=actor.user_id,
        teams=sorted(actor.team_ids),
        any_status=not filters.status,
        statuses=[s.value for s in filters.status],
        any_priority=not filters.priority,
        priorities=[p.value for p in filters.priority],
        any_text=not filters.text,
        pattern=_text_pattern(filters.text),
        first_page=after is None,
        after_at=after.created_at if after else EPOCH,
        after_id=after.id if after else _NOBODY,
        limit=limit,
        **params,
    )


class _QueueCursor(msgspec.Struct, array_like=True):
    priority: str
    created_at: datetime
    id: UUID


async def queue(
    reader: Reader,
    *,
    tenant_id: UUID,
    team_id: UUID | None,
    assignee_id: UUID | None,
    cursor: str | None,
    limit: int,
) -> tuple[list[WorkOrderRow], str | None]:
    """Open work orders of a team or an engineer, most urgent first (priority, then age)."""
    after = cursors.decode_cursor(cursor, _QueueCursor) if cursor else None
    rows = await reader.fetch(
        sql.QUEUE,
        WorkOrderRow,
        tenant=tenant_id,
        any_team=team_id is None,
        team=team_id or _NOBODY,
        any_assignee=assignee_id is None,
        assignee=assignee_id or _NOBODY,
        first_page=after is None,
        after_priority=after.priority if after else "",
        after_at=after.created_at if after else EPOCH,
        after_id=after.id if after else _NOBODY,
        limit=limit + 1,
    )
    page = rows[:limit]
    if len(rows) <= limit:
        return page, None
    last = page[-1]
    return page, cursors.encode_cursor(_QueueCursor(last.priority.value, last.created_at, last.id))
