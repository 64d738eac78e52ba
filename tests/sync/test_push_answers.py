"""The answer carries everything the server stored differently from what the device sent, so a
replica never keeps stale fields; a replay (the answer was lost) applies nothing twice and
undoes nothing that happened after it."""

import asyncio
import uuid

from tests.factories import World
from tests.sync.test_pull import pull
from tests.sync.test_push import (
    assigned_to,
    conflicts_of,
    edited,
    push,
    row,
    server_doc,
    timeline,
)


async def test_the_answer_carries_what_the_server_stored_for_a_new_note(world: World) -> None:
    doc = await assigned_to(world)
    note = {
        "id": str(uuid.uuid4()),
        "work_order_id": doc["id"],
        "body": "Evaporator iced up",
        "device_time": "2026-11-25T06:00:00+08:00",
        "_deleted": False,
    }
    (stored,) = await push(world, "eng_a", "work_order_notes", [row(None, note)])
    pulled = await server_doc(world, "eng_a", "work_order_notes", note["id"])
    assert stored == pulled
    assert stored["author_id"] == str(world.users["eng_a"])
    assert stored["created_at"] is not None
    # Adopting the answer leaves nothing to push; a replay of the original answers it again.
    assert await push(world, "eng_a", "work_order_notes", [row(stored, stored)]) == []
    assert await push(world, "eng_a", "work_order_notes", [row(None, note)]) == [stored]


async def test_the_answer_carries_the_new_version_of_an_edited_work_order(world: World) -> None:
    doc = await assigned_to(world)
    new = edited(doc, status="in_progress", description="Fan seized")
    (answer,) = await push(world, "eng_a", "work_orders", [row(doc, new)])
    assert answer == await server_doc(world, "eng_a", "work_orders", doc["id"])
    assert answer["version"] > doc["version"]
    assert answer["updated_at"] != doc["updated_at"]
    assert (answer["status"], answer["description"]) == ("in_progress", "Fan seized")
    assert await conflicts_of(world, doc["id"]) == []  # a fuller answer is not a conflict record
    # The answer was lost and the device pushes the same change again: it gets the stored state.
    assert await push(world, "eng_a", "work_orders", [row(doc, new)]) == [answer]
    assert await push(world, "eng_a", "work_orders", [row(answer, answer)]) == []


async def test_a_pull_that_overtakes_the_answer_does_not_change_it(world: World) -> None:
    """The slow-link case: the push's answer arrives after a pull already carried the new
    version. The answer is what the device must adopt, whatever the pull said."""
    doc = await assigned_to(world)
    new = edited(doc, status="accepted")
    answer = await push(world, "eng_a", "work_orders", [row(doc, new)])
    page = await pull(world, "eng_a", "work_orders")
    pulled = {d["id"]: d for d in page["documents"]}[doc["id"]]
    assert answer == [pulled]


async def test_a_push_racing_its_own_retry_gets_the_same_answer(world: World) -> None:
    doc = await assigned_to(world)
    notes = [
        {"id": str(uuid.uuid4()), "work_order_id": doc["id"], "body": f"note {i}"} for i in range(3)
    ]
    new = edited(doc, status="on_site")
    work_orders, notes_rows = [row(doc, new)], [row(None, n) for n in notes]
    answers = await asyncio.gather(
        *(push(world, "eng_a", "work_order_notes", notes_rows) for _ in range(3)),
        *(push(world, "eng_a", "work_orders", work_orders) for _ in range(3)),
    )
    assert answers[0] == answers[1] == answers[2]
    assert answers[3] == answers[4] == answers[5]
    listed = (await world.call("eng_a", "GET", f"/api/v1/work-orders/{doc['id']}/notes")).json()
    assert len(listed["items"]) == 3
    assert (await timeline(world, doc["id"])).count("transition:arrive") == 1


async def test_a_replay_does_not_undo_what_happened_after_the_push(world: World) -> None:
    """The push landed, its answer was lost, and the work order moved on (resumed through the
    API, reopened by the dispatcher) before the device sent the same push again."""
    doc = await assigned_to(world)
    await push(world, "eng_a", "work_orders", [row(doc, edited(doc, status="in_progress"))])
    for sends_steps in (True, False):  # an app appending steps, and one sending no steps
        current = await server_doc(world, "eng_a", "work_orders", doc["id"])
        held = edited(current, status="on_hold", hold_reason="parts")
        if sends_steps:
            step = {"status": "on_hold", "at": "2026-11-25T07:00:00Z", "hold_reason": "parts"}
            held["status_history"] = [*current["status_history"], step]
        await push(world, "eng_a", "work_orders", [row(current, held)])  # its answer is lost
        await world.transition("eng_a", doc["id"], "in_progress")
        before = await timeline(world, doc["id"])
        (answer,) = await push(world, "eng_a", "work_orders", [row(current, held)])
        assert answer["status"] == "in_progress"
        assert await timeline(world, doc["id"]) == before
    await world.add_required_evidence(doc["id"])
    current = await server_doc(world, "eng_a", "work_orders", doc["id"])
    resolve = [{"status": "resolved", "at": "2026-11-25T09:00:00Z"}]
    resolved = edited(
        current, status="resolved", status_history=[*current["status_history"], *resolve]
    )
    await push(world, "eng_a", "work_orders", [row(current, resolved)])
    await world.transition("dispatcher", doc["id"], "in_progress", reason="still too warm")
    before = await timeline(world, doc["id"])
    (answer,) = await push(world, "eng_a", "work_orders", [row(current, resolved)])
    assert (answer["status"], await timeline(world, doc["id"])) == ("in_progress", before)
    assert await conflicts_of(world, doc["id"]) == []


async def test_a_replay_after_the_work_order_left_records_nothing_that_landed(
    world: World,
) -> None:
    doc = await assigned_to(world)
    accepted = edited(doc, status="accepted")
    await push(world, "eng_a", "work_orders", [row(doc, accepted)])  # landed; answer lost
    await world.transition(
        "dispatcher", doc["id"], "assigned", assignee_id=str(world.users["eng_b"])
    )
    assert await push(world, "eng_a", "work_orders", [row(doc, accepted)]) == [
        {"id": doc["id"], "_deleted": True}
    ]
    assert await conflicts_of(world, doc["id"]) == []
