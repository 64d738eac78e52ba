"""HTTP routes of the device registry: app installations, IoT terminals (admins) and the
terminals' own signed heartbeat."""

from typing import TypeAlias
from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from device_registry import services, terminals
from device_registry.secrets import SecretBox
from mobile_contract import devices as contract
from mobile_contract import iot
from web.http import BEARER, DB, TERMINAL_SIGNATURE, CurrentActor, CurrentTerminal

# The key terminal secrets are sealed with, provided by server/app.py.
Secrets: TypeAlias = NamedDependency[SecretBox]


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


class TerminalController(Controller):
    path = "/api/v1/iot/terminals"
    tags = ["iot"]
    security = BEARER

    @get("/")
    async def list_terminals(self, db: DB, actor: CurrentActor) -> iot.TerminalList:
        return await terminals.list_terminals(db=db, actor=actor)

    @post("/", status_code=201)
    async def register(
        self,
        data: JSONBody[iot.TerminalRegistration],
        db: DB,
        actor: CurrentActor,
        terminal_secrets: Secrets,
    ) -> iot.TerminalWithSecret:
        """Admins: the answer holds the terminal's secret, the only time it is shown."""
        return await terminals.register(db=db, actor=actor, box=terminal_secrets, data=data)

    @get("/{terminal_id:uuid}")
    async def get_terminal(
        self, terminal_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> iot.Terminal:
        return await terminals.get(db=db, actor=actor, terminal_id=terminal_id)

    @patch("/{terminal_id:uuid}")
    async def update(
        self,
        terminal_id: FromPath[UUID],
        data: JSONBody[iot.TerminalUpdate],
        db: DB,
        actor: CurrentActor,
    ) -> iot.Terminal:
        """Admins: thresholds (the terminal pulls them), model, firmware."""
        return await terminals.update(db=db, actor=actor, terminal_id=terminal_id, data=data)

    @post("/{terminal_id:uuid}/rotate", status_code=200)
    async def rotate(
        self,
        terminal_id: FromPath[UUID],
        data: JSONBody[iot.SecretRotation],
        db: DB,
        actor: CurrentActor,
        terminal_secrets: Secrets,
    ) -> iot.TerminalWithSecret:
        """Admins: a new secret, shown once; the old one signs for ``grace_seconds`` more."""
        return await terminals.rotate(
            db=db, actor=actor, box=terminal_secrets, terminal_id=terminal_id, data=data
        )

    @post("/{terminal_id:uuid}/revoke", status_code=200)
    async def revoke(
        self, terminal_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> iot.Terminal:
        """Admins: nothing this terminal signs is accepted again."""
        return await terminals.revoke(db=db, actor=actor, terminal_id=terminal_id)


class HeartbeatController(Controller):
    path = "/api/v1/iot/heartbeat"
    tags = ["iot"]
    security = TERMINAL_SIGNATURE

    @post("/", status_code=200)
    async def heartbeat(
        self, data: JSONBody[iot.Heartbeat], db: DB, terminal: CurrentTerminal
    ) -> iot.HeartbeatAnswer:
        """Signed: the terminal is alive; the answer carries its configuration."""
        return await terminals.heartbeat(db=db, terminal=terminal, data=data)


CONTROLLERS = [DeviceController, TerminalController]
TERMINAL_CONTROLLERS = [HeartbeatController]
