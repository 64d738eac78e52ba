"""The work-order HTTP API: listing, paging, numbering, editing, captured metadata, notes and
checklist items, and the detail view."""

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.factories import World

WO_URL = "/api/v1/work-orders"
NUMBER = re.compile(r"^WO-(\d{4})-(\d{6})$")


def _error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert error["message"]
    return error


async def _ids(world: World, who: str, params: Any) -> set[str]:
    response = await world.call(who, "GET", WO_URL, params=params, expect=200)
    body = response.json()
    assert body["next_cursor"] is None
    return {item["id"] for item in body["items"]}


async def _detail(world: World, who: str, wo: str) -> dict[str, Any]:
    response = await world.call(who, "GET", f"{WO_URL}/{wo}", expect=200)
    detail: dict[str, Any] = response.json()
    return detail


# Listing ---------------------------------------------------------------------------------


async def test_list_filters(world: World) -> None:
    second_site = (
        await world.call("admin", "POST", "/api/v1/sites", json={"name": "Plant 2"}, expect=201)
    ).json()["id"]
    second_asset = (
        await world.call(
            "admin",
            "POST",
            "/api/v1/assets",
            json={"site_id": second_site, "device_code": "P2-CH-01"},
            expect=201,
        )
    ).json()["id"]
    full = {
        "site_id": str(world.site_id),
        "asset_id": str(world.asset_id),
        "customer_id": str(world.customer_id),
    }
    fresh = (await world.create_work_order(title="Door seal torn", priority="P1", **full))["id"]
    assigned = (
        await world.create_work_order(
            title="Compressor noisy",
            priority="P0",
            description="Rattling from the condenser fan",
            team_id=str(world.teams["team_b"]),
        )
    )["id"]
    await world.transition(
        "dispatcher", assigned, "assigned", assignee_id=str(world.users["eng_b"])
    )
    accepted = (
        await world.create_work_order(
            title="Alarm panel dead", site_id=second_site, asset_id=second_asset
        )
    )["id"]
    await world.transition(
        "dispatcher", accepted, "assigned", assignee_id=str(world.users["eng_a"])
    )
    await world.transition("eng_a", accepted, "accepted")
    everything = {fresh, assigned, accepted}

    assert await _ids(world, "dispatcher", {}) == everything
    assert await _ids(world, "dispatcher", [("status", "new"), ("status", "assigned")]) == {
        fresh,
        assigned,
    }
    assert await _ids(world, "dispatcher", {"status": "accepted"}) == {accepted}
    assert await _ids(world, "dispatcher", {"status": "closed"}) == set()
    assert await _ids(world, "dispatcher", {"priority": "P0"}) == {assigned}
    assert await _ids(world, "dispatcher", [("priority", "P0"), ("priority", "P1")]) == {
        fresh,
        assigned,
    }
    assert await _ids(world, "dispatcher", {"priority": "P2"}) == {accepted}
    assert await _ids(world, "dispatcher", {"team_id": str(world.teams["team_b"])}) == {assigned}
    assert await _ids(world, "dispatcher", {"team_id": str(world.teams["team_a"])}) == {
        fresh,
        accepted,
    }
    assert await _ids(world, "dispatcher", {"assignee_id": str(world.users["eng_a"])}) == {accepted}
    assert await _ids(world, "dispatcher", {"site_id": str(world.site_id)}) == {fresh}
    # an asset's site is filled in from the asset
    assert await _ids(world, "dispatcher", {"site_id": second_site}) == {accepted}
    assert await _ids(world, "dispatcher", {"asset_id": str(world.asset_id)}) == {fresh}
    assert await _ids(world, "dispatcher", {"asset_id": second_asset}) == {accepted}
    assert await _ids(world, "dispatcher", {"customer_id": str(world.customer_id)}) == {fresh}
    combined = {"status": "new", "priority": "P0"}
    assert await _ids(world, "dispatcher", combined) == set()

    # q searches title, description and number, case-insensitively
    assert await _ids(world, "dispatcher", {"q": "compressor"}) == {assigned}
    assert await _ids(world, "dispatcher", {"q": "SEAL"}) == {fresh}
    assert await _ids(world, "dispatcher", {"q": "condenser"}) == {assigned}
    assert await _ids(world, "dispatcher", {"q": "nothing like it"}) == set()
    number = (await _detail(world, "dispatcher", accepted))["work_order"]["number"]
    assert await _ids(world, "dispatcher", {"q": number}) == {accepted}
    assert await _ids(world, "dispatcher", {"q": f"  {number}  "}) == {accepted}

    # filters never widen an engineer's scope
    assert await _ids(world, "eng_a", {}) == {fresh, accepted}
    assert await _ids(world, "eng_a", {"team_id": str(world.teams["team_b"])}) == set()
    assert await _ids(world, "eng_b", {"q": "Door"}) == set()


