"""Work-order use cases: create, read, list, edit, transition. One transaction each; every
change to the work order's own fields bumps its version, and every change (notes and checklist
items included, which are rows of their own) appends to the timeline in that transaction."""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import msgspec

from directory import services as directory
from kernel.clock import utcnow
from kernel.context import Actor, Author, SystemCaller
from kernel.db import Database, Reader, Transaction
from kernel.errors import DomainError, InvalidReference, NotFound
from kernel.rows import column_value
from mobile_contract import work_orders as contract
from mobile_contract.enums import Priority, PrioritySource, Role, WorkOrderStatus
from mobile_contract.errors import ErrorCode
from mobile_contract.iot import AlarmSummary
from workorders import queries, sql, state_machine, triaging
from workorders.events import WorkOrderMoved
from workorders.numbering import next_number
from workorders.queries import ListFilters
from workorders.sql import WorkOrderRow
from workorders.timeline import Event, record_event, record_events
from workorders.transitions import with_step
from workorders.writes import announce_write, check_version, log_change, write

# The fields an edit may change: the contract's partial update, less its precondition and
# who owns the priority (not a field of its own: it says who decides ``priority``).
UPDATABLE = tuple(
    field.name
    for field in msgspec.structs.fields(contract.WorkOrderUpdate)
    if field.name not in ("expected_version", "priority_source")
)
MAX_PAGE = 200
SYSTEM_ACTOR = UUID(int=0)  # the "actor" of what the server does itself (no user has this id)
_TICK = timedelta(microseconds=1)  # keeps the timeline's order: created, then assigned


async def check_references(reader: Reader, actor: Actor, values: dict[str, Any]) -> None:
    """Refuse ids in ``values`` that name nothing the caller may use (sync checks each pushed
    field with it first, so a stale reference is a conflict rather than a failed batch)."""
    tenant = actor.tenant_id
    for field, kind in (("site_id", "site"), ("asset_id", "asset"), ("customer_id", "customer")):
        if field in values:
            await directory.check_reference(kind, tenant, values[field], field, reader=reader)
    team_id = values.get("team_id")
    if team_id is not None:
        if await reader.fetch_one(sql.TEAM_EXISTS, sql.Id, tenant=tenant, id=team_id) is None:
            raise InvalidReference("team_id", team_id)
        if actor.role is Role.ENGINEER and team_id not in actor.team_ids:
            raise InvalidReference("team_id", team_id)
    asset_id, site_id = values.get("asset_id"), values.get("site_id")
    if asset_id is not None and site_id is not None:
        asset = await reader.fetch_one(sql.ASSET_SITE, sql.Site, tenant=tenant, id=asset_id)
        if asset is not None and asset.site != site_id:
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
    if actor.role is Role.ENGINEER and data.team_id is None and actor.team_ids:
        data = msgspec.structs.replace(data, team_id=min(actor.team_ids))
    async with db.transaction() as tx:
        await check_references(tx, actor, {name: getattr(data, name) for name in UPDATABLE})
        row = await open_in(tx, author=actor, data=data, now=utcnow())
        return await queries.detail(actor, row, reader=tx)


async def open_in(
    tx: Transaction,
    *,
    author: Author,
    data: contract.WorkOrderCreate,
    now: datetime,
    alarm_type: str | None = None,
    alarm: AlarmSummary | None = None,
) -> WorkOrderRow:
    """The one way a work order comes into being, whatever the channel (the API, a
    terminal's alarm): numbered, on the timeline, announced to sync. The caller checked the
    references. A second open work order of an asset for one ``alarm_type`` breaks a unique
    index (``is_contention``): the caller runs again and finds the first."""
    values: dict[str, Any] = {name: getattr(data, name) for name in UPDATABLE}
    tenant = author.tenant_id
    if values.get("asset_id") is not None and values.get("site_id") is None:
        asset = await tx.fetch_one(sql.ASSET_SITE, sql.Site, tenant=tenant, id=values["asset_id"])
        values["site_id"] = asset.site if asset else None
    chosen = not isinstance(data.priority, msgspec.UnsetType)
    values["priority"] = data.priority if chosen else Priority.P2  # else the rules decide
    new = WorkOrderRow(
        id=uuid4(),
        number=await next_number(tx, tenant_id=tenant, now=now),
        status=WorkOrderStatus.NEW,
        channel=data.channel,
        created_by_id=author.user_id if isinstance(author, Actor) else None,
        metadata=msgspec.convert(author.meta.as_dict(), contract.CapturedMetadata),
        created_at=now,
        updated_at=now,
        version=1,
        status_history=with_step([], WorkOrderStatus.NEW, now),
        alarm_type=alarm_type,
        alarm=alarm,
        **values,
    )
    new, triaged = await triaging.opening(
        tx,
        tenant_id=tenant,
        row=new,
        priority_chosen=chosen,
        team_chosen=data.team_id is not None,
        now=now,
        alarm_severity=alarm.severity if alarm is not None else None,
    )
    await tx.execute(
        sql.INSERT_WORK_ORDER, tenant=tenant, **sql.work_order_params(new, sql.WORK_ORDER_FIELDS)
    )
    await announce_write(tx, tenant, None, new, now)
    row = await queries.load_row_in_tenant(tenant, new.id, reader=tx)
    await record_event(
        tx,
        actor=author,
        work_order_id=row.id,
        action="created",
        after=_snapshot(row, triaged),
        now=now,
    )
    if row.assignee_id is not None:
        await _assigned_on_opening(tx, tenant, row, triaged or {}, now)
    await log_change(tx, actor=author, row=row, now=now)
    return row


