"""Who may do what, through the HTTP API: refusals are clear (code, status, details) and
leave the work order untouched."""

from typing import Any

from tests.factories import World

WO_URL = "/api/v1/work-orders"


def _error(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert error["message"]
    return error


async def _get(world: World, who: str, wo: str, expect: int = 200) -> Any:
    return await world.call(who, "GET", f"{WO_URL}/{wo}", expect=expect)


async def _list_ids(world: World, who: str) -> set[str]:
    response = await world.call(who, "GET", WO_URL, expect=200)
    return {item["id"] for item in response.json()["items"]}


async def _assigned(world: World, engineer: str = "eng_a", **fields: Any) -> str:
    work_order = await world.create_work_order(**fields)
    wo: str = work_order["id"]
    await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users[engineer]))
    return wo


async def _in_progress(world: World, engineer: str = "eng_a") -> str:
    wo = await _assigned(world, engineer)
    for target in ("accepted", "on_site", "in_progress"):
        await world.transition(engineer, wo, target)
    return wo


async def test_engineer_cannot_assign(world: World) -> None:
    wo = (await world.create_work_order())["id"]
    response = await world.transition(
        "eng_a", wo, "assigned", expect=409, assignee_id=str(world.users["eng_a"])
    )
    error = _error(response)
    assert error["code"] == "illegal_transition"
    assert error["details"] == {"current": "new", "target": "assigned", "allowed": []}
    detail = (await _get(world, "dispatcher", wo)).json()
    assert detail["work_order"]["status"] == "new"
    assert detail["work_order"]["assignee_id"] is None
    assert detail["work_order"]["version"] == 1


async def test_engineer_sees_only_own_team_or_own_assignments(world: World) -> None:
    own_team = (await world.create_work_order(team_id=str(world.teams["team_a"])))["id"]
    other_team = (await world.create_work_order(team_id=str(world.teams["team_b"])))["id"]
    assigned_elsewhere = await _assigned(world, "eng_a", team_id=str(world.teams["team_b"]))

    refused = await _get(world, "eng_a", other_team, expect=404)
    assert _error(refused)["code"] == "not_found"
    assert (await _get(world, "eng_a", own_team)).json()["work_order"]["id"] == own_team
    mine = (await _get(world, "eng_a", assigned_elsewhere)).json()
    assert mine["work_order"]["assignee_id"] == str(world.users["eng_a"])

    assert await _list_ids(world, "eng_a") == {own_team, assigned_elsewhere}
    assert await _list_ids(world, "eng_b") == {other_team, assigned_elsewhere}
    assert await _list_ids(world, "dispatcher") == {own_team, other_team, assigned_elsewhere}

    # Out of scope is out of scope for writes too, with the same 404.
    for method, url, body in (
        ("PATCH", f"{WO_URL}/{other_team}", {"description": "x"}),
        ("POST", f"{WO_URL}/{other_team}/notes", {"body": "hello"}),
        ("POST", f"{WO_URL}/{other_team}/transitions", {"target": "cancelled", "reason": "x"}),
        ("GET", f"{WO_URL}/{other_team}/notes", None),
    ):
        response = await world.call("eng_a", method, url, json=body, expect=404)
        assert _error(response)["code"] == "not_found"


