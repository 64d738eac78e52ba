"""HTTP routes of push delivery."""

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from mobile_contract import push as contract
from mobile_contract.enums import DeliveryStatus
from push import acks, deliveries, metrics
from web.http import BEARER, DB, CurrentActor


class PushController(Controller):
    path = "/api/v1/push"
    tags = ["push"]
    security = BEARER

    @get("/deliveries")
    async def list_deliveries(
        self,
        db: DB,
        actor: CurrentActor,
        subject_id: FromQuery[UUID | None] = None,
        status: FromQuery[DeliveryStatus | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=deliveries.MAX_LIMIT)] = 100,
    ) -> contract.PushDeliveryList:
        """Every notification's delivery to each device, newest first: ``subject_id`` (a work
        order) shows whether its engineer was reached. Engineers see their own."""
        return await deliveries.list_deliveries(
            db=db, actor=actor, subject_id=subject_id, status=status, limit=limit
        )

    @get("/alerts")
    async def list_alerts(
        self,
        db: DB,
        actor: CurrentActor,
        limit: Annotated[int, QueryParameter(ge=1, le=deliveries.MAX_LIMIT)] = 100,
    ) -> contract.PushAlertList:
        """What went to the on-call channel (dead letters ...) and whether it got there."""
        return await deliveries.list_alerts(db=db, actor=actor, limit=limit)

    @post("/deliveries/{delivery_id:uuid}/replay", status_code=200)
    async def replay(
        self, delivery_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.PushDelivery:
        """Send a dead letter again with fresh retries (supervisors and admins)."""
        return await deliveries.replay(db=db, actor=actor, delivery_id=delivery_id)

    @post("/deliveries/{delivery_id:uuid}/ack", status_code=200)
    async def acknowledge(
        self,
        delivery_id: FromPath[UUID],
        data: JSONBody[contract.PushAck],
        db: DB,
        actor: CurrentActor,
    ) -> contract.PushDelivery:
        """The app got (``received``) or opened (``opened``) a push: ``delivery_id`` is in the
        push's data. Only from the device's own user; safe to repeat."""
        return await acks.acknowledge(db=db, actor=actor, delivery_id=delivery_id, event=data.event)

    @get("/metrics")
    async def metrics(
        self,
        db: DB,
        actor: CurrentActor,
        window_hours: Annotated[int, QueryParameter(ge=1, le=24 * 90)] = 24,
    ) -> contract.PushMetrics:
        """Deliveries by provider and outcome, queue depth, the oldest pending delivery's age,
        dead letters, availability and alerts (dispatch roles)."""
        return await metrics.push_metrics(db=db, actor=actor, window_hours=window_hours)


CONTROLLERS = [PushController]