async def test_text_search_is_literal(world: World) -> None:
    """``%``, ``_`` and ``\\`` typed by a person are characters, not LIKE wildcards."""
    percent = (await world.create_work_order(title="Cooling at 100% load"))["id"]
    thousand = (await world.create_work_order(title="Cooling at 1000 rpm"))["id"]
    underscore = (await world.create_work_order(title="Sensor T_1 offline"))["id"]
    plain = (await world.create_work_order(title="Sensor TX1 offline"))["id"]
    backslash = (await world.create_work_order(title="Path C:\\logs full"))["id"]
    assert await _ids(world, "dispatcher", {"q": "100%"}) == {percent}
    assert await _ids(world, "dispatcher", {"q": "T_1"}) == {underscore}
    assert await _ids(world, "dispatcher", {"q": "%"}) == {percent}
    assert await _ids(world, "dispatcher", {"q": "_"}) == {underscore}
    assert await _ids(world, "dispatcher", {"q": "C:\\logs"}) == {backslash}
    assert await _ids(world, "dispatcher", {"q": "\\"}) == {backslash}
    assert await _ids(world, "dispatcher", {"q": "sensor"}) == {underscore, plain}
    assert await _ids(world, "dispatcher", {"q": "1000"}) == {thousand}


async def test_list_filter_values_are_validated(world: World) -> None:
    for params in ({"status": "lost"}, {"priority": "P9"}, {"team_id": "not-a-uuid"}):
        response = await world.call("dispatcher", "GET", WO_URL, params=params, expect=422)
        error = _error(response)
        assert error["code"] == "validation_failed"
        assert [e["field"] for e in error["details"]["errors"]] == list(params)


async def test_list_is_tenant_scoped(world: World, other_world: World) -> None:
    mine = (await world.create_work_order())["id"]
    theirs = (await other_world.create_work_order())["id"]
    assert await _ids(world, "admin", {}) == {mine}
    assert await _ids(other_world, "admin", {}) == {theirs}
    response = await world.call("admin", "GET", f"{WO_URL}/{theirs}", expect=404)
    assert _error(response)["code"] == "not_found"


async def test_cursor_pagination_sees_everything_once_newest_first(world: World) -> None:
    created = [(await world.create_work_order(title=f"Unit {i}"))["id"] for i in range(7)]
    seen: list[str] = []
    pages: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 3}
        if cursor is not None:
            params["cursor"] = cursor
        response = await world.call("dispatcher", "GET", WO_URL, params=params, expect=200)
        body = response.json()
        pages.append(len(body["items"]))
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert len(pages) < 10, "the cursor never ends"
    assert pages == [3, 3, 1]
    assert seen == list(reversed(created))

    # an exact multiple of the page size ends with a null cursor, not an empty extra page
    whole = await world.call("dispatcher", "GET", WO_URL, params={"limit": 7}, expect=200)
    assert len(whole.json()["items"]) == 7
    assert whole.json()["next_cursor"] is None

    # the cursor composes with filters
    await world.transition("dispatcher", created[5], "cancelled", reason="dup")
    first = await world.call(
        "dispatcher", "GET", WO_URL, params={"limit": 2, "status": "new"}, expect=200
    )
    second = await world.call(
        "dispatcher",
        "GET",
        WO_URL,
        params={"limit": 10, "status": "new", "cursor": first.json()["next_cursor"]},
        expect=200,
    )
    ids = [i["id"] for i in first.json()["items"]] + [i["id"] for i in second.json()["items"]]
    assert ids == [wo for wo in reversed(created) if wo != created[5]]
    assert second.json()["next_cursor"] is None