async def test_engineer_cannot_edit_after_resolved_but_can_still_comment(world: World) -> None:
    wo = await _in_progress(world)
    await world.call(
        "eng_a", "PATCH", f"{WO_URL}/{wo}", json={"description": "compressor swapped"}, expect=200
    )
    await world.add_required_evidence(wo)
    before = (await world.transition("eng_a", wo, "resolved")).json()
    assert before["editable_fields"] == []

    for body in ({"title": "Renamed"}, {"description": "rewritten after the fact"}):
        response = await world.call("eng_a", "PATCH", f"{WO_URL}/{wo}", json=body, expect=403)
        error = _error(response)
        assert error["code"] == "field_not_editable"
        assert error["details"]["fields"] == list(body)
        assert error["details"]["status"] == "resolved"
        assert error["details"]["editable_fields"] == []

    after = (await _get(world, "eng_a", wo)).json()
    assert after["work_order"] == before["work_order"]
    assert after["work_order"]["description"] == "compressor swapped"

    note = await world.call(
        "eng_a", "POST", f"{WO_URL}/{wo}/notes", json={"body": "Customer signed."}, expect=201
    )
    assert note.json()["body"] == "Customer signed."
    detail = (await _get(world, "eng_a", wo)).json()
    assert [n["body"] for n in detail["notes"]] == ["Customer signed."]
    assert detail["timeline"][-1]["action"] == "note_added"


async def test_engineer_may_not_edit_request_title_even_while_working(world: World) -> None:
    wo = await _in_progress(world)
    response = await world.call(
        "eng_a", "PATCH", f"{WO_URL}/{wo}", json={"title": "Mine now"}, expect=403
    )
    assert _error(response)["code"] == "field_not_editable"
    assert _error(response)["details"]["editable_fields"] == [
        "asset_id",
        "description",
        "environment",
        "tags",
    ]


async def test_dispatcher_cannot_resolve(world: World) -> None:
    wo = await _in_progress(world)
    response = await world.transition("dispatcher", wo, "resolved", expect=409)
    error = _error(response)
    assert error["code"] == "illegal_transition"
    assert error["details"]["allowed"] == ["assigned", "cancelled"]
    assert (await _get(world, "dispatcher", wo)).json()["work_order"]["status"] == "in_progress"


async def test_only_the_assignee_accepts(world: World) -> None:
    wo = await _assigned(world, "eng_a")
    # eng_a2 is in the same team, so sees it, but it is not theirs.
    seen = (await _get(world, "eng_a2", wo)).json()
    assert seen["allowed_transitions"] == []
    response = await world.transition("eng_a2", wo, "accepted", expect=409)
    error = _error(response)
    assert error["code"] == "illegal_transition"
    assert error["details"]["allowed"] == []
    assert "assigned engineer" in error["message"]
    await world.transition("eng_a", wo, "accepted")


async def test_supervisor_verifies_and_closes(world: World) -> None:
    wo = await _in_progress(world)
    await world.add_required_evidence(wo)
    await world.transition("eng_a", wo, "resolved")
    assert (await world.transition("eng_a", wo, "verified", expect=409)).json()["error"][
        "code"
    ] == "illegal_transition"
    verified = (await world.transition("supervisor", wo, "verified")).json()
    assert verified["work_order"]["status"] == "verified"
    closed = (await world.transition("supervisor", wo, "closed")).json()
    assert closed["work_order"]["status"] == "closed"
    assert closed["work_order"]["closed_at"] is not None
    assert closed["allowed_transitions"] == []
    assert [e["actor_role"] for e in closed["timeline"][-2:]] == ["supervisor", "supervisor"]


async def test_cancel_needs_a_reason(world: World) -> None:
    wo = (await world.create_work_order())["id"]
    for fields in ({}, {"reason": "   "}):
        response = await world.transition("dispatcher", wo, "cancelled", expect=422, **fields)
        error = _error(response)
        assert error["code"] == "validation_failed"
        assert error["details"] == {"field": "reason"}
    detail = (await _get(world, "dispatcher", wo)).json()
    assert detail["work_order"]["status"] == "new"
    assert detail["work_order"]["version"] == 1

    cancelled = (
        await world.transition("dispatcher", wo, "cancelled", reason="Duplicate of WO-1")
    ).json()
    assert cancelled["work_order"]["status"] == "cancelled"
    assert cancelled["timeline"][-1]["action"] == "transition:cancel"
    assert cancelled["timeline"][-1]["reason"] == "Duplicate of WO-1"


