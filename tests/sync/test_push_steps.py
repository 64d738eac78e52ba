"""Offline status steps land each with its own device time, and field edits at the first state
along the way where the caller may make them."""

from tests.factories import World
from tests.sync.test_push import (
    assigned_to,
    conflicts_of,
    edited,
    push,
    row,
    timeline,
)


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


async def test_steps_from_a_device_that_never_saw_the_work_order_are_not_applied(
    world: World,
) -> None:
    doc = await assigned_to(world)
    steps = [*doc["status_history"], {"status": "accepted", "at": "2026-11-25T06:00:00Z"}]
    new = edited(doc, status="accepted", status_history=steps)
    (answer,) = await push(world, "eng_a", "work_orders", [row(None, new)])
    assert answer["status"] == "assigned"
    assert [r["reason"] for r in await conflicts_of(world, doc["id"])] == [
        "the client never saw this state"
    ]