async def test_bad_cursor_and_limits_are_refused_with_the_envelope(world: World) -> None:
    await world.create_work_order()
    for garbage in ("garbage!!", "bm90LWpzb24", "WzEsMl0", "W10"):
        response = await world.call(
            "dispatcher", "GET", WO_URL, params={"cursor": garbage}, expect=422
        )
        error = _error(response)
        assert error["code"] == "validation_failed"
        assert error["details"] == {"field": "cursor"}
    for limit in ("0", "500", "-1", "many"):
        response = await world.call(
            "dispatcher", "GET", WO_URL, params={"limit": limit}, expect=422
        )
        error = _error(response)
        assert error["code"] == "validation_failed"
        assert any(e["field"] == "limit" for e in error["details"]["errors"])


# Numbering ------------------------------------------------------------------------------


async def test_numbers_are_per_tenant_and_increment(world: World, other_world: World) -> None:
    mine = [await world.create_work_order() for _ in range(3)]
    theirs = [await other_world.create_work_order() for _ in range(2)]
    for batch in (mine, theirs):
        parsed = [NUMBER.match(wo["number"]) for wo in batch]
        assert all(parsed), [wo["number"] for wo in batch]
        years = {int(m.group(1)) for m in parsed if m}
        assert years == {datetime.fromisoformat(batch[0]["created_at"]).year}
        assert [int(m.group(2)) for m in parsed if m] == list(range(1, len(batch) + 1))
    assert len({wo["number"] for wo in mine}) == 3
    # an engineer's own work order takes the next number too
    engineer_made = await world.create_work_order("eng_a")
    assert engineer_made["number"].endswith("-000004")


# Editing --------------------------------------------------------------------------------


async def test_patch_with_a_stale_version_is_refused(world: World) -> None:
    wo = (await world.create_work_order(title="Original"))["id"]
    await world.call("dispatcher", "PATCH", f"{WO_URL}/{wo}", json={"priority": "P1"}, expect=200)
    response = await world.call(
        "dispatcher",
        "PATCH",
        f"{WO_URL}/{wo}",
        json={"title": "Stale edit", "expected_version": 1},
        expect=409,
    )
    error = _error(response)
    assert error["code"] == "version_conflict"
    assert error["details"] == {"expected_version": 1, "current_version": 2}
    detail = await _detail(world, "dispatcher", wo)
    assert detail["work_order"]["title"] == "Original"
    assert detail["work_order"]["version"] == 2

    ok = await world.call(
        "dispatcher",
        "PATCH",
        f"{WO_URL}/{wo}",
        json={"title": "Fresh edit", "expected_version": 2},
        expect=200,
    )
    assert ok.json()["work_order"]["version"] == 3
    stale_transition = await world.transition(
        "dispatcher", wo, "cancelled", expect=409, reason="x", expected_version=2
    )
    assert _error(stale_transition)["code"] == "version_conflict"


async def test_patch_records_an_updated_event_with_before_and_after(world: World) -> None:
    wo = (await world.create_work_order(title="Freezer warm", priority="P2"))["id"]
    response = await world.call(
        "dispatcher",
        "PATCH",
        f"{WO_URL}/{wo}",
        json={"title": "Freezer at -5C", "priority": "P0", "tags": ["urgent"]},
        expect=200,
    )
    detail = response.json()
    assert detail["work_order"]["title"] == "Freezer at -5C"
    assert detail["work_order"]["priority"] == "P0"
    assert detail["work_order"]["tags"] == ["urgent"]
    assert detail["work_order"]["version"] == 2
    event = detail["timeline"][-1]
    assert event["action"] == "updated"
    assert event["actor_id"] == str(world.users["dispatcher"])
    assert event["actor_role"] == "dispatcher"
    assert event["before"] == {"title": "Freezer warm", "priority": "P2", "tags": []}
    assert event["after"] == {"title": "Freezer at -5C", "priority": "P0", "tags": ["urgent"]}

    # sending the current values changes nothing: no new version, no event
    again = await world.call(
        "dispatcher", "PATCH", f"{WO_URL}/{wo}", json={"priority": "P0"}, expect=200
    )
    assert again.json()["work_order"]["version"] == 2
    assert len(again.json()["timeline"]) == len(detail["timeline"])


