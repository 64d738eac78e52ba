"""The feed as a stream: the events after a cursor, then each new one as it commits. Waking
is pushed (``wake``: the server's channel subscription) and checked every few seconds as well,
so a lost wake-up delays an event, never loses it; the rows are the record, the channel only
says "look"."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import msgspec

from feed import sql
from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database
from mobile_contract.feed import FeedEvent, FeedKind
from workorders.queries import to_work_order

HEARTBEAT_SECONDS = 15.0
RECHECK_SECONDS = 5.0
PAGE = 200


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One server-sent event; the controller puts it on the wire."""

    data: str | None = None
    event: str | None = None
    id: str | None = None
    comment: str | None = None


def check_reader(actor: Actor) -> None:
    require_role(actor, DISPATCH_ROLES, "follow the dispatcher feed")


async def current(db: Database, actor: Actor) -> int:
    row = await db.fetch_one(sql.CURRENT, sql.Value, tenant=actor.tenant_id)
    return row.value if row else 0


async def page(db: Database, actor: Actor, after: int, limit: int = PAGE) -> list[FeedEvent]:
    rows = await db.fetch(sql.AFTER, sql.Row, tenant=actor.tenant_id, after=after, limit=limit)
    return [
        FeedEvent(
            seq=row.seq,
            kind=FeedKind(row.kind),
            at=row.at,
            work_order=to_work_order(row),
            detail=row.detail,
        )
        for row in rows
    ]


async def events(
    *,
    db: Database,
    actor: Actor,
    cursor: int | None,
    wake: asyncio.Event,
    heartbeat: float = HEARTBEAT_SECONDS,
) -> AsyncIterator[StreamEvent]:
    """``ready`` with the cursor the stream starts from (now, without one), then every event
    after it, in commit order, as it commits."""
    position = await current(db, actor) if cursor is None else cursor
    yield StreamEvent(event="ready", data=msgspec.json.encode({"cursor": position}).decode())
    idle = 0.0
    while True:
        wake.clear()
        sent = False
        while True:
            found = await page(db, actor, position)
            for event in found:
                position = event.seq
                yield StreamEvent(
                    id=str(event.seq),
                    event=event.kind.value,
                    data=msgspec.json.encode(event).decode(),
                )
            sent = sent or bool(found)
            if len(found) < PAGE:
                break
        if sent:
            idle = 0.0
        try:
            await asyncio.wait_for(wake.wait(), timeout=min(RECHECK_SECONDS, heartbeat))
        except TimeoutError:
            idle += min(RECHECK_SECONDS, heartbeat)
            if idle >= heartbeat:
                idle = 0.0
                yield StreamEvent(comment="heartbeat")
