"""The full life of a cold-storage repair through the HTTP API, with its timeline."""

from tests.factories import World


async def test_dispatcher_and_engineer_walk_a_work_order_through_its_life(world: World) -> None:
    work_order = await world.create_work_order(
        priority="P0",
        site_id=str(world.site_id),
        asset_id=str(world.asset_id),
        customer_id=str(world.customer_id),
    )
    assert work_order["status"] == "new"
    assert work_order["number"].startswith("WO-")
    wo = work_order["id"]
    await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users["eng_a"]))
    for target in ("accepted", "en_route", "on_site", "in_progress"):
        await world.transition("eng_a", wo, target)
    # The closure checkpoint: a cold-storage repair resolves only with its evidence verified.
    refused = (await world.transition("eng_a", wo, "resolved", expect=409)).json()["error"]
    assert refused["code"] == "evidence_missing"
    assert [m["code"] for m in refused["details"]["missing"]] == [
        "photo_before",
        "photo_after",
        "temperature_reading",
        "customer_signature",
    ]
    await world.add_required_evidence(wo)
    await world.transition("eng_a", wo, "resolved")
    await world.transition("dispatcher", wo, "verified")
    response = await world.transition("dispatcher", wo, "closed")
    detail = response.json()
    assert detail["work_order"]["status"] == "closed"
    assert detail["work_order"]["closed_at"] is not None
    actions = [(e["action"], e["actor_id"]) for e in detail["timeline"]]
    dispatcher, engineer = str(world.users["dispatcher"]), str(world.users["eng_a"])
    assert actions == [
        ("created", dispatcher),
        ("transition:assign", dispatcher),
        ("transition:accept", engineer),
        ("transition:travel", engineer),
        ("transition:arrive", engineer),
        ("transition:start", engineer),
        ("transition:resolve", engineer),
        ("transition:verify", dispatcher),
        ("transition:close", dispatcher),
    ]
    assert all(e["server_time"] for e in detail["timeline"])
    assert detail["timeline"][2]["actor_name"] == "Eng A"
    assert detail["work_order"]["version"] == 9


async def test_every_response_echoes_the_callers_trace_id(world: World) -> None:
    response = await world.call(
        "dispatcher", "GET", "/api/v1/work-orders", headers={"X-Trace-Id": "trace-abc-123"}
    )
    assert response.status_code == 200
    assert response.headers["x-trace-id"] == "trace-abc-123"
