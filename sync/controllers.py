"""HTTP routes of the sync protocol (RxDB replication over HTTP)."""

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, QueryParameter

from mobile_contract.sync import PullResponse
from server.http import BEARER, DB, CurrentActor
from sync import pull as pulling


class SyncController(Controller):
    path = "/api/v1/sync"
    tags = ["sync"]
    security = BEARER

    @get("/{collection:str}/pull")
    async def pull(
        self,
        collection: FromPath[str],
        db: DB,
        actor: CurrentActor,
        checkpoint: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=pulling.MAX_LIMIT)] = 100,
    ) -> PullResponse:
        """Documents changed after ``checkpoint`` (absent on the first pull), in commit
        order; an engineer gets what is assigned to them and tombstones for what left."""
        documents, next_checkpoint = await pulling.pull(
            db=db, actor=actor, collection=collection, checkpoint=checkpoint, limit=limit
        )
        return PullResponse(documents=documents, checkpoint=next_checkpoint)


CONTROLLERS = [SyncController]