async def _assigned_on_opening(
    tx: Transaction, tenant_id: UUID, row: WorkOrderRow, triaged: dict[str, Any], now: datetime
) -> None:
    """The owning team assigns automatically: the step is the server's (on the timeline, with
    the reason), and the engineer hears of it like of any assignment."""
    system = SystemCaller(tenant_id=tenant_id, name="auto-assignment")
    await record_event(
        tx,
        actor=system,
        work_order_id=row.id,
        action="transition:assign",
        before={"status": WorkOrderStatus.NEW, "assignee_id": None},
        after={"status": row.status, "assignee_id": row.assignee_id},
        reason=str(triaged.get("assignment", "")),
        now=now + _TICK,
    )
    await tx.publish(
        WorkOrderMoved(
            tenant_id=tenant_id,
            actor_id=SYSTEM_ACTOR,
            work_order_id=row.id,
            number=row.number,
            title=row.title,
            priority=row.priority,
            status_before=WorkOrderStatus.NEW,
            status_after=row.status,
            assignee_before=None,
            assignee_after=row.assignee_id,
            now=now,
        )
    )


async def _check_alarm_asset(
    tx: Transaction, actor: Actor, row: WorkOrderRow, asset_id: UUID | None
) -> None:
    """A work order opened by alarms moves to another asset only where no other work order is
    open for that asset and alarm type: there is one per fault (a unique index)."""
    other = await tx.fetch_one(
        sql.OTHER_OPEN_ALARM,
        sql.Numbered,
        tenant=actor.tenant_id,
        asset=asset_id,
        type=row.alarm_type,
        id=row.id,
    )
    if other is not None:
        raise DomainError(
            ErrorCode.ALREADY_EXISTS,
            f"{other.number} is already open for {row.alarm_type} alarms of that asset; "
            "add to it, or close it first.",
            {"resource": "work order", "field": "asset_id", "value": other.number},
        )


def _snapshot(row: WorkOrderRow, triaged: dict[str, Any] | None) -> dict[str, Any]:
    keep = ("number", "title", "status", "priority", "type", "team_id", "assignee_id", "site_id")
    snapshot = {key: getattr(row, key) for key in keep}
    return {**snapshot, "triage": triaged} if triaged else snapshot


async def get(*, db: Database, actor: Actor, work_order_id: UUID) -> contract.WorkOrderDetail:
    async with db.snapshot() as reader:
        row = await queries.load_row(actor, work_order_id, reader=reader)
        return await queries.detail(actor, row, reader=reader)


async def list_page(
    *, db: Database, actor: Actor, filters: ListFilters, cursor: str | None, limit: int
) -> contract.WorkOrderPage:
    limit = max(1, min(limit, MAX_PAGE))
    rows = await queries.page(Reader(db, None), actor, filters, cursor, limit + 1)
    page = rows[:limit]
    return contract.WorkOrderPage(
        items=[queries.to_work_order(row) for row in page],
        next_cursor=queries.encode_cursor(page[-1]) if len(rows) > limit else None,
    )


async def team_queue(
    *, db: Database, actor: Actor, team_id: UUID, cursor: str | None, limit: int
) -> contract.WorkOrderPage:
    """The team's open work orders, most urgent first: dispatch roles see any team's, an
    engineer their own teams' (another team is 404, as if it did not exist)."""
    if not actor.dispatches and team_id not in actor.team_ids:
        raise NotFound("team", team_id)
    async with db.snapshot() as reader:
        if (
            await reader.fetch_one(sql.TEAM_EXISTS, sql.Id, tenant=actor.tenant_id, id=team_id)
            is None
        ):
            raise NotFound("team", team_id)
        return await _queue_page(reader, actor, cursor, limit, team_id=team_id)


