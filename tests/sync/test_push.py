"""Push: offline chains of transitions, replays, three-way merges, role and lock rules as
conflicts, reassignment while offline, append-only notes, checklist merges, bad input."""

import uuid
from typing import Any

from tests.factories import World
from tests.sync.test_pull import pull_all


async def push(
    world: World, who: str, collection: str, rows: list[dict[str, Any]], expect: int = 200
) -> Any:
    response = await world.call(
        who, "POST", f"/api/v1/sync/{collection}/push", json=rows, expect=expect
    )
    return response.json()


async def server_doc(world: World, who: str, collection: str, doc_id: str) -> dict[str, Any]:
    state, _ = await pull_all(world, who, collection)
    return state[doc_id]


async def assigned_to(world: World, engineer: str = "eng_a") -> dict[str, Any]:
    wo = await world.create_work_order()
    await world.transition(
        "dispatcher", wo["id"], "assigned", assignee_id=str(world.users[engineer])
    )
    return await server_doc(world, engineer, "work_orders", wo["id"])


async def checklist_item(
    world: World, work_order_id: str, label: str = "Record temperature"
) -> dict[str, Any]:
    """A checklist item the dispatcher adds through the API."""
    url = f"/api/v1/work-orders/{work_order_id}/checklist"
    response = await world.call("dispatcher", "POST", url, json={"label": label}, expect=201)
    item: dict[str, Any] = response.json()
    return item


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


def edited(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**doc, **changes}


async def timeline(world: World, wo_id: str) -> list[str]:
    detail = (
        await world.call("dispatcher", "GET", f"/api/v1/work-orders/{wo_id}", expect=200)
    ).json()
    return [e["action"] for e in detail["timeline"]]


async def test_an_offline_chain_of_transitions_lands_as_legal_steps(world: World) -> None:
    doc = await assigned_to(world)
    new = edited(doc, status="in_progress", occurred_at="2026-11-25T06:00:00+08:00")
    answer = await push(
        world, "eng_a", "work_orders", [{"assumedMasterState": doc, "newDocumentState": new}]
    )
    assert answer == [await server_doc(world, "eng_a", "work_orders", doc["id"])]
    assert answer[0]["status"] == "in_progress"
    actions = await timeline(world, doc["id"])
    assert actions[-3:] == ["transition:accept", "transition:arrive", "transition:start"]
    detail = (await world.call("dispatcher", "GET", f"/api/v1/work-orders/{doc['id']}")).json()
    assert detail["timeline"][-1]["device_time"].startswith("2026-11-24T22:00:00")

    replay = await push(
        world, "eng_a", "work_orders", [{"assumedMasterState": doc, "newDocumentState": new}]
    )
    assert replay == answer  # the stored state again, for a device whose answer was lost
    assert await timeline(world, doc["id"]) == actions  # a replay changes nothing


async def test_a_push_that_changes_nothing_but_the_devices_clock_hands_the_document_back(
    world: World,
) -> None:
    """A device that steps to the status the server already holds (a dispatcher got there
    first) sends its clock (``occurred_at``), which no document carries: nothing is written,
    and the stored document comes back, so the device drops the field as a pull would have
    (found by a random RxDB seed: the replica kept it for good)."""
    doc = await assigned_to(world)
    same = edited(doc, occurred_at="2026-11-25T06:00:00+08:00")
    answer = await push(
        world, "eng_a", "work_orders", [{"assumedMasterState": doc, "newDocumentState": same}]
    )
    assert answer == [doc]
    assert "occurred_at" not in answer[0]
    plain = await push(
        world, "eng_a", "work_orders", [{"assumedMasterState": doc, "newDocumentState": doc}]
    )
    assert plain == []


async def test_fields_the_engineer_may_not_set_come_back_as_conflicts(world: World) -> None:
    doc = await assigned_to(world)
    await push(
        world,
        "eng_a",
        "work_orders",
        [{"assumedMasterState": doc, "newDocumentState": edited(doc, status="in_progress")}],
    )
    doc = await server_doc(world, "eng_a", "work_orders", doc["id"])
    new = edited(
        doc,
        description="Condenser fan seized",
        priority="P0",
        title="Mine now",
        assignee_id=str(world.users["eng_a2"]),
    )
    conflicts = await push(
        world, "eng_a", "work_orders", [{"assumedMasterState": doc, "newDocumentState": new}]
    )
    assert len(conflicts) == 1
    server = conflicts[0]
    assert server["description"] == "Condenser fan seized"  # allowed: applied
    assert (server["priority"], server["title"], server["assignee_id"]) == (
        doc["priority"],
        doc["title"],
        doc["assignee_id"],
    )
    records = (
        await world.call(
            "dispatcher",
            "GET",
            "/api/v1/sync/conflicts",
            params={"document_id": doc["id"]},
            expect=200,
        )
    ).json()["items"]
    assert sorted(r["field"] for r in records) == ["assignee_id", "priority", "title"]
    assert all(r["actor_id"] == str(world.users["eng_a"]) for r in records)
    assert {r["field"]: r["client_value"] for r in records}["priority"] == "P0"
    await world.call("eng_a", "GET", "/api/v1/sync/conflicts", expect=403)


