"""What a push answers: merge outcomes are conflicts (never a 4xx, which would wedge the replica),
malformed input is a 4xx naming the row, and the answer carries everything the server stored
differently from what the device sent, so a replica never keeps stale fields."""

import asyncio
import uuid
from typing import Any

from tests.factories import World
from tests.sync.test_pull import pull
from tests.sync.test_push import (
    assigned_to,
    checklist_item,
    edited,
    push,
    server_doc,
    timeline,
)


def row(base: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    return {"assumedMasterState": base, "newDocumentState": new}


async def conflicts_of(world: World, document_id: str) -> list[dict[str, Any]]:
    response = await world.call(
        "dispatcher", "GET", "/api/v1/sync/conflicts", params={"document_id": document_id}
    )
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def dispatcher_doc(world: World, work_order_id: str) -> dict[str, Any]:
    return await server_doc(world, "dispatcher", "work_orders", work_order_id)


async def test_reassigning_a_cancelled_work_order_offline_is_a_conflict_not_an_error(
    world: World,
) -> None:
    cancelled = await assigned_to(world)
    other = await assigned_to(world)
    base, other_base = (
        await dispatcher_doc(world, cancelled["id"]),
        await dispatcher_doc(world, other["id"]),
    )
    await world.transition("dispatcher", cancelled["id"], "cancelled", reason="duplicate")
    answer = await push(
        world,
        "dispatcher",
        "work_orders",
        [
            row(base, edited(base, assignee_id=str(world.users["eng_b"]))),
            row(other_base, edited(other_base, title="Second freezer too warm")),
        ],
    )
    by_id = {doc["id"]: doc for doc in answer}
    assert by_id[cancelled["id"]]["status"] == "cancelled"
    assert by_id[cancelled["id"]]["assignee_id"] == str(world.users["eng_a"])
    assert (await dispatcher_doc(world, other["id"]))["title"] == "Second freezer too warm"
    records = await conflicts_of(world, cancelled["id"])
    assert [r["field"] for r in records] == ["assignee_id"]
    assert "cancelled" in records[0]["reason"]


async def test_unassigning_through_sync_is_a_conflict(world: World) -> None:
    doc = await assigned_to(world)
    base = await dispatcher_doc(world, doc["id"])
    answer = await push(
        world, "dispatcher", "work_orders", [row(base, edited(base, assignee_id=None))]
    )
    assert answer[0]["assignee_id"] == str(world.users["eng_a"])
    assert [r["field"] for r in await conflicts_of(world, doc["id"])] == ["assignee_id"]


async def test_reassigning_to_someone_who_cannot_take_work_is_a_conflict(world: World) -> None:
    doc = await assigned_to(world)
    base = await dispatcher_doc(world, doc["id"])
    for assignee in (world.users["supervisor"], uuid.uuid4()):
        answer = await push(
            world, "dispatcher", "work_orders", [row(base, edited(base, assignee_id=str(assignee)))]
        )
        assert answer[0]["assignee_id"] == str(world.users["eng_a"])
    assert [r["field"] for r in await conflicts_of(world, doc["id"])] == ["assignee_id"] * 2


async def test_values_outside_the_rest_limits_are_refused_naming_row_and_field(
    world: World,
) -> None:
    doc = await assigned_to(world)
    base = await dispatcher_doc(world, doc["id"])
    for change, field in (
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"tags": [f"t{i}" for i in range(31)]}, "tags"),
        ({"environment": "e" * 201}, "environment"),
    ):
        error = (
            await push(
                world, "dispatcher", "work_orders", [row(base, edited(base, **change))], expect=422
            )
        )["error"]
        assert error["code"] == "validation_failed", change
        assert (error["details"]["index"], error["details"]["field"]) == (0, field)
    note = {"id": str(uuid.uuid4()), "work_order_id": doc["id"], "body": "n" * 20_001}
    error = (await push(world, "eng_a", "work_order_notes", [row(None, note)], expect=422))["error"]
    assert (error["code"], error["details"]["field"]) == ("validation_failed", "body")
    listed = (await world.call("eng_a", "GET", f"/api/v1/work-orders/{doc['id']}/notes")).json()
    assert listed["items"] == []


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


