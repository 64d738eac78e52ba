"""The live stream (server-sent events): wakes on committed changes of the caller's tenant and
sends each collection's new documents, in RxDB's ``{documents, checkpoint}`` shape.

A stream starts with ``RESYNC`` (the client pulls from its own checkpoint, covering anything
missed while disconnected); it then follows the change log from where it began, so nothing
between that pull and the stream is lost. Waking is in-process (a committed write notifies
its tenant); a periodic re-check covers writers in other processes.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from uuid import UUID

import msgspec

from kernel.context import Actor
from kernel.db import Database
from sync import sql
from sync.collections import COLLECTIONS
from sync.notifier import NOTIFIER
from sync.pull import decode_checkpoint, encode_checkpoint, pull


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One server-sent event; the controller puts it on the wire."""

    data: str | None = None
    event: str | None = None
    comment: str | None = None


HEARTBEAT_SECONDS = 15.0
RECHECK_SECONDS = 5.0
PAGE = 500


async def _current_seq(db: Database, tenant_id: UUID) -> int:
    row = await db.fetch_one(sql.CURRENT_SEQ, sql.Value, tenant=tenant_id)
    return row.value if row else 0


async def events(
    *, db: Database, actor: Actor, heartbeat: float = HEARTBEAT_SECONDS
) -> AsyncIterator[StreamEvent]:
    wake = NOTIFIER.subscribe(actor.tenant_id)
    try:
        start = encode_checkpoint(await _current_seq(db, actor.tenant_id))
        checkpoints = dict.fromkeys(COLLECTIONS, start)
        yield StreamEvent(data="RESYNC", event="resync")
        idle = 0.0
        while True:
            try:
                await asyncio.wait_for(wake.wait(), timeout=min(RECHECK_SECONDS, heartbeat))
            except TimeoutError:
                idle += min(RECHECK_SECONDS, heartbeat)
            wake.clear()
            sent = False
            for name in COLLECTIONS:
                while True:
                    documents, checkpoint = await pull(
                        db=db,
                        actor=actor,
                        collection=name,
                        checkpoint=checkpoints[name],
                        limit=PAGE,
                    )
                    if decode_checkpoint(checkpoint) > decode_checkpoint(checkpoints[name]):
                        checkpoints[name] = checkpoint or checkpoints[name]
                    if documents:
                        sent = True
                        body = {
                            "collection": name,
                            "documents": documents,
                            "checkpoint": checkpoints[name],
                        }
                        yield StreamEvent(data=msgspec.json.encode(body).decode(), event="changes")
                    if len(documents) < PAGE:
                        break
            if sent:
                idle = 0.0
            elif idle >= heartbeat:
                idle = 0.0
                yield StreamEvent(comment="heartbeat")
    finally:
        NOTIFIER.unsubscribe(actor.tenant_id, wake)