async def test_patch_references_are_checked(world: World, other_world: World) -> None:
    wo = (await world.create_work_order())["id"]
    response = await world.call(
        "dispatcher",
        "PATCH",
        f"{WO_URL}/{wo}",
        json={"site_id": str(other_world.site_id)},
        expect=422,
    )
    assert _error(response)["code"] == "invalid_reference"
    assert _error(response)["details"]["field"] == "site_id"
    assert (await _detail(world, "dispatcher", wo))["work_order"]["site_id"] is None


# Captured metadata ----------------------------------------------------------------------


async def test_create_captures_request_metadata_and_ignores_a_typed_one(world: World) -> None:
    headers = {
        **world.headers["eng_a"],
        "User-Agent": "FieldOps-Android/2.7.1",
        "X-App-Version": "2.7.1",
        "X-Device-Id": "pixel-8-0042",
        "X-Trace-Id": "trace-abc.123",
        "X-Forwarded-For": "203.0.113.9",
    }
    body = {
        "title": "Evaporator iced",
        "channel": "app",
        "metadata": {
            "app_version": "9.9.9",
            "device_id": "forged",
            "ip": "10.0.0.1",
            "trace_id": "forged",
        },
    }
    # A client connecting from a known socket address; X-Forwarded-For is untrusted by default.
    app: Any = world.client.app
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 40123))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as phone:
        response = await phone.post(WO_URL, json=body, headers=headers)
    assert response.status_code == 201, response.text
    work_order = response.json()["work_order"]
    expected = {
        "app_version": "2.7.1",
        "device_id": "pixel-8-0042",
        "ip": "198.51.100.7",
        "trace_id": "trace-abc.123",
        "user_agent": "FieldOps-Android/2.7.1",
    }
    assert work_order["metadata"] == expected
    assert work_order["channel"] == "app"
    assert work_order["team_id"] == str(world.teams["team_a"])
    created = response.json()["timeline"][0]
    assert created["action"] == "created"
    assert created["metadata"] == expected

    # Reading it back through another caller's request shows the stored capture.
    detail = await _detail(world, "dispatcher", work_order["id"])
    assert detail["work_order"]["metadata"] == expected

    # Later events capture the metadata of their own request.
    moved = await world.client.post(
        f"{WO_URL}/{work_order['id']}/transitions",
        json={"target": "assigned", "assignee_id": str(world.users["eng_a"])},
        headers={**world.headers["dispatcher"], "X-App-Version": "web-1.0"},
    )
    assert moved.status_code == 200, moved.text
    event = moved.json()["timeline"][-1]
    assert event["metadata"]["app_version"] == "web-1.0"
    assert event["metadata"]["device_id"] == ""
    assert event["metadata"]["trace_id"] not in ("", "trace-abc.123")
    assert moved.json()["work_order"]["metadata"] == expected


# Notes and checklist items --------------------------------------------------------------


async def test_notes_are_idempotent_with_a_client_id(world: World) -> None:
    wo = (await world.create_work_order())["id"]
    note_id = str(uuid.uuid4())
    body = {"id": note_id, "body": "Arrived, door jammed.", "occurred_at": "2026-03-01T08:00:00Z"}
    first = await world.call("dispatcher", "POST", f"{WO_URL}/{wo}/notes", json=body, expect=201)
    second = await world.call("dispatcher", "POST", f"{WO_URL}/{wo}/notes", json=body, expect=201)
    assert first.json() == second.json()
    assert first.json()["id"] == note_id
    assert first.json()["author_id"] == str(world.users["dispatcher"])
    assert first.json()["author_name"] == "Dispatcher"
    assert datetime.fromisoformat(first.json()["device_time"]) == datetime(
        2026, 3, 1, 8, tzinfo=UTC
    )
    listed = await world.call("dispatcher", "GET", f"{WO_URL}/{wo}/notes", expect=200)
    assert [n["id"] for n in listed.json()["items"]] == [note_id]
    detail = await _detail(world, "dispatcher", wo)
    assert [e["action"] for e in detail["timeline"]].count("note_added") == 1

    # the same id on another work order is a clash, not a silent move
    other = (await world.create_work_order())["id"]
    clash = await world.call("dispatcher", "POST", f"{WO_URL}/{other}/notes", json=body, expect=409)
    assert _error(clash)["code"] == "already_exists"
    assert (await _detail(world, "dispatcher", other))["notes"] == []


