"""A replayed push that changes nothing is answered without SQLite's write lock: a device
retrying after a lost answer never queues behind the writers."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from kernel.db import Database
from tests.factories import World
from tests.sync.test_pull import pull_all
from tests.sync.test_push import assigned_to, edited, push, row


@asynccontextmanager
async def write_lock_held(db: Database) -> AsyncIterator[None]:
    """Another use case's write transaction, open for as long as the block runs."""
    holding, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with db.transaction():
            holding.set()
            await release.wait()

    task = asyncio.create_task(writer())
    await holding.wait()
    try:
        yield
    finally:
        release.set()
        await task


def new_note(work_order_id: str) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "work_order_id": work_order_id, "body": "Fan replaced"}


async def test_a_replayed_push_is_answered_while_a_writer_holds_the_lock(world: World) -> None:
    work_order = await assigned_to(world)
    accepted = [row(work_order, edited(work_order, status="accepted"))]
    notes = [row(None, new_note(work_order["id"])) for _ in range(3)]
    first = await push(world, "eng_a", "work_orders", accepted)
    first_notes = await push(world, "eng_a", "work_order_notes", notes)
    db: Database = world.client.app.state.services.db
    async with write_lock_held(db):
        again = await asyncio.wait_for(push(world, "eng_a", "work_orders", accepted), 5)
        again_notes = await asyncio.wait_for(push(world, "eng_a", "work_order_notes", notes), 5)
        one_more = [row(None, new_note(work_order["id"]))]
        changing = asyncio.create_task(push(world, "eng_a", "work_order_notes", one_more))
        await asyncio.sleep(0.3)
        # A push that changes something waits for the writer on SQLite (one at a time); on
        # PostgreSQL writers do not queue so.
        assert changing.done() is db.writers_race
    assert again == first
    assert again_notes == first_notes
    assert [note["id"] for note in await changing] == [one_more[0]["newDocumentState"]["id"]]


async def test_a_rehearsed_push_that_changes_something_applies_once(world: World) -> None:
    """Half replayed, half new: the rehearsal stops at the new note and the batch applies
    once, in a write transaction."""
    work_order = await assigned_to(world)
    old = [row(None, new_note(work_order["id"])) for _ in range(2)]
    await push(world, "eng_a", "work_order_notes", old)
    fresh = row(None, new_note(work_order["id"]))
    answered = await push(world, "eng_a", "work_order_notes", [*old, fresh])
    assert sorted(note["id"] for note in answered) == sorted(
        r["newDocumentState"]["id"] for r in [*old, fresh]
    )
    stored, _ = await pull_all(world, "dispatcher", "work_order_notes")
    on_it = [note for note in stored.values() if note["work_order_id"] == work_order["id"]]
    assert len(on_it) == 3
