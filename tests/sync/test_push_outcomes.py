"""Merge outcomes are conflicts, never a 4xx (which would wedge the replica: RxDB retries a
failed batch forever); malformed input or a value outside the REST limits is a 4xx naming the
row."""

import asyncio
import uuid

from tests.factories import World
from tests.sync.test_push import (
    assigned_to,
    checklist_item,
    conflicts_of,
    dispatcher_doc,
    edited,
    push,
    row,
    server_doc,
)


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


async def test_an_asset_moved_to_another_site_meanwhile_is_a_conflict(world: World) -> None:
    doc = await assigned_to(world)
    base = await dispatcher_doc(world, doc["id"])
    site = (
        await world.call(
            "admin",
            "POST",
            "/api/v1/sites",
            json={"name": "Cold store 2", "customer_id": str(world.customer_id)},
            expect=201,
        )
    ).json()
    asset = (
        await world.call(
            "admin",
            "POST",
            "/api/v1/assets",
            json={"site_id": site["id"], "device_code": "CS-FR-0099"},
            expect=201,
        )
    ).json()
    new = edited(base, site_id=site["id"], asset_id=asset["id"])
    await world.call(
        "admin",
        "PATCH",
        f"/api/v1/assets/{asset['id']}",
        json={"site_id": str(world.site_id)},
        expect=200,
    )
    (answer,) = await push(world, "dispatcher", "work_orders", [row(base, new)])
    assert (answer["site_id"], answer["asset_id"]) == (site["id"], base["asset_id"])
    assert [r["field"] for r in await conflicts_of(world, doc["id"])] == ["asset_id"]


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


async def test_two_devices_ticking_one_item_at_once_leave_a_conflict(world: World) -> None:
    doc = await assigned_to(world)
    await push(world, "eng_a", "work_orders", [row(doc, edited(doc, status="in_progress"))])
    item = await checklist_item(world, doc["id"])
    base = await server_doc(world, "eng_a", "checklist_items", item["id"])
    await asyncio.gather(
        push(world, "eng_a", "checklist_items", [row(base, edited(base, value="-18"))]),
        push(world, "dispatcher", "checklist_items", [row(base, edited(base, value="-25"))]),
    )
    final = await server_doc(world, "dispatcher", "checklist_items", item["id"])
    (record,) = await conflicts_of(world, item["id"])
    assert {final["value"], record["client_value"]} == {"-18", "-25"}
    assert final["version"] == 2


async def test_a_deleted_document_keeps_its_other_changes(world: World) -> None:
    doc = await assigned_to(world)
    (started,) = await push(
        world, "eng_a", "work_orders", [row(doc, edited(doc, status="in_progress"))]
    )
    item = await server_doc(
        world, "eng_a", "checklist_items", (await checklist_item(world, doc["id"]))["id"]
    )
    (answer,) = await push(
        world, "eng_a", "checklist_items", [row(item, edited(item, value="-18", _deleted=True))]
    )
    assert (answer["value"], answer["_deleted"]) == ("-18", False)
    (answer,) = await push(
        world,
        "eng_a",
        "work_orders",
        [row(started, edited(started, description="iced", _deleted=True))],
    )
    assert (answer["description"], answer["_deleted"]) == ("iced", False)
    for document_id in (item["id"], doc["id"]):
        assert [r["field"] for r in await conflicts_of(world, document_id)] == ["_deleted"]


async def test_conflict_reasons_read_well(world: World) -> None:
    doc = await assigned_to(world)
    await push(world, "eng_a", "work_orders", [row(doc, edited(doc, title="Mine now"))])
    (record,) = await conflicts_of(world, doc["id"])
    assert record["reason"].startswith("an engineer may not change title")


async def test_hostile_status_steps_are_refused_naming_the_field(world: World) -> None:
    doc = await assigned_to(world)
    step = {"status": "accepted", "at": "2026-11-25T06:00:00Z"}
    for steps in (
        [step] * 101,
        [{**step, "status": "flying"}],
        [{"status": "accepted"}],
        [{**step, "at": "not a time"}],
        [[[[]]]],
        "nope",
        [{**step, "status": "on_hold", "hold_reason": "x" * 10_000}],
    ):
        new = edited(doc, status="accepted", status_history=steps)
        error = (await push(world, "eng_a", "work_orders", [row(doc, new)], expect=422))["error"]
        assert (error["code"], error["details"]["field"]) == ("validation_failed", "status_history")
    stale = edited(doc, status_history="x")
    error = (
        await push(
            world, "eng_a", "work_orders", [row(stale, edited(doc, status="accepted"))], expect=422
        )
    )["error"]
    assert error["details"]["part"] == "assumedMasterState"
    assert (await server_doc(world, "eng_a", "work_orders", doc["id"]))["status"] == "assigned"
