"""HTTP routes of the alarm intake: the terminals' signed routes (alarms, their sync
collections) and the staff's alarm lists."""

from datetime import datetime
from typing import Annotated, Any, TypeAlias
from uuid import UUID

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from alarms import ingest, services
from kernel.clock import utcnow
from mobile_contract import iot
from mobile_contract.sync import PullResponse, PushRow
from mobile_contract.types import LINE_PATTERN
from web.http import (
    BEARER,
    DB,
    RAW_BODY_OPT,
    TERMINAL_SIGNATURE,
    CurrentActor,
    CurrentTerminal,
)

# The debounce window and the rest of the intake's settings, provided by server/app.py.
Intake: TypeAlias = NamedDependency[ingest.IntakeRules]
Cursor: TypeAlias = Annotated[str | None, QueryParameter(max_length=200, pattern=LINE_PATTERN)]
Limit: TypeAlias = Annotated[int, QueryParameter(ge=1, le=services.MAX_PAGE)]


class TerminalAlarmController(Controller):
    path = "/api/v1/iot"
    tags = ["iot"]
    security = TERMINAL_SIGNATURE

    @post("/alarms", status_code=200, opt={RAW_BODY_OPT: iot.AlarmBatch})
    async def post_alarms(
        self, request: Request[Any, Any, Any], db: DB, terminal: CurrentTerminal, intake: Intake
    ) -> iot.AlarmBatchResult:
        """Signed. ``{"alarms": [...]}`` (1 to 500, an ``AlarmBatch``), one transaction; the
        answer gives each alarm's outcome, so the terminal can drop them from its buffer."""
        received = utcnow()
        alarms = ingest.decode(await request.body(), now=received)
        return await ingest.ingest(
            db=db,
            terminal=terminal,
            alarms=alarms,
            via=iot.AlarmVia.HTTP,
            rules=intake,
            received_at=received,
        )

    @post("/sync/alarms/push", status_code=200)
    async def push_alarms(
        self,
        data: JSONBody[list[PushRow]],
        db: DB,
        terminal: CurrentTerminal,
        intake: Intake,
    ) -> list[dict[str, Any]]:
        """Signed. RxDB's push for the ``alarms`` collection (push only): the same ingest."""
        return await services.push_alarms(db=db, terminal=terminal, rows=data, rules=intake)

    @get("/sync/config/pull")
    async def pull_config(
        self, db: DB, terminal: CurrentTerminal, checkpoint: Cursor = None
    ) -> PullResponse:
        """Signed. RxDB's pull for the read-only ``config`` collection: the thresholds."""
        return await services.pull_config(db=db, terminal=terminal, checkpoint=checkpoint)


class AlarmController(Controller):
    path = "/api/v1/alarms"
    tags = ["iot"]
    security = BEARER

    @get("/")
    async def list_alarms(
        self,
        db: DB,
        actor: CurrentActor,
        asset_id: FromQuery[UUID | None] = None,
        terminal_id: FromQuery[UUID | None] = None,
        work_order_id: FromQuery[UUID | None] = None,
        type: FromQuery[iot.AlarmType | None] = None,
        alarm_state: Annotated[iot.AlarmState | None, QueryParameter(name="state")] = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> iot.AlarmPage:
        """The tenant's alarms, newest first: filter by asset, terminal, work order, type,
        state and when they occurred (``since`` inclusive, ``until`` exclusive)."""
        filters = services.Filters(
            asset_id=asset_id,
            terminal_id=terminal_id,
            work_order_id=work_order_id,
            type=type,
            state=alarm_state,
            since=since,
            until=until,
        )
        return await services.list_page(
            db=db, actor=actor, filters=filters, cursor=cursor, limit=limit
        )


class WorkOrderAlarmController(Controller):
    path = "/api/v1/work-orders"
    tags = ["iot"]
    security = BEARER

    @get("/{work_order_id:uuid}/alarms")
    async def list_work_order_alarms(
        self,
        work_order_id: FromPath[UUID],
        db: DB,
        actor: CurrentActor,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> iot.AlarmPage:
        """The alarms behind a work order, newest first (live: the work order's summary is
        refreshed once per debounce window)."""
        return await services.of_work_order(
            db=db, actor=actor, work_order_id=work_order_id, cursor=cursor, limit=limit
        )


CONTROLLERS = [AlarmController, WorkOrderAlarmController]
TERMINAL_CONTROLLERS = [TerminalAlarmController]
