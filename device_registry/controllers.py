"""HTTP routes of the device registry."""

from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from device_registry import services
from mobile_contract import devices as contract
from web.http import BEARER, DB, CurrentActor


class DeviceController(Controller):
    path = "/api/v1/devices"
    tags = ["devices"]
    security = BEARER

    @get("/")
    async def list_devices(
        self, db: DB, actor: CurrentActor, user_id: FromQuery[UUID | None] = None
    ) -> contract.DeviceList:
        """Your devices; dispatchers, supervisors and admins may pass ``user_id``."""
        return await services.list_devices(db=db, actor=actor, user_id=user_id)

    @post("/", status_code=200)
    async def register(
        self, data: JSONBody[contract.DeviceRegistration], db: DB, actor: CurrentActor
    ) -> contract.Device:
        """Register this app installation (its own stable id) or rotate its push token."""
        return await services.register(db=db, actor=actor, data=data)

    @delete("/{device_id:uuid}")
    async def unregister(self, device_id: FromPath[UUID], db: DB, actor: CurrentActor) -> None:
        """Stop notifications to this installation (logout)."""
        await services.unregister(db=db, actor=actor, device_id=device_id)


CONTROLLERS = [DeviceController]
