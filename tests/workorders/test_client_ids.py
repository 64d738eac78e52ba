"""Ids that devices make (notes, checklist items) are unique per tenant, not across tenants:
another tenant's id is a fresh id to a rival (201, as any), so a 409 cannot confirm that it
exists elsewhere, and neither side's rows change."""

import uuid

from tests.factories import World

WO_URL = "/api/v1/work-orders"


async def test_another_tenants_note_and_item_ids_are_fresh_ids_here(
    world: World, other_world: World
) -> None:
    theirs = (await other_world.create_work_order())["id"]
    note_id, item_id = str(uuid.uuid4()), str(uuid.uuid4())
    await other_world.call(
        "dispatcher",
        "POST",
        f"{WO_URL}/{theirs}/notes",
        json={"id": note_id, "body": "theirs"},
        expect=201,
    )
    await other_world.call(
        "dispatcher",
        "POST",
        f"{WO_URL}/{theirs}/checklist",
        json={"id": item_id, "label": "theirs"},
        expect=201,
    )

    mine = (await world.create_work_order())["id"]
    note = await world.call(
        "dispatcher",
        "POST",
        f"{WO_URL}/{mine}/notes",
        json={"id": note_id, "body": "mine"},
        expect=201,
    )
    item = await world.call(
        "dispatcher",
        "POST",
        f"{WO_URL}/{mine}/checklist",
        json={"id": item_id, "label": "mine"},
        expect=201,
    )
    assert (note.json()["id"], note.json()["body"]) == (note_id, "mine")
    assert (item.json()["id"], item.json()["label"]) == (item_id, "mine")
    done = await world.call(
        "dispatcher",
        "PATCH",
        f"{WO_URL}/{mine}/checklist/{item_id}",
        json={"done": True},
        expect=200,
    )
    assert done.json()["done"] is True

    # Each tenant sees its own row under the shared id, unchanged by the other.
    their_notes = (await other_world.call("dispatcher", "GET", f"{WO_URL}/{theirs}/notes")).json()
    assert [(n["id"], n["body"]) for n in their_notes["items"]] == [(note_id, "theirs")]
    their_items = (
        await other_world.call("dispatcher", "GET", f"{WO_URL}/{theirs}/checklist")
    ).json()
    assert [(i["id"], i["label"], i["done"]) for i in their_items["items"]] == [
        (item_id, "theirs", False)
    ]
    my_notes = (await world.call("dispatcher", "GET", f"{WO_URL}/{mine}/notes")).json()
    assert [(n["id"], n["body"]) for n in my_notes["items"]] == [(note_id, "mine")]


async def test_a_tenants_own_id_on_another_work_order_is_still_a_clash(world: World) -> None:
    first, second = (await world.create_work_order())["id"], (await world.create_work_order())["id"]
    body = {"id": str(uuid.uuid4()), "body": "once"}
    await world.call("dispatcher", "POST", f"{WO_URL}/{first}/notes", json=body, expect=201)
    clash = await world.call(
        "dispatcher", "POST", f"{WO_URL}/{second}/notes", json=body, expect=409
    )
    assert clash.json()["error"]["code"] == "already_exists"
