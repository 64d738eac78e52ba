"""HTTP routes of the sync protocol (RxDB replication over HTTP)."""

from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from mobile_contract.sync import PullResponse, PushRow, SyncConflictList
from mobile_contract.types import LINE_PATTERN
from sync import conflicts, pushing, stream
from sync import pull as pulling
from web.http import BEARER, DB, CurrentActor


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
        checkpoint: Annotated[
            str | None, QueryParameter(max_length=200, pattern=LINE_PATTERN)
        ] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=pulling.MAX_LIMIT)] = 100,
    ) -> PullResponse:
        """Documents changed after ``checkpoint`` (absent on the first pull), in commit
        order; an engineer gets what is assigned to them and tombstones for what left."""
        documents, next_checkpoint = await pulling.pull(
            db=db, actor=actor, collection=collection, checkpoint=checkpoint, limit=limit
        )
        return PullResponse(documents=documents, checkpoint=next_checkpoint)

    @post("/{collection:str}/push", status_code=200)
    async def push(
        self,
        collection: FromPath[str],
        data: JSONBody[list[PushRow]],
        db: DB,
        actor: CurrentActor,
    ) -> list[dict[str, Any]]:
        """Applies the batch in one transaction; answers the server documents of the rows in
        conflict (adopt them), or ``[]``. Replaying a batch is a no-op."""
        return await pushing.push(db=db, actor=actor, collection=collection, rows=data)

    @get("/stream")
    async def stream(self, db: DB, actor: CurrentActor) -> ServerSentEvent:
        """Server-sent events: ``RESYNC`` first (pull from your checkpoint), then
        ``{collection, documents, checkpoint}`` as changes commit; heartbeats while idle."""
        return ServerSentEvent(_messages(stream.events(db=db, actor=actor)))

    @get("/conflicts")
    async def list_conflicts(
        self,
        db: DB,
        actor: CurrentActor,
        document_id: FromQuery[UUID | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=conflicts.MAX_LIMIT)] = 100,
    ) -> SyncConflictList:
        """Client values that pushes did not take (newest first), for dispatchers."""
        return await conflicts.list_conflicts(
            db=db, actor=actor, limit=limit, document_id=document_id
        )


async def _messages(
    events: AsyncIterator[stream.StreamEvent],
) -> AsyncIterator[ServerSentEventMessage]:
    async for event in events:
        yield ServerSentEventMessage(data=event.data, event=event.event, comment=event.comment)


CONTROLLERS = [SyncController]