async def engineer_queue(
    *, db: Database, actor: Actor, user_id: UUID, cursor: str | None, limit: int
) -> contract.WorkOrderPage:
    """An engineer's open work orders, most urgent first: dispatch roles see anyone's, an
    engineer only their own."""
    if not actor.dispatches and user_id != actor.user_id:
        raise NotFound("user", user_id)
    async with db.snapshot() as reader:
        if (
            await reader.fetch_one(sql.ASSIGNEE, sql.Assignee, tenant=actor.tenant_id, id=user_id)
            is None
        ):
            raise NotFound("user", user_id)
        return await _queue_page(reader, actor, cursor, limit, assignee_id=user_id)


async def _queue_page(
    reader: Reader,
    actor: Actor,
    cursor: str | None,
    limit: int,
    *,
    team_id: UUID | None = None,
    assignee_id: UUID | None = None,
) -> contract.WorkOrderPage:
    rows, next_cursor = await queries.queue(
        reader,
        tenant_id=actor.tenant_id,
        team_id=team_id,
        assignee_id=assignee_id,
        cursor=cursor,
        limit=max(1, min(limit, MAX_PAGE)),
    )
    return contract.WorkOrderPage(
        items=[queries.to_work_order(row) for row in rows], next_cursor=next_cursor
    )


async def update(
    *, db: Database, actor: Actor, work_order_id: UUID, data: contract.WorkOrderUpdate
) -> contract.WorkOrderDetail:
    """Role- and state-aware edit (the transition lock lives in ``state_machine``)."""
    async with db.transaction() as tx:
        row = await queries.load_row(actor, work_order_id, reader=tx)
        row = await apply_update(tx, actor=actor, row=row, data=data)
        return await queries.detail(actor, row, reader=tx)


async def apply_update(
    tx: Transaction, *, actor: Actor, row: WorkOrderRow, data: contract.WorkOrderUpdate
) -> WorkOrderRow:
    """The edit of ``row`` (read in this transaction) without the detail view (sync pushes
    need only the rules and the write). Answers the work order's row after it."""
    requested = {
        name: getattr(data, name) for name in UPDATABLE if getattr(data, name) is not msgspec.UNSET
    }
    source = None if data.priority_source is msgspec.UNSET else data.priority_source
    now = utcnow()
    expected = data.expected_version
    check_version(row, None if expected is msgspec.UNSET else expected)
    status = row.status
    allowed = state_machine.editable_fields(
        status, role=actor.role, is_assignee=queries.is_assignee(actor, row)
    )
    refused = sorted((set(requested) | ({"priority"} if source else set())) - allowed)
    if refused:
        raise DomainError(
            ErrorCode.FIELD_NOT_EDITABLE,
            f"You may not change {', '.join(refused)} of a work order that is {status}.",
            {"fields": refused, "status": status, "editable_fields": sorted(allowed)},
        )
    changed = {
        name: value
        for name, value in requested.items()
        if column_value(value) != column_value(getattr(row, name))
    }
    kept = source is PrioritySource.PERSON and row.priority_source is PrioritySource.PERSON
    if not changed and (source is None or kept):
        return row
    await check_references(tx, actor, changed)
    if "asset_id" in changed and row.alarm_type is not None:
        await _check_alarm_asset(tx, actor, row, changed["asset_id"])
    after, triaged = await triaging.after_edit(
        tx,
        tenant_id=actor.tenant_id,
        row=msgspec.structs.replace(row, **changed),
        changed=set(changed),
        source=source,
        now=now,
    )
    written = await write(tx, actor, row, after, now)
    before = {name: getattr(row, name) for name in changed}
    if after.priority_source is not row.priority_source:
        before["priority_source"] = row.priority_source
        changed["priority_source"] = after.priority_source
    if triaged:
        before.setdefault("priority", row.priority)
        changed.update(priority=after.priority, triage=triaged)
    await record_event(
        tx,
        actor=actor,
        work_order_id=row.id,
        action="updated",
        before=before,
        after=changed,
        now=now,
    )
    await log_change(tx, actor=actor, row=written, now=now, previous_assignee=written.assignee_id)
    return written


async def record_alarm(
    tx: Transaction,
    *,
    author: Author,
    row: WorkOrderRow,
    alarm: AlarmSummary,
    events: list[tuple[str, dict[str, Any]]],
    now: datetime,
) -> WorkOrderRow:
    """A new alarm summary on a work order its terminal opened, with the timeline entries
    saying why (cleared, raised again, a debounce window of repeats): a compare-and-set write
    like every other, so two ingests of one fault never overwrite each other."""
    written = await write(tx, author, row, msgspec.structs.replace(row, alarm=alarm), now)
    await record_events(
        tx,
        actor=author,
        events=[Event(row.id, action, now, after=after) for action, after in events],
    )
    await log_change(tx, actor=author, row=written, now=now, previous_assignee=written.assignee_id)
    return written
