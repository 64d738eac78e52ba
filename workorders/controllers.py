"""HTTP routes for work orders, their transitions, notes and checklist items."""

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from mobile_contract import work_orders as contract
from mobile_contract.enums import Priority, WorkOrderStatus
from mobile_contract.types import LINE_PATTERN
from web.http import BEARER, DB, CurrentActor
from workorders import items, services, transitions
from workorders.queries import ListFilters


class WorkOrderController(Controller):
    path = "/api/v1/work-orders"
    tags = ["work orders"]
    security = BEARER

    @post("/")
    async def create_work_order(
        self, data: JSONBody[contract.WorkOrderCreate], db: DB, actor: CurrentActor
    ) -> contract.WorkOrderDetail:
        """Creates a work order in status ``new``; request metadata is captured, not typed."""
        return await services.create(db=db, actor=actor, data=data)

    @get("/")
    async def list_work_orders(
        self,
        db: DB,
        actor: CurrentActor,
        status: FromQuery[list[WorkOrderStatus] | None] = None,
        priority: FromQuery[list[Priority] | None] = None,
        team_id: FromQuery[UUID | None] = None,
        assignee_id: FromQuery[UUID | None] = None,
        site_id: FromQuery[UUID | None] = None,
        asset_id: FromQuery[UUID | None] = None,
        customer_id: FromQuery[UUID | None] = None,
        q: Annotated[str, QueryParameter(max_length=200, pattern=LINE_PATTERN)] = "",
        cursor: Annotated[str | None, QueryParameter(max_length=200, pattern=LINE_PATTERN)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=services.MAX_PAGE)] = 50,
    ) -> contract.WorkOrderPage:
        """Newest first; pass ``next_cursor`` back as ``cursor`` for the next page."""
        filters = ListFilters(
            status=status or [],
            priority=priority or [],
            team_id=team_id,
            assignee_id=assignee_id,
            site_id=site_id,
            asset_id=asset_id,
            customer_id=customer_id,
            text=q.strip(),
        )
        return await services.list_page(
            db=db, actor=actor, filters=filters, cursor=cursor, limit=limit
        )

    @get("/{work_order_id:uuid}")
    async def get_work_order(
        self, work_order_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.WorkOrderDetail:
        """The work order with its timeline, notes, checklist and the caller's next states."""
        return await services.get(db=db, actor=actor, work_order_id=work_order_id)

    @patch("/{work_order_id:uuid}")
    async def update_work_order(
        self,
        work_order_id: FromPath[UUID],
        data: JSONBody[contract.WorkOrderUpdate],
        db: DB,
        actor: CurrentActor,
    ) -> contract.WorkOrderDetail:
        """Edits fields; which ones depends on the caller's role and the status."""
        return await services.update(db=db, actor=actor, work_order_id=work_order_id, data=data)

    @post("/{work_order_id:uuid}/transitions", status_code=200)
    async def transition_work_order(
        self,
        work_order_id: FromPath[UUID],
        data: JSONBody[contract.TransitionRequest],
        db: DB,
        actor: CurrentActor,
    ) -> contract.WorkOrderDetail:
        """Moves to ``target``; an illegal move answers 409 with the allowed next states."""
        return await transitions.transition(
            db=db, actor=actor, work_order_id=work_order_id, request=data
        )

    @get("/{work_order_id:uuid}/notes")
    async def list_notes(
        self, work_order_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.NoteList:
        return await items.list_notes(db=db, actor=actor, work_order_id=work_order_id)

    @post("/{work_order_id:uuid}/notes")
    async def add_note(
        self,
        work_order_id: FromPath[UUID],
        data: JSONBody[contract.NoteCreate],
        db: DB,
        actor: CurrentActor,
    ) -> contract.Note:
        """Idempotent with a client-made ``id``."""
        return await items.add_note(db=db, actor=actor, work_order_id=work_order_id, data=data)

    @get("/{work_order_id:uuid}/checklist")
    async def list_checklist(
        self, work_order_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.ChecklistItemList:
        return await items.list_checklist(db=db, actor=actor, work_order_id=work_order_id)

    @post("/{work_order_id:uuid}/checklist")
    async def add_checklist_item(
        self,
        work_order_id: FromPath[UUID],
        data: JSONBody[contract.ChecklistItemCreate],
        db: DB,
        actor: CurrentActor,
    ) -> contract.ChecklistItem:
        """Idempotent with a client-made ``id``."""
        return await items.add_checklist_item(
            db=db, actor=actor, work_order_id=work_order_id, data=data
        )

    @patch("/{work_order_id:uuid}/checklist/{item_id:uuid}")
    async def update_checklist_item(
        self,
        work_order_id: FromPath[UUID],
        item_id: FromPath[UUID],
        data: JSONBody[contract.ChecklistItemUpdate],
        db: DB,
        actor: CurrentActor,
    ) -> contract.ChecklistItem:
        return await items.update_checklist_item(
            db=db, actor=actor, work_order_id=work_order_id, item_id=item_id, data=data
        )


Cursor = Annotated[str | None, QueryParameter(max_length=200, pattern=LINE_PATTERN)]
Limit = Annotated[int, QueryParameter(ge=1, le=services.MAX_PAGE)]


class QueueController(Controller):
    """The owning team's queue and each engineer's: open work orders, most urgent first."""

    path = "/api/v1/queues"
    tags = ["work orders"]
    security = BEARER

    @get("/teams/{team_id:uuid}")
    async def team_queue(
        self,
        team_id: FromPath[UUID],
        db: DB,
        actor: CurrentActor,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> contract.WorkOrderPage:
        return await services.team_queue(
            db=db, actor=actor, team_id=team_id, cursor=cursor, limit=limit
        )

    @get("/engineers/{user_id:uuid}")
    async def engineer_queue(
        self,
        user_id: FromPath[UUID],
        db: DB,
        actor: CurrentActor,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> contract.WorkOrderPage:
        return await services.engineer_queue(
            db=db, actor=actor, user_id=user_id, cursor=cursor, limit=limit
        )


CONTROLLERS = [WorkOrderController, QueueController]
