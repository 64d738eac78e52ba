"""HTTP routes for the priority rules and the responsibility zones."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody, Parameter

from mobile_contract import assignment as assignment_contract
from mobile_contract import triage as contract
from triage import assignment, rule_sets, zones
from web.http import BEARER, DB, CurrentActor

MAX_VERSION = 2**31 - 1  # the column is an integer


class PriorityRuleController(Controller):
    path = "/api/v1/priority-rules"
    tags = ["triage"]
    security = BEARER

    @get("/")
    async def get_rules(self, db: DB, actor: CurrentActor) -> contract.PriorityRuleSet:
        """The current rules in order (version 0: the standard rules, none saved yet)."""
        return await rule_sets.get(db=db, actor=actor)

    @put("/")
    async def replace_rules(
        self, data: JSONBody[contract.PriorityRuleSetIn], db: DB, actor: CurrentActor
    ) -> contract.PriorityRuleSet:
        """Saves a whole rule set as the next version (an import)."""
        return await rule_sets.replace_all(db=db, actor=actor, data=data)

    @post("/")
    async def create_rule(
        self, data: JSONBody[contract.PriorityRuleCreate], db: DB, actor: CurrentActor
    ) -> contract.PriorityRuleSet:
        """Adds a rule at ``position`` (the end by default); answers the new version."""
        return await rule_sets.create_rule(db=db, actor=actor, data=data)

    @put("/{rule_id:uuid}")
    async def replace_rule(
        self,
        rule_id: FromPath[UUID],
        data: JSONBody[contract.PriorityRuleCreate],
        db: DB,
        actor: CurrentActor,
    ) -> contract.PriorityRuleSet:
        return await rule_sets.replace_rule(db=db, actor=actor, rule_id=rule_id, data=data)

    @delete("/{rule_id:uuid}", status_code=200)
    async def delete_rule(
        self,
        rule_id: FromPath[UUID],
        db: DB,
        actor: CurrentActor,
        expected_version: Annotated[int | None, Parameter(ge=0, le=MAX_VERSION)] = None,
    ) -> contract.PriorityRuleSet:
        return await rule_sets.delete_rule(
            db=db, actor=actor, rule_id=rule_id, expected_version=expected_version
        )

    @get("/versions/{version:int}")
    async def get_version(
        self,
        version: Annotated[int, Parameter(ge=0, le=MAX_VERSION)],
        db: DB,
        actor: CurrentActor,
    ) -> contract.PriorityRuleSet:
        """A saved version: what decided the priority of work orders that name it."""
        return await rule_sets.get_version(db=db, actor=actor, version=version)

    @post("/validate", status_code=200)
    async def validate_rule(
        self, data: JSONBody[contract.PriorityRuleIn], db: DB, actor: CurrentActor
    ) -> contract.RuleValidation:
        """Checks a rule as saving would (422 ``config_invalid`` naming the problem)."""
        return await rule_sets.validate(db=db, actor=actor, data=data)

    @post("/dry-run", status_code=200)
    async def dry_run(
        self, data: JSONBody[contract.DryRunRequest], db: DB, actor: CurrentActor
    ) -> contract.TriageResult:
        """What the rules (or the candidate ``rules``) and zones decide for a sample."""
        return await rule_sets.dry_run(db=db, actor=actor, data=data)


class ZoneController(Controller):
    path = "/api/v1/zones"
    tags = ["triage"]
    security = BEARER

    @get("/")
    async def list_zones(self, db: DB, actor: CurrentActor) -> contract.ZoneList:
        return await zones.list_zones(db=db, actor=actor)

    @post("/")
    async def create_zone(
        self, data: JSONBody[contract.ZoneIn], db: DB, actor: CurrentActor
    ) -> contract.Zone:
        return await zones.create_zone(db=db, actor=actor, data=data)

    @put("/{zone_id:uuid}")
    async def update_zone(
        self, zone_id: FromPath[UUID], data: JSONBody[contract.ZoneIn], db: DB, actor: CurrentActor
    ) -> contract.Zone:
        return await zones.update_zone(db=db, actor=actor, zone_id=zone_id, data=data)

    @delete("/{zone_id:uuid}")
    async def delete_zone(self, zone_id: FromPath[UUID], db: DB, actor: CurrentActor) -> None:
        await zones.delete_zone(db=db, actor=actor, zone_id=zone_id)


class AutoAssignmentController(Controller):
    path = "/api/v1/teams/{team_id:uuid}/auto-assignment"
    tags = ["triage"]
    security = BEARER

    @get("/")
    async def get_auto_assignment(
        self, team_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> assignment_contract.AutoAssignment:
        return await assignment.get_setting(db=db, actor=actor, team_id=team_id)

    @put("/")
    async def set_auto_assignment(
        self,
        team_id: FromPath[UUID],
        data: JSONBody[assignment_contract.AutoAssignmentIn],
        db: DB,
        actor: CurrentActor,
    ) -> assignment_contract.AutoAssignment:
        """New work orders the team owns go to its engineer on shift with the fewest open
        work orders (skills first, when asked)."""
        return await assignment.set_setting(db=db, actor=actor, team_id=team_id, data=data)


class ShiftController(Controller):
    path = "/api/v1/shifts"
    tags = ["triage"]
    security = BEARER

    @get("/")
    async def list_shifts(
        self,
        db: DB,
        actor: CurrentActor,
        user_id: FromQuery[UUID | None] = None,
        since: FromQuery[datetime | None] = None,
        until: FromQuery[datetime | None] = None,
    ) -> assignment_contract.ShiftList:
        """Shifts overlapping [since, until) (default: now, a week ahead)."""
        return await assignment.list_shifts(
            db=db, actor=actor, user_id=user_id, since=since, until=until
        )

    @post("/")
    async def add_shift(
        self, data: JSONBody[assignment_contract.ShiftIn], db: DB, actor: CurrentActor
    ) -> assignment_contract.Shift:
        return await assignment.add_shift(db=db, actor=actor, data=data)

    @delete("/{shift_id:uuid}")
    async def delete_shift(self, shift_id: FromPath[UUID], db: DB, actor: CurrentActor) -> None:
        await assignment.delete_shift(db=db, actor=actor, shift_id=shift_id)


class SkillController(Controller):
    path = "/api/v1/engineers/{user_id:uuid}/skills"
    tags = ["triage"]
    security = BEARER

    @get("/")
    async def get_skills(
        self, user_id: FromPath[UUID], db: DB, actor: CurrentActor
    ) -> assignment_contract.Skills:
        return await assignment.get_skills(db=db, actor=actor, user_id=user_id)

    @put("/")
    async def set_skills(
        self,
        user_id: FromPath[UUID],
        data: JSONBody[assignment_contract.SkillsIn],
        db: DB,
        actor: CurrentActor,
    ) -> assignment_contract.Skills:
        return await assignment.set_skills(db=db, actor=actor, user_id=user_id, data=data)


CONTROLLERS = [
    PriorityRuleController,
    ZoneController,
    AutoAssignmentController,
    ShiftController,
    SkillController,
]
