"""HTTP route of the estimate for staff (the portal page and the notifications show it through
their own packages)."""

from typing import Literal
from uuid import UUID

from litestar import Controller, get
from litestar.params import FromPath, FromQuery

from eta import services
from mobile_contract.eta import WorkOrderEta
from web.http import BEARER, DB, CurrentActor


class EtaController(Controller):
    path = "/api/v1/work-orders/{work_order_id:uuid}"
    tags = ["eta"]
    security = BEARER

    @get("/eta")
    async def work_order_eta(
        self,
        work_order_id: FromPath[UUID],
        db: DB,
        actor: CurrentActor,
        locale: FromQuery[Literal["zh-CN", "en"]] = "en",
    ) -> WorkOrderEta:
        """When the repair should be done: P50 and P80 from similar repairs resolved in the
        last days, with what the estimate rests on; without one, ``reason`` says why."""
        return await services.for_staff(
            db=db, actor=actor, work_order_id=work_order_id, locale=locale
        )


CONTROLLERS: list[type[Controller]] = [EtaController]