async def test_reopen_needs_a_reason(world: World) -> None:
    wo = await _in_progress(world)
    await world.add_required_evidence(wo)
    await world.transition("eng_a", wo, "resolved")
    response = await world.transition("dispatcher", wo, "in_progress", expect=422)
    assert _error(response)["details"] == {"field": "reason"}
    reopened = (
        await world.transition("dispatcher", wo, "in_progress", reason="Still too warm")
    ).json()
    assert reopened["work_order"]["status"] == "in_progress"
    assert reopened["work_order"]["resolved_at"] is None
    assert reopened["timeline"][-1]["action"] == "transition:reopen"


async def test_hold_needs_a_hold_reason(world: World) -> None:
    wo = await _in_progress(world)
    response = await world.transition("eng_a", wo, "on_hold", expect=422)
    error = _error(response)
    assert error["code"] == "validation_failed"
    assert error["details"] == {"field": "hold_reason"}
    assert (await _get(world, "eng_a", wo)).json()["work_order"]["status"] == "in_progress"

    bad = await world.transition("eng_a", wo, "on_hold", expect=422, hold_reason="lunch")
    assert _error(bad)["code"] == "validation_failed"

    held = (await world.transition("eng_a", wo, "on_hold", hold_reason="parts")).json()
    assert held["work_order"]["status"] == "on_hold"
    assert held["work_order"]["hold_reason"] == "parts"
    assert held["timeline"][-1]["after"] == {"status": "on_hold", "hold_reason": "parts"}
    resumed = (await world.transition("eng_a", wo, "in_progress")).json()
    assert resumed["work_order"]["hold_reason"] is None
    assert resumed["timeline"][-1]["action"] == "transition:resume"


async def test_reassign_moves_the_work_order_to_the_new_engineer(world: World) -> None:
    # team_a's work order, first given to eng_b of team_b.
    wo = await _assigned(world, "eng_b", team_id=str(world.teams["team_a"]))
    await world.transition("eng_b", wo, "accepted")
    assert wo in await _list_ids(world, "eng_b")

    same = await world.transition(
        "dispatcher", wo, "assigned", expect=409, assignee_id=str(world.users["eng_b"])
    )
    assert _error(same)["code"] == "illegal_transition"
    assert (await _get(world, "dispatcher", wo)).json()["work_order"]["status"] == "accepted"

    moved = (
        await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users["eng_a"]))
    ).json()
    assert moved["work_order"]["status"] == "assigned"
    assert moved["work_order"]["assignee_id"] == str(world.users["eng_a"])
    assert moved["assignee"]["id"] == str(world.users["eng_a"])
    event = moved["timeline"][-1]
    assert event["action"] == "transition:reassign"
    assert event["before"] == {"status": "accepted", "assignee_id": str(world.users["eng_b"])}
    assert event["after"] == {"status": "assigned", "assignee_id": str(world.users["eng_a"])}

    gone = await _get(world, "eng_b", wo, expect=404)
    assert _error(gone)["code"] == "not_found"
    assert wo not in await _list_ids(world, "eng_b")
    refused = await world.transition("eng_b", wo, "en_route", expect=404)
    assert _error(refused)["code"] == "not_found"
    await world.transition("eng_a", wo, "accepted")


