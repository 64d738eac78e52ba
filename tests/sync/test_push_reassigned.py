"""Offline work on a work order that was reassigned away meanwhile: notes are kept for the new
assignee, every other change is listed in /sync/conflicts; nothing is dropped silently."""

import asyncio
import uuid
from datetime import timedelta

from kernel.clock import utcnow
from tests.factories import World
from tests.sync.test_push import (
    assigned_to,
    checklist_item,
    conflicts_of,
    edited,
    push,
    row,
    server_doc,
)
from workorders.tables import WorkOrderEvent


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


async def test_notes_from_a_former_assignee_are_kept_only_for_a_week(world: World) -> None:
    doc = await assigned_to(world)
    await world.transition(
        "dispatcher", doc["id"], "assigned", assignee_id=str(world.users["eng_b"])
    )
    fresh = {"id": str(uuid.uuid4()), "work_order_id": doc["id"], "body": "written offline"}
    await push(world, "eng_a", "work_order_notes", [row(None, fresh)])
    await WorkOrderEvent.update({WorkOrderEvent.server_time: utcnow() - timedelta(days=8)}).where(
        (WorkOrderEvent.work_order == uuid.UUID(doc["id"]))
        & (WorkOrderEvent.action == "transition:reassign")
    )
    late = {"id": str(uuid.uuid4()), "work_order_id": doc["id"], "body": "weeks later"}
    assert await push(world, "eng_a", "work_order_notes", [row(None, late)]) == [
        {"id": late["id"], "_deleted": True}
    ]
    notes = (await world.call("eng_b", "GET", f"/api/v1/work-orders/{doc['id']}/notes")).json()
    assert [n["body"] for n in notes["items"]] == ["written offline"]
    (record,) = await conflicts_of(world, late["id"])
    assert (record["field"], record["client_value"]) == ("body", "weeks later")
    never = await world.create_work_order()
    stray = {"id": str(uuid.uuid4()), "work_order_id": never["id"], "body": "not mine"}
    await push(world, "eng_a", "work_order_notes", [row(None, stray)], expect=404)


async def test_a_note_pushed_while_the_work_order_is_reassigned_follows_it(
    world: World,
) -> None:
    for _ in range(5):
        doc = await assigned_to(world)
        note = {"id": str(uuid.uuid4()), "work_order_id": doc["id"], "body": "on my way"}
        await asyncio.gather(
            push(world, "eng_a", "work_order_notes", [row(None, note)]),
            world.transition(
                "dispatcher", doc["id"], "assigned", assignee_id=str(world.users["eng_a2"])
            ),
        )
        assert (await server_doc(world, "eng_a2", "work_order_notes", note["id"]))["body"]