async def test_checklist_items_are_idempotent_and_updates_are_versioned(world: World) -> None:
    wo = (await world.create_work_order())["id"]
    item_id = str(uuid.uuid4())
    body = {"id": item_id, "label": "Check door seal", "required": True}
    url = f"{WO_URL}/{wo}/checklist"
    first = await world.call("dispatcher", "POST", url, json=body, expect=201)
    second = await world.call("dispatcher", "POST", url, json=body, expect=201)
    assert first.json() == second.json()
    item = first.json()
    assert item["id"] == item_id
    assert item["version"] == 1
    assert item["done"] is False
    assert item["position"] == 0
    listed = await world.call("dispatcher", "GET", url, expect=200)
    assert [i["id"] for i in listed.json()["items"]] == [item_id]
    extra = await world.call("dispatcher", "POST", url, json={"label": "Defrost"}, expect=201)
    assert extra.json()["position"] == 1

    updated = await world.call(
        "dispatcher",
        "PATCH",
        f"{url}/{item_id}",
        json={"done": True, "value": "ok", "occurred_at": "2026-03-01T09:30:00+08:00"},
        expect=200,
    )
    assert updated.json()["version"] == 2
    assert updated.json()["done"] is True
    assert updated.json()["value"] == "ok"
    detail = await _detail(world, "dispatcher", wo)
    actions = [e["action"] for e in detail["timeline"]]
    assert actions == [
        "created",
        "checklist_item_added",
        "checklist_item_added",
        "checklist_item_updated",
    ]
    event = detail["timeline"][-1]
    assert event["before"] == {"item_id": item_id, "done": False, "value": ""}
    assert event["after"] == {"item_id": item_id, "done": True, "value": "ok"}
    assert datetime.fromisoformat(event["device_time"]) == datetime(2026, 3, 1, 1, 30, tzinfo=UTC)

    # an update that changes nothing does not bump the version
    same = await world.call("dispatcher", "PATCH", f"{url}/{item_id}", json={"done": True})
    assert same.json()["version"] == 2
    missing = await world.call(
        "dispatcher", "PATCH", f"{url}/{uuid.uuid4()}", json={"done": True}, expect=404
    )
    assert _error(missing)["code"] == "not_found"


async def test_engineer_ticks_items_while_working_but_not_after_resolving(world: World) -> None:
    wo = (await world.create_work_order())["id"]
    url = f"{WO_URL}/{wo}/checklist"
    item = (await world.call("dispatcher", "POST", url, json={"label": "Seal"}, expect=201)).json()
    await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users["eng_a"]))

    early = await world.call(
        "eng_a", "PATCH", f"{url}/{item['id']}", json={"done": True}, expect=403
    )
    assert _error(early)["code"] == "field_not_editable"
    assert _error(early)["details"] == {"fields": ["checklist"], "status": "assigned"}

    for target in ("accepted", "on_site", "in_progress"):
        await world.transition("eng_a", wo, target)
    ticked = await world.call(
        "eng_a", "PATCH", f"{url}/{item['id']}", json={"done": True}, expect=200
    )
    assert ticked.json()["done"] is True
    assert ticked.json()["updated_by_id"] == str(world.users["eng_a"])
    added = await world.call("eng_a", "POST", url, json={"label": "Photo of gauge"}, expect=201)
    # a team-mate who is not the assignee may not touch it
    await world.call("eng_a2", "PATCH", f"{url}/{item['id']}", json={"done": False}, expect=403)

    await world.add_required_evidence(wo)
    await world.transition("eng_a", wo, "resolved")
    late = await world.call(
        "eng_a", "PATCH", f"{url}/{added.json()['id']}", json={"done": True}, expect=403
    )
    assert _error(late)["code"] == "field_not_editable"
    assert _error(late)["details"]["status"] == "resolved"
    refused_add = await world.call("eng_a", "POST", url, json={"label": "Late"}, expect=403)
    assert _error(refused_add)["code"] == "field_not_editable"
    items = (await world.call("eng_a", "GET", url, expect=200)).json()["items"]
    assert [(i["label"], i["done"]) for i in items] == [("Seal", True), ("Photo of gauge", False)]
    # dispatch roles maintain the checklist until the work order is closed
    await world.call(
        "supervisor", "PATCH", f"{url}/{added.json()['id']}", json={"done": True}, expect=200
    )


