"""Liveness (the process answers) and readiness (the database answers)."""

import logging

from litestar import Controller, Response, get

from mobile_contract import CONTRACT_VERSION
from mobile_contract.errors import ErrorBody, ErrorCode, ErrorEnvelope
from mobile_contract.system import Health
from web.http import DB

PUBLIC = {"exclude_from_auth": True}
log = logging.getLogger("fieldops.health")


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", opt=PUBLIC)
    async def live(self) -> Health:
        return Health(status="ok", contract_version=CONTRACT_VERSION)

    @get("/ready", opt=PUBLIC)
    async def ready(self, db: DB) -> Response[Health | ErrorEnvelope]:
        try:
            await db.ping()
        except Exception as error:  # any driver error means "not ready", never a 500
            log.warning("readiness: database unreachable: %s", error)
            body = ErrorBody(
                code=ErrorCode.SERVICE_UNAVAILABLE,
                message="The database is unreachable.",
                details={"checks": {"database": "unreachable"}},
            )
            return Response(ErrorEnvelope(error=body), status_code=503)
        return Response(
            Health(status="ok", checks={"database": "ok"}, contract_version=CONTRACT_VERSION)
        )