async def test_accepting_and_editing_in_one_document_keeps_the_edit(world: World) -> None:
    doc = await assigned_to(world)
    new = edited(doc, status="accepted", environment="roof unit, 35°C ambient")
    (answer,) = await push(world, "eng_a", "work_orders", [row(doc, new)])
    assert (answer["status"], answer["environment"]) == ("accepted", "roof unit, 35°C ambient")
    assert await conflicts_of(world, doc["id"]) == []


async def test_an_edit_made_before_resolving_is_applied_before_the_lock(world: World) -> None:
    doc = await assigned_to(world)
    (started,) = await push(
        world, "eng_a", "work_orders", [row(doc, edited(doc, status="in_progress"))]
    )
    await world.add_required_evidence(doc["id"])
    new = edited(started, status="resolved", description="Replaced the defrost heater")
    (answer,) = await push(world, "eng_a", "work_orders", [row(started, new)])
    assert (answer["status"], answer["description"]) == ("resolved", "Replaced the defrost heater")
    assert await conflicts_of(world, doc["id"]) == []


async def test_each_offline_step_lands_with_its_own_device_time(world: World) -> None:
    doc = await assigned_to(world)
    steps = [
        {"status": "accepted", "at": "2026-11-25T06:00:00Z"},
        {"status": "en_route", "at": "2026-11-25T06:05:00Z"},
        {"status": "on_site", "at": "2026-11-25T06:45:00Z"},
        {"status": "in_progress", "at": "2026-11-25T06:50:00Z"},
    ]
    new = edited(doc, status="in_progress", status_history=[*doc["status_history"], *steps])
    (answer,) = await push(world, "eng_a", "work_orders", [row(doc, new)])
    assert answer["status"] == "in_progress"
    assert [(s["status"], s["at"]) for s in answer["status_history"][-4:]] == [
        (s["status"], s["at"]) for s in steps
    ]
    detail = (await world.call("dispatcher", "GET", f"/api/v1/work-orders/{doc['id']}")).json()
    transitions = [e for e in detail["timeline"] if e["action"].startswith("transition:")][-4:]
    assert [(e["action"], e["device_time"]) for e in transitions] == [
        ("transition:accept", "2026-11-25T06:00:00Z"),
        ("transition:travel", "2026-11-25T06:05:00Z"),
        ("transition:arrive", "2026-11-25T06:45:00Z"),
        ("transition:start", "2026-11-25T06:50:00Z"),
    ]
    # A replay (the answer was lost) applies nothing twice and records no conflict.
    assert await push(world, "eng_a", "work_orders", [row(doc, new)]) == [answer]
    assert await timeline(world, doc["id"]) == [e["action"] for e in detail["timeline"]]
    assert await conflicts_of(world, doc["id"]) == []


async def test_a_hold_and_resume_offline_are_both_recorded(world: World) -> None:
    doc = await assigned_to(world)
    (started,) = await push(
        world, "eng_a", "work_orders", [row(doc, edited(doc, status="in_progress"))]
    )
    steps = [
        {"status": "on_hold", "at": "2026-11-25T07:00:00Z", "hold_reason": "parts"},
        {"status": "in_progress", "at": "2026-11-25T09:30:00Z"},
    ]
    new = edited(started, status_history=[*started["status_history"], *steps])
    await push(world, "eng_a", "work_orders", [row(started, new)])
    assert (await timeline(world, doc["id"]))[-2:] == ["transition:hold", "transition:resume"]


async def test_an_illegal_step_in_the_history_stops_there_as_a_conflict(world: World) -> None:
    doc = await assigned_to(world)
    await world.transition("dispatcher", doc["id"], "cancelled", reason="customer fixed it")
    steps = [{"status": "accepted", "at": "2026-11-25T06:00:00Z"}]
    new = edited(doc, status="accepted", status_history=[*doc["status_history"], *steps])
    (answer,) = await push(world, "dispatcher", "work_orders", [row(doc, new)])
    assert answer["status"] == "cancelled"
    assert [r["field"] for r in await conflicts_of(world, doc["id"])] == ["status"]


