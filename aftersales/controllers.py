"""HTTP routes of after-sales advice: the tenant's decision tree and the evaluation of a case."""

from typing import Annotated

from litestar import Controller, get, post, put
from litestar.params import JSONBody, Parameter

from aftersales import services
from mobile_contract import aftersales as contract
from web.http import BEARER, DB, CurrentActor

MAX_VERSION = 2**31 - 1  # the column is an integer


class AfterSalesController(Controller):
    path = "/api/v1/after-sales"
    tags = ["after-sales"]
    security = BEARER

    @get("/tree")
    async def get_tree(self, db: DB, actor: CurrentActor) -> contract.DecisionTree:
        """The current tree (version 0: the standard 7/15/365-day tree, none saved yet)."""
        return await services.get(db=db, actor=actor)

    @put("/tree")
    async def save_tree(
        self, data: JSONBody[contract.DecisionTreeIn], db: DB, actor: CurrentActor
    ) -> contract.DecisionTree:
        """Checks the whole tree and saves it as the next version (admins and supervisors);
        422 ``config_invalid`` naming the problem, and nothing saved, when it cannot work."""
        return await services.save(db=db, actor=actor, data=data)

    @get("/tree/versions/{version:int}")
    async def get_tree_version(
        self,
        version: Annotated[int, Parameter(ge=0, le=MAX_VERSION)],
        db: DB,
        actor: CurrentActor,
    ) -> contract.DecisionTree:
        """A saved version: what gave the advice that names it."""
        return await services.get_version(db=db, actor=actor, version=version)

    @post("/tree/validate", status_code=200)
    async def validate_tree(
        self, data: JSONBody[contract.DecisionTreeIn], db: DB, actor: CurrentActor
    ) -> contract.TreeValidation:
        """Checks a tree as saving would (422 ``config_invalid`` naming the problem)."""
        return await services.validate(db=db, actor=actor, data=data)

    @post("/evaluate", status_code=200)
    async def evaluate(
        self, data: JSONBody[contract.AfterSalesCase], db: DB, actor: CurrentActor
    ) -> contract.AfterSalesAdvice:
        """The advice for a case (exchange, repair, refund or escalate), the clause that
        justifies it and the path taken; 422 ``validation_failed`` naming a missing input."""
        return await services.evaluate(db=db, actor=actor, data=data)


CONTROLLERS: list[type[Controller]] = [AfterSalesController]
