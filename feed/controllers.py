"""The live dispatcher feed over server-sent events, woken through Litestar's channels (the
PostgreSQL LISTEN/NOTIFY backend when several API processes share a database)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Annotated

from litestar import Controller, get
from litestar.channels import ChannelsPlugin
from litestar.params import HeaderParameter, QueryParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage

from feed import stream
from feed.record import channel
from kernel.context import Actor
from kernel.db import Database
from web.http import BEARER, DB, Channels, CurrentActor

MAX_CURSOR = 2**62


class FeedController(Controller):
    path = "/api/v1/feed"
    tags = ["feed"]
    security = BEARER

    @get("/")
    async def follow(
        self,
        db: DB,
        actor: CurrentActor,
        channels: Channels,
        cursor: Annotated[int | None, QueryParameter(ge=0, le=MAX_CURSOR)] = None,
        last_event_id: Annotated[
            str | None,
            HeaderParameter(name="Last-Event-ID", max_length=19, pattern=r"^[0-9]+$(?!\n)"),
        ] = None,
    ) -> ServerSentEvent:
        """Server-sent events for dispatch roles: ``ready`` (the cursor it starts from), then
        ``work_order``, ``sla_warning``, ``sla_breached`` and ``escalated`` events in commit
        order, each with its ``id`` (the cursor); heartbeats while idle. Reconnect with
        ``cursor`` (or the ``Last-Event-ID`` header browsers send) to miss nothing."""
        stream.check_reader(actor)
        start = cursor if cursor is not None else (int(last_event_id) if last_event_id else None)
        return ServerSentEvent(_messages(db, actor, channels, start))


async def _messages(
    db: Database, actor: Actor, channels: ChannelsPlugin, start: int | None
) -> AsyncIterator[ServerSentEventMessage]:
    wake = asyncio.Event()
    async with channels.start_subscription([channel(actor.tenant_id)]) as subscriber:

        async def listen() -> None:
            async for _ in subscriber.iter_events():
                wake.set()

        listening = asyncio.create_task(listen())
        try:
            async for event in stream.events(db=db, actor=actor, cursor=start, wake=wake):
                yield ServerSentEventMessage(
                    data=event.data, event=event.event, id=event.id, comment=event.comment
                )
        finally:
            listening.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listening


CONTROLLERS = [FeedController]