# Detail view -----------------------------------------------------------------------------


async def test_detail_includes_references_and_the_callers_next_states(world: World) -> None:
    wo = (
        await world.create_work_order(
            site_id=str(world.site_id),
            asset_id=str(world.asset_id),
            customer_id=str(world.customer_id),
        )
    )["id"]
    detail = await _detail(world, "dispatcher", wo)
    assert detail["site"]["id"] == str(world.site_id)
    assert detail["site"]["name"] == "Cold store 1"
    assert detail["asset"]["id"] == str(world.asset_id)
    assert detail["asset"]["device_code"] == "CS-FR-0012"
    assert detail["customer"]["id"] == str(world.customer_id)
    assert detail["customer"]["name"] == "Cold Chain Co"
    assert detail["assignee"] is None
    assert detail["allowed_transitions"] == ["assigned", "cancelled"]
    assert "priority" in detail["editable_fields"]

    assigned = (
        await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users["eng_a"]))
    ).json()
    assert assigned["assignee"] == {
        "id": str(world.users["eng_a"]),
        "display_name": "Eng A",
        "phone": "+86 138 0000 0000",
    }
    assert assigned["allowed_transitions"] == ["assigned", "cancelled"]
    assert (await _detail(world, "eng_a", wo))["allowed_transitions"] == ["accepted"]
    assert (await _detail(world, "eng_a2", wo))["allowed_transitions"] == []
    await world.transition("eng_a", wo, "accepted")
    engineer_view = await _detail(world, "eng_a", wo)
    assert engineer_view["allowed_transitions"] == ["en_route", "on_site"]
    assert engineer_view["editable_fields"] == ["asset_id", "description", "environment", "tags"]
    assert engineer_view["site"]["id"] == str(world.site_id)
    bare = (await world.create_work_order())["id"]
    bare_detail = await _detail(world, "dispatcher", bare)
    assert (bare_detail["site"], bare_detail["asset"], bare_detail["customer"]) == (
        None,
        None,
        None,
    )


async def test_device_time_is_stored_beside_server_time(world: World) -> None:
    wo = (await world.create_work_order())["id"]
    response = await world.transition(
        "dispatcher",
        wo,
        "assigned",
        assignee_id=str(world.users["eng_a"]),
        occurred_at="2026-01-02T03:04:05.678+08:00",
    )
    event = response.json()["timeline"][-1]
    assert event["action"] == "transition:assign"
    assert datetime.fromisoformat(event["device_time"]) == datetime(
        2026, 1, 1, 19, 4, 5, 678000, tzinfo=UTC
    )
    server_time = datetime.fromisoformat(event["server_time"])
    created = response.json()["timeline"][0]
    assert server_time.tzinfo is not None
    assert server_time >= datetime.fromisoformat(created["server_time"])
    # the device's clock is kept beside, never instead of, the server's
    assert server_time != datetime.fromisoformat(event["device_time"])
    assert created["device_time"] is None
    # without occurred_at the device time stays empty
    accepted = await world.transition("eng_a", wo, "accepted")
    assert accepted.json()["timeline"][-1]["device_time"] is None
