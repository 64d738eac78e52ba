"""Alarms for staff (a filtered list, a work order's alarms) and for terminals (their sync
collections: alarms pushed, configuration pulled)."""

import re
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec

from alarms import ingest as intake
from alarms import sql
from device_registry import terminals
from kernel.clock import EPOCH
from kernel.context import DISPATCH_ROLES, Actor, TerminalCaller, require_role
from kernel.cursors import decode_cursor, encode_cursor
from kernel.db import Database
from kernel.errors import DomainError
from mobile_contract import iot
from mobile_contract.errors import ErrorCode
from mobile_contract.sync import PullResponse, PushRow
from workorders import queries

MAX_PAGE = 200
_VERSION = re.compile(r"[0-9]{1,18}")  # a config checkpoint: the version, in ASCII digits
_NONE = UUID(int=0)  # bound where a filter is off (the flag beside it makes it match all)


class Filters(msgspec.Struct, kw_only=True):
    asset_id: UUID | None = None
    terminal_id: UUID | None = None
    work_order_id: UUID | None = None
    type: iot.AlarmType | None = None
    state: iot.AlarmState | None = None
    since: datetime | None = None
    until: datetime | None = None


class _Cursor(msgspec.Struct):
    occurred_at: datetime
    id: UUID


async def list_page(
    *, db: Database, actor: Actor, filters: Filters, cursor: str | None, limit: int
) -> iot.AlarmPage:
    """The tenant's alarms, newest first (dispatchers, supervisors and admins)."""
    require_role(actor, DISPATCH_ROLES, "list alarms")
    return await _page(db, actor.tenant_id, filters, cursor, limit)


async def of_work_order(
    *, db: Database, actor: Actor, work_order_id: UUID, cursor: str | None, limit: int
) -> iot.AlarmPage:
    """The alarms of a work order the caller may see (an engineer: theirs or their team's)."""
    async with db.snapshot() as reader:
        await queries.load_row(actor, work_order_id, reader=reader)
    filters = Filters(work_order_id=work_order_id)
    return await _page(db, actor.tenant_id, filters, cursor, limit)


async def _page(
    db: Database, tenant: UUID, filters: Filters, cursor: str | None, limit: int
) -> iot.AlarmPage:
    limit = max(1, min(limit, MAX_PAGE))
    after = decode_cursor(cursor, _Cursor) if cursor else None
    params: dict[str, Any] = {}
    for name, column in (
        ("asset_id", "asset"),
        ("terminal_id", "terminal"),
        ("work_order_id", "work_order"),
    ):
        value = getattr(filters, name)
        params[f"any_{column}"] = value is None
        params[column] = _NONE if value is None else value
    rows = await db.fetch(
        sql.PAGE,
        iot.Alarm,
        tenant=tenant,
        any_type=filters.type is None,
        type=filters.type.value if filters.type else "",
        any_state=filters.state is None,
        state=filters.state.value if filters.state else "",
        any_since=filters.since is None,
        since=filters.since or EPOCH,
        any_until=filters.until is None,
        until=filters.until or EPOCH,
        first_page=after is None,
        after_at=after.occurred_at if after else EPOCH,
        after_id=after.id if after else _NONE,
        limit=limit + 1,
        **params,
    )
    page = rows[:limit]
    return iot.AlarmPage(
        items=page,
        next_cursor=(
            encode_cursor(_Cursor(occurred_at=page[-1].occurred_at, id=page[-1].id))
            if len(rows) > limit
            else None
        ),
    )


# A terminal's sync collections ---------------------------------------------------------------


async def push_alarms(
    *,
    db: Database,
    terminal: TerminalCaller,
    rows: list[PushRow],
    rules: intake.IntakeRules,
) -> list[dict[str, Any]]:
    """RxDB's push for the ``alarms`` collection: each ``newDocumentState`` is an alarm, the
    same ingest as ``POST /api/v1/iot/alarms``. Alarms never change once sent, so there is
    never a conflict to answer: ``[]``."""
    if not rows:
        return []
    body = msgspec.json.encode({"alarms": [row.new for row in rows]})
    received = datetime.now(UTC)
    alarms = intake.decode(body, now=received)
    await intake.ingest(
        db=db,
        terminal=terminal,
        alarms=alarms,
        via=iot.AlarmVia.SYNC,
        rules=rules,
        received_at=received,
    )
    return []


async def pull_config(
    *, db: Database, terminal: TerminalCaller, checkpoint: str | None
) -> PullResponse:
    """RxDB's pull for the read-only ``config`` collection: the terminal's own configuration
    when its version is newer than the checkpoint (the version, as text), else nothing."""
    if checkpoint and not _VERSION.fullmatch(checkpoint):
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "The checkpoint is not one this server issued; pull again without a checkpoint.",
            {"field": "checkpoint"},
        )
    config = await terminals.config(db=db, terminal=terminal)
    seen = int(checkpoint) if checkpoint else 0
    documents = [msgspec.to_builtins(config)] if config.config_version > seen else []
    return PullResponse(documents=documents, checkpoint=str(config.config_version))