async def test_only_active_engineers_can_be_assigned(world: World) -> None:
    wo = (await world.create_work_order())["id"]
    missing = await world.transition("dispatcher", wo, "assigned", expect=422)
    assert _error(missing)["code"] == "validation_failed"
    assert _error(missing)["details"] == {"field": "assignee_id"}

    for who in ("dispatcher", "supervisor", "admin"):
        response = await world.transition(
            "dispatcher", wo, "assigned", expect=422, assignee_id=str(world.users[who])
        )
        error = _error(response)
        assert error["code"] == "invalid_reference"
        assert error["details"] == {"field": "assignee_id", "id": str(world.users[who])}

    await world.call(
        "admin",
        "PATCH",
        f"/api/v1/users/{world.users['eng_a2']}",
        json={"is_active": False},
        expect=200,
    )
    disabled = await world.transition(
        "dispatcher", wo, "assigned", expect=422, assignee_id=str(world.users["eng_a2"])
    )
    assert _error(disabled)["code"] == "invalid_reference"
    assert _error(disabled)["details"]["field"] == "assignee_id"

    unknown = "00000000-0000-4000-8000-000000000000"
    nobody = await world.transition("dispatcher", wo, "assigned", expect=422, assignee_id=unknown)
    assert _error(nobody)["code"] == "invalid_reference"

    detail = (await _get(world, "dispatcher", wo)).json()
    assert detail["work_order"]["status"] == "new"
    assert detail["work_order"]["version"] == 1
    assert [e["action"] for e in detail["timeline"]] == ["created"]


async def test_another_tenants_engineer_cannot_be_assigned(
    world: World, other_world: World
) -> None:
    wo = (await world.create_work_order())["id"]
    foreign = str(other_world.users["eng_a"])
    response = await world.transition("dispatcher", wo, "assigned", expect=422, assignee_id=foreign)
    assert _error(response)["code"] == "invalid_reference"


async def test_users_and_teams_are_written_by_admins_only(world: World) -> None:
    new_user = {
        "username": "eng_new",
        "display_name": "Eng New",
        "password": "another-long-password",
        "role": "engineer",
    }
    for who in ("dispatcher", "supervisor", "eng_a"):
        response = await world.call(who, "POST", "/api/v1/users", json=new_user, expect=403)
        error = _error(response)
        assert error["code"] == "forbidden"
        assert error["details"]["required_roles"] == ["admin"]
        team = await world.call(who, "POST", "/api/v1/teams", json={"name": "x"}, expect=403)
        assert _error(team)["code"] == "forbidden"
        patched = await world.call(
            who,
            "PATCH",
            f"/api/v1/users/{world.users['eng_a']}",
            json={"is_active": False},
            expect=403,
        )
        assert _error(patched)["code"] == "forbidden"
    users = (await world.call("admin", "GET", "/api/v1/users", expect=200)).json()["items"]
    assert "eng_new" not in {u["username"] for u in users}
    assert all(u["is_active"] for u in users)

    created = await world.call("admin", "POST", "/api/v1/users", json=new_user, expect=201)
    assert created.json()["role"] == "engineer"
    await world.call("admin", "POST", "/api/v1/teams", json={"name": "team_c"}, expect=201)


async def test_directory_is_written_by_admin_and_dispatcher_only(world: World) -> None:
    site = {"name": "Cold store 2", "customer_id": str(world.customer_id)}
    response = await world.call("supervisor", "POST", "/api/v1/sites", json=site, expect=403)
    assert _error(response)["code"] == "forbidden"
    assert _error(response)["details"]["required_roles"] == ["admin", "dispatcher"]
    customer = await world.call(
        "supervisor", "POST", "/api/v1/customers", json={"name": "X"}, expect=403
    )
    assert _error(customer)["code"] == "forbidden"
    # the supervisor still reads the directory
    await world.call("supervisor", "GET", "/api/v1/sites", expect=200)

    for url in ("/api/v1/customers", "/api/v1/sites", "/api/v1/assets"):
        refused = await world.call("eng_a", "GET", url, expect=403)
        assert _error(refused)["code"] == "forbidden"
    engineer_write = await world.call("eng_a", "POST", "/api/v1/sites", json=site, expect=403)
    assert _error(engineer_write)["code"] == "forbidden"

    await world.call("dispatcher", "POST", "/api/v1/sites", json=site, expect=201)
    await world.call("admin", "POST", "/api/v1/customers", json={"name": "Y"}, expect=201)
    sites = (await world.call("dispatcher", "GET", "/api/v1/sites", expect=200)).json()["items"]
    assert sorted(s["name"] for s in sites) == ["Cold store 1", "Cold store 2"]