async def test_both_sides_changed_the_same_field_server_wins(world: World) -> None:
    doc = await assigned_to(world)
    await push(
        world,
        "eng_a",
        "work_orders",
        [{"assumedMasterState": doc, "newDocumentState": edited(doc, status="in_progress")}],
    )
    base = await server_doc(world, "eng_a", "work_orders", doc["id"])
    await world.call(
        "dispatcher",
        "PATCH",
        f"/api/v1/work-orders/{doc['id']}",
        json={"description": "dispatcher's words"},
        expect=200,
    )
    conflicts = await push(
        world,
        "eng_a",
        "work_orders",
        [
            {
                "assumedMasterState": base,
                "newDocumentState": edited(base, description="engineer's words", tags=["leak"]),
            }
        ],
    )
    assert conflicts[0]["description"] == "dispatcher's words"
    assert conflicts[0]["tags"] == ["leak"]  # changed on one side only: merged in


async def test_terminal_states_are_sticky(world: World) -> None:
    doc = await assigned_to(world)
    await world.transition("dispatcher", doc["id"], "cancelled", reason="customer fixed it")
    conflicts = await push(
        world,
        "eng_a",
        "work_orders",
        [
            {
                "assumedMasterState": doc,
                "newDocumentState": edited(doc, status="in_progress"),
            }
        ],
    )
    assert conflicts[0]["status"] == "cancelled"
    records = (
        await world.call(
            "dispatcher", "GET", "/api/v1/sync/conflicts", params={"document_id": doc["id"]}
        )
    ).json()["items"]
    assert [r["field"] for r in records] == ["status"]
    assert "cancelled" in records[0]["reason"]


async def test_a_work_order_reassigned_while_offline_is_dropped_from_the_device(
    world: World,
) -> None:
    doc = await assigned_to(world)
    await world.transition(
        "dispatcher", doc["id"], "assigned", assignee_id=str(world.users["eng_b"])
    )
    conflicts = await push(
        world,
        "eng_a",
        "work_orders",
        [
            {
                "assumedMasterState": doc,
                "newDocumentState": edited(doc, status="accepted"),
            }
        ],
    )
    assert conflicts == [{"id": doc["id"], "_deleted": True}]
    assert (await server_doc(world, "eng_b", "work_orders", doc["id"]))["status"] == "assigned"


async def test_notes_made_offline_land_once_and_stay_append_only(world: World) -> None:
    doc = await assigned_to(world)
    notes = [
        {
            "id": str(uuid.uuid4()),
            "work_order_id": doc["id"],
            "body": f"note {i}",
            "device_time": "2026-11-25T01:00:00Z",
            "_deleted": False,
        }
        for i in range(3)
    ]
    rows = [{"assumedMasterState": None, "newDocumentState": n} for n in notes]
    stored = await push(world, "eng_a", "work_order_notes", rows)  # with author and server time
    assert [n["id"] for n in stored] == [n["id"] for n in notes]
    assert await push(world, "eng_a", "work_order_notes", rows) == stored  # replay
    adopted = [{"assumedMasterState": n, "newDocumentState": n} for n in stored]
    assert await push(world, "eng_a", "work_order_notes", adopted) == []
    listed = (await world.call("eng_a", "GET", f"/api/v1/work-orders/{doc['id']}/notes")).json()
    assert sorted(n["body"] for n in listed["items"]) == ["note 0", "note 1", "note 2"]
    changed = edited(notes[0], body="rewritten")
    conflicts = await push(
        world,
        "eng_a",
        "work_order_notes",
        [{"assumedMasterState": notes[0], "newDocumentState": changed}],
    )
    assert conflicts[0]["body"] == "note 0"


async def test_checklist_ticks_merge_and_lock_after_resolve(world: World) -> None:
    doc = await assigned_to(world)
    item = await checklist_item(world, doc["id"])
    await push(
        world,
        "eng_a",
        "work_orders",
        [{"assumedMasterState": doc, "newDocumentState": edited(doc, status="in_progress")}],
    )
    stored = await server_doc(world, "eng_a", "checklist_items", item["id"])
    ticked = edited(stored, done=True, value="-18.5")
    answer = await push(
        world,
        "eng_a",
        "checklist_items",
        [{"assumedMasterState": stored, "newDocumentState": ticked}],
    )
    stored = await server_doc(world, "eng_a", "checklist_items", item["id"])
    assert answer == [stored]  # a new version, by whom and when
    assert (stored["done"], stored["value"]) == (True, "-18.5")
    await world.add_required_evidence(doc["id"])
    await world.transition("eng_a", doc["id"], "resolved")
    conflicts = await push(
        world,
        "eng_a",
        "checklist_items",
        [{"assumedMasterState": stored, "newDocumentState": edited(stored, value="-10")}],
    )
    assert conflicts[0]["value"] == "-18.5"


