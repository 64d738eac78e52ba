"""HTTP routes for the business calendars and the SLA policies."""

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from mobile_contract import sla as contract
from mobile_contract.types import LINE_PATTERN
from sla import escalations, policies
from web.http import BEARER, DB, CurrentActor


class CalendarController(Controller):
    path = "/api/v1/sla/calendars"
    tags = ["sla"]
    security = BEARER

    @get("/")
    async def list_calendars(self, db: DB, actor: CurrentActor) -> contract.CalendarList:
        return await policies.list_calendars(db=db, actor=actor)

    @post("/")
    async def create_calendar(
        self, data: JSONBody[contract.CalendarIn], db: DB, actor: CurrentActor
    ) -> contract.Calendar:
        """Saves working time (422 ``config_invalid`` naming the part that cannot work)."""
        return await policies.create_calendar(db=db, actor=actor, data=data)

    @get("/{calendar_id:uuid}")
    async def get_calendar(
        self, calendar_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> contract.Calendar:
        return await policies.get_calendar(db=db, actor=actor, calendar_id=calendar_id)

    @put("/{calendar_id:uuid}")
    async def update_calendar(
        self,
        calendar_id: FromPath[UUID],
        data: JSONBody[contract.CalendarIn],
        db: DB,
        actor: CurrentActor,
    ) -> contract.Calendar:
        return await policies.update_calendar(
            db=db, actor=actor, calendar_id=calendar_id, data=data
        )

    @delete("/{calendar_id:uuid}")
    async def delete_calendar(
        self, calendar_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> None:
        """Refused (``config_invalid``) while a policy counts its time in the calendar."""
        await policies.delete_calendar(db=db, actor=actor, calendar_id=calendar_id)


class PolicyController(Controller):
    path = "/api/v1/sla/policies"
    tags = ["sla"]
    security = BEARER

    @get("/")
    async def list_policies(self, db: DB, actor: CurrentActor) -> contract.PolicyList:
        """The saved policies, and the standard ones (``id`` null) where none is saved."""
        return await policies.list_policies(db=db, actor=actor)

    @post("/")
    async def create_policy(
        self, data: JSONBody[contract.PolicyIn], db: DB, actor: CurrentActor
    ) -> contract.Policy:
        return await policies.create_policy(db=db, actor=actor, data=data)

    @put("/{policy_id:uuid}")
    async def update_policy(
        self,
        policy_id: FromPath[UUID],
        data: JSONBody[contract.PolicyIn],
        db: DB,
        actor: CurrentActor,
    ) -> contract.Policy:
        return await policies.update_policy(db=db, actor=actor, policy_id=policy_id, data=data)

    @delete("/{policy_id:uuid}")
    async def delete_policy(self, policy_id: FromPath[UUID], db: DB, actor: CurrentActor) -> None:
        await policies.delete_policy(db=db, actor=actor, policy_id=policy_id)


class EscalationController(Controller):
    path = "/api/v1/sla/escalations"
    tags = ["sla"]
    security = BEARER

    @get("/")
    async def list_escalations(
        self,
        db: DB,
        actor: CurrentActor,
        cursor: Annotated[str | None, QueryParameter(max_length=200, pattern=LINE_PATTERN)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=escalations.MAX_PAGE)] = 50,
    ) -> contract.EscalationPage:
        """The supervisors' queue: escalations fired, newest first."""
        return await escalations.list_escalations(db=db, actor=actor, cursor=cursor, limit=limit)


CONTROLLERS = [CalendarController, PolicyController, EscalationController]