async def test_offline_work_on_a_work_order_reassigned_away_is_kept_or_listed(
    world: World,
) -> None:
    doc = await assigned_to(world)
    item = await checklist_item(world, doc["id"])
    (started,) = await push(
        world, "eng_a", "work_orders", [row(doc, edited(doc, status="in_progress"))]
    )
    stored_item = await server_doc(world, "eng_a", "checklist_items", item["id"])
    await world.transition(
        "dispatcher", doc["id"], "assigned", assignee_id=str(world.users["eng_b"])
    )

    note = {
        "id": str(uuid.uuid4()),
        "work_order_id": doc["id"],
        "body": "Compressor was already replaced last year",
        "device_time": "2026-11-25T08:00:00Z",
    }
    assert await push(world, "eng_a", "work_order_notes", [row(None, note)]) == [
        {"id": note["id"], "_deleted": True}
    ]
    notes = (await world.call("eng_b", "GET", f"/api/v1/work-orders/{doc['id']}/notes")).json()
    assert [(n["body"], n["author_id"], n["device_time"]) for n in notes["items"]] == [
        (note["body"], str(world.users["eng_a"]), "2026-11-25T08:00:00Z")
    ]
    assert await push(
        world, "eng_a", "work_orders", [row(started, edited(started, description="iced"))]
    ) == [{"id": doc["id"], "_deleted": True}]
    assert await push(
        world,
        "eng_a",
        "checklist_items",
        [row(stored_item, edited(stored_item, done=True, value="-18"))],
    ) == [{"id": item["id"], "_deleted": True}]
    records = await conflicts_of(world, doc["id"])
    assert [(r["field"], r["client_value"]) for r in records] == [("description", "iced")]
    assert "reassigned" in records[0]["reason"]
    item_records = await conflicts_of(world, item["id"])
    assert sorted((r["field"], r["client_value"]) for r in item_records) == [
        ("done", True),
        ("value", "-18"),
    ]


async def test_checklist_changes_the_server_cannot_take_are_listed(world: World) -> None:
    doc = await assigned_to(world)
    item = await checklist_item(world, doc["id"])
    stored_item = await server_doc(world, "eng_a", "checklist_items", item["id"])
    new_item = {
        "id": str(uuid.uuid4()),
        "work_order_id": doc["id"],
        "label": "Photo of label",
        "position": 3,
    }
    # Assigned, not accepted: the engineer may not touch the checklist yet.
    answer = await push(
        world,
        "eng_a",
        "checklist_items",
        [row(None, new_item), row(stored_item, edited(stored_item, _deleted=True))],
    )
    assert answer == [
        {"id": new_item["id"], "_deleted": True},
        stored_item,
    ]
    listed = await conflicts_of(world, new_item["id"])
    assert sorted((r["field"], r["client_value"]) for r in listed) == [
        ("label", "Photo of label"),
        ("position", 3),  # a bare number in a JSON column (SQLite's numeric affinity)
    ]
    assert [r["field"] for r in await conflicts_of(world, item["id"])] == ["_deleted"]


async def test_conflict_reasons_read_well(world: World) -> None:
    doc = await assigned_to(world)
    await push(world, "eng_a", "work_orders", [row(doc, edited(doc, title="Mine now"))])
    (record,) = await conflicts_of(world, doc["id"])
    assert record["reason"].startswith("an engineer may not change title")


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


async def test_each_offline_step_on_a_work_order_reassigned_away_is_listed(
    world: World,
) -> None:
    doc = await assigned_to(world)
    await world.transition(
        "dispatcher", doc["id"], "assigned", assignee_id=str(world.users["eng_b"])
    )
    steps = [
        {"status": "accepted", "at": "2026-11-25T06:00:00Z"},
        {"status": "en_route", "at": "2026-11-25T06:05:00Z"},
    ]
    new = edited(doc, status="en_route", status_history=[*doc["status_history"], *steps])
    assert await push(world, "eng_a", "work_orders", [row(doc, new)]) == [
        {"id": doc["id"], "_deleted": True}
    ]
    records = await conflicts_of(world, doc["id"])
    assert sorted((r["field"], r["client_value"]) for r in records) == [
        ("status", "accepted"),
        ("status", "en_route"),
    ]