async def test_a_bad_row_fails_the_whole_batch_and_names_itself(world: World) -> None:
    doc = await assigned_to(world)
    good = {"id": str(uuid.uuid4()), "work_order_id": doc["id"], "body": "fine"}
    bad = {"id": str(uuid.uuid4()), "work_order_id": doc["id"], "body": 5}
    error = (
        await push(
            world,
            "eng_a",
            "work_order_notes",
            [
                {"assumedMasterState": None, "newDocumentState": good},
                {"assumedMasterState": None, "newDocumentState": bad},
            ],
            expect=422,
        )
    )["error"]
    assert error["code"] == "validation_failed"
    assert (error["details"]["index"], error["details"]["document_id"]) == (1, bad["id"])
    assert error["details"]["field"] == "body"
    listed = (await world.call("eng_a", "GET", f"/api/v1/work-orders/{doc['id']}/notes")).json()
    assert listed["items"] == []  # the good row was not applied either


async def test_push_refuses_foreign_unknown_and_read_only(world: World, other_world: World) -> None:
    doc = await assigned_to(world)
    foreign = await other_world.call(
        "dispatcher",
        "POST",
        "/api/v1/sync/work_orders/push",
        json=[{"assumedMasterState": doc, "newDocumentState": doc}],
        expect=404,
    )
    assert foreign.json()["error"]["details"]["index"] == 0
    unassigned = await world.create_work_order()
    await world.call(
        "eng_a",
        "POST",
        "/api/v1/sync/work_orders/push",
        expect=404,
        json=[{"assumedMasterState": None, "newDocumentState": {**doc, "id": unassigned["id"]}}],
    )
    await world.call("eng_a", "POST", "/api/v1/sync/invoices/push", json=[], expect=404)
    site = await server_doc(world, "dispatcher", "sites", str(world.site_id))
    ro = await world.call(
        "eng_a",
        "POST",
        "/api/v1/sync/sites/push",
        expect=403,
        json=[{"assumedMasterState": site, "newDocumentState": site}],
    )
    assert ro.json()["error"]["code"] == "forbidden"
    rows = [{"assumedMasterState": None, "newDocumentState": {"id": str(uuid.uuid4())}}] * 501
    too_many = await world.call(
        "eng_a", "POST", "/api/v1/sync/work_order_notes/push", json=rows, expect=413
    )
    assert too_many.json()["error"]["code"] == "payload_too_large"
    shapeless = await world.call(
        "eng_a",
        "POST",
        "/api/v1/sync/work_orders/push",
        json=[{"newDocumentState": "nope"}],
        expect=422,
    )
    assert shapeless.json()["error"]["code"] == "validation_failed"


async def test_a_note_id_used_in_another_tenant_is_a_fresh_id_here(
    world: World, other_world: World
) -> None:
    """Device-made ids are unique per tenant: a rival's id is stored as this tenant's own."""
    theirs = await assigned_to(other_world)
    taken = str(uuid.uuid4())
    note = {"work_order_id": theirs["id"], "body": "theirs", "device_time": None}
    pushed = [{"assumedMasterState": None, "newDocumentState": {"id": taken, **note}}]
    assert len(await push(other_world, "eng_a", "work_order_notes", pushed)) == 1

    mine = await assigned_to(world)
    row = {
        "assumedMasterState": None,
        "newDocumentState": {"id": taken, "work_order_id": mine["id"], "body": "mine"},
    }
    await push(world, "eng_a", "work_order_notes", [row])
    listed = (await world.call("eng_a", "GET", f"/api/v1/work-orders/{mine['id']}/notes")).json()
    assert [(n["id"], n["body"]) for n in listed["items"]] == [(taken, "mine")]
    their = (
        await other_world.call("eng_a", "GET", f"/api/v1/work-orders/{theirs['id']}/notes")
    ).json()
    assert [(n["id"], n["body"]) for n in their["items"]] == [(taken, "theirs")]


async def test_a_note_id_the_tenant_used_on_another_work_order_answers_the_stored_note(
    world: World,
) -> None:
    """Within a tenant the id names the stored note: the push gets it back (a conflict the
    device adopts), never a second note under the same id."""
    first, second = await assigned_to(world), await assigned_to(world)
    taken = str(uuid.uuid4())
    note = {"work_order_id": first["id"], "body": "first", "device_time": None}
    await push(
        world,
        "eng_a",
        "work_order_notes",
        [{"assumedMasterState": None, "newDocumentState": {"id": taken, **note}}],
    )
    fresh = str(uuid.uuid4())
    rows = [
        {
            "assumedMasterState": None,
            "newDocumentState": {"id": i, "work_order_id": second["id"], "body": "second"},
        }
        for i in (fresh, taken)
    ]
    answers = {d["id"]: d for d in await push(world, "eng_a", "work_order_notes", rows)}
    assert (answers[taken]["body"], answers[taken]["work_order_id"]) == ("first", first["id"])
    listed = (await world.call("eng_a", "GET", f"/api/v1/work-orders/{second['id']}/notes")).json()
    assert [n["id"] for n in listed["items"]] == [fresh]
