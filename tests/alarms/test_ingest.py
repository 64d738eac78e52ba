"""Alarm ingest over signed HTTP: outcomes, deduplication, refusals (nothing half-applied), and
the work order an alarm opens (one per asset and alarm type, the same creation path)."""

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from mobile_contract.iot import MAX_ALARMS_PER_BATCH
from tests.factories import Terminal, World, alarm


async def work_order(world: World, work_order_id: str, who: str = "dispatcher") -> Any:
    url = f"/api/v1/work-orders/{work_order_id}"
    return (await world.call(who, "GET", url, expect=200)).json()


async def alarms_of(world: World, **params: str) -> list[dict[str, Any]]:
    page = await world.call("dispatcher", "GET", "/api/v1/alarms", params=params, expect=200)
    items: list[dict[str, Any]] = page.json()["items"]
    return items


def refusal(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == "alarms_invalid"
    return error


async def test_an_alarm_opens_an_iot_work_order_carrying_the_alarm(world: World) -> None:
    terminal = await world.register_terminal("CS-FR-0012")
    answer = await terminal.post_alarms(alarm("b-1", value=-11.0, threshold=-18.0))
    (outcome,) = answer["outcomes"]
    assert outcome["outcome"] == "accepted"
    assert outcome["work_order_number"].startswith("WO-")
    detail = await work_order(world, outcome["work_order_id"])
    created = detail["work_order"]
    assert created["channel"] == "iot"
    assert created["priority"] == "P0"  # critical
    assert created["type"] == "cold_storage_repair"
    assert created["asset_id"] == str(world.asset_id)
    assert created["site_id"] == str(world.site_id)
    assert created["customer_id"] == str(world.customer_id)
    assert created["created_by_id"] is None
    assert created["metadata"]["device_id"] == "CS-FR-0012"
    assert "CS-FR-0012" in created["title"]
    assert "-11" in created["title"]
    summary = created["alarm"]
    assert summary["type"] == "over_temperature"
    assert summary["state"] == "raised"
    assert summary["device_code"] == "CS-FR-0012"
    assert summary["terminal_id"] == terminal.id
    assert summary["value"] == -11.0
    assert summary["threshold"] == -18.0
    (entry,) = detail["timeline"]
    assert (entry["action"], entry["actor_role"], entry["actor_id"]) == (
        "created",
        "terminal",
        None,
    )
    (stored,) = await alarms_of(world, terminal_id=terminal.id)
    assert stored["alarm_id"] == "b-1"
    assert stored["via"] == "http"
    assert stored["work_order_id"] == outcome["work_order_id"]


async def test_a_resent_buffer_is_only_duplicates(world: World) -> None:
    terminal = await world.register_terminal()
    batch = [alarm(f"buf-{n}") for n in range(5)]
    first = await terminal.post_alarms(*batch)
    assert {o["outcome"] for o in first["outcomes"]} == {"accepted"}
    again = await terminal.post_alarms(*batch)
    assert [o["outcome"] for o in again["outcomes"]] == ["duplicate"] * 5
    assert [o["work_order_id"] for o in again["outcomes"]] == [
        o["work_order_id"] for o in first["outcomes"]
    ]
    assert len(await alarms_of(world, terminal_id=terminal.id)) == 5


async def test_an_id_twice_in_one_batch_is_one_alarm(world: World) -> None:
    terminal = await world.register_terminal()
    answer = await terminal.post_alarms(alarm("same"), alarm("same"), alarm("other"))
    assert [o["outcome"] for o in answer["outcomes"]] == ["accepted", "duplicate", "accepted"]
    assert [o["index"] for o in answer["outcomes"]] == [0, 1, 2]
    assert len(await alarms_of(world, terminal_id=terminal.id)) == 2


async def test_ids_are_per_terminal(world: World) -> None:
    one = await world.register_terminal()
    two = await world.register_terminal()
    assert (await one.post_alarms(alarm("x-1")))["outcomes"][0]["outcome"] == "accepted"
    assert (await two.post_alarms(alarm("x-1")))["outcomes"][0]["outcome"] == "accepted"


async def test_a_malformed_alarm_refuses_the_batch_and_names_it(world: World) -> None:
    terminal = await world.register_terminal()
    good = alarm("good-1")
    batch = [
        good,
        {**alarm("bad-type"), "type": "meltdown"},
        {key: value for key, value in alarm("no-time").items() if key != "occurred_at"},
        {**alarm(), "id": "has space"},
        alarm("future", occurred_at=(datetime.now(UTC) + timedelta(hours=1)).isoformat()),
    ]
    response = await terminal.send("POST", "/api/v1/iot/alarms", {"alarms": batch})
    error = refusal(response)
    refused = {(a["index"], a["id"], a["field"]) for a in error["details"]["alarms"]}
    assert refused == {
        (1, "bad-type", "type"),
        (2, "no-time", "occurred_at"),
        (3, "has space", "id"),
        (4, "future", "occurred_at"),
    }
    assert await alarms_of(world, terminal_id=terminal.id) == []  # the good one is not applied
    # The terminal drops the named ones and sends the rest: accepted.
    assert (await terminal.post_alarms(good))["outcomes"][0]["outcome"] == "accepted"


async def test_batches_must_hold_one_to_five_hundred_alarms(world: World) -> None:
    terminal = await world.register_terminal()
    moment = datetime.now(UTC).isoformat()

    def small(n: int) -> dict[str, Any]:  # the tests' body cap is 64 KiB
        return {"id": str(n), "type": "custom", "occurred_at": moment}

    for alarms in ([], [small(n) for n in range(MAX_ALARMS_PER_BATCH + 1)]):
        response = await terminal.send("POST", "/api/v1/iot/alarms", {"alarms": alarms})
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "validation_failed"
    full = await terminal.post_alarms(*[small(n) for n in range(MAX_ALARMS_PER_BATCH)])
    assert len(full["outcomes"]) == MAX_ALARMS_PER_BATCH


async def test_bodies_that_are_not_batches_are_refused(world: World) -> None:
    terminal = await world.register_terminal()
    for raw, status, code in (
        (b"{not json", 400, "malformed_json"),
        (b'{"alarms": "many"}', 422, "validation_failed"),
        (b"[]", 422, "validation_failed"),
    ):
        headers = terminal.headers("POST", "/api/v1/iot/alarms", raw)
        response = await world.client.post("/api/v1/iot/alarms", content=raw, headers=headers)
        assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    huge = json.dumps({"alarms": [alarm(message="x" * 200)] * 5000}).encode()
    headers = terminal.headers("POST", "/api/v1/iot/alarms", huge)
    response = await world.client.post("/api/v1/iot/alarms", content=huge, headers=headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_an_alarm_may_name_only_assets_of_its_terminals_site(
    world: World, other_world: World
) -> None:
    gateway = await world.register_terminal()
    db = world.client.app.state.services.db
    from directory import services as directory
    from kernel.context import Actor
    from mobile_contract import directory as dir_contract
    from mobile_contract.enums import Role

    admin = Actor(tenant_id=world.tenant_id, user_id=world.users["admin"], role=Role.ADMIN)
    neighbour = await directory.create_asset(
        db=db, actor=admin, data=dir_contract.AssetCreate(site_id=world.site_id, device_code="N-1")
    )
    elsewhere_site = await directory.create_site(
        db=db, actor=admin, data=dir_contract.SiteCreate(name="Other site")
    )
    elsewhere = await directory.create_asset(
        db=db,
        actor=admin,
        data=dir_contract.AssetCreate(site_id=elsewhere_site.id, device_code="E-1"),
    )
    answer = await gateway.post_alarms(alarm("n", asset_id=str(neighbour.id)))
    opened = await work_order(world, answer["outcomes"][0]["work_order_id"])
    assert opened["work_order"]["asset_id"] == str(neighbour.id)
    for index, asset in enumerate((elsewhere.id, other_world.asset_id, uuid.uuid4())):
        response = await gateway.send(
            "POST",
            "/api/v1/iot/alarms",
            {"alarms": [alarm(f"ok-{index}"), alarm(f"far-{index}", asset_id=str(asset))]},
        )
        (named,) = refusal(response)["details"]["alarms"]
        assert (named["index"], named["code"], named["field"]) == (
            1,
            "invalid_reference",
            "asset_id",
        )
    assert len(await alarms_of(world, terminal_id=gateway.id)) == 1


# One work order per fault -----------------------------------------------------------------------


async def test_repeats_join_the_open_work_order(world: World) -> None:
    terminal = await world.register_terminal()
    opened = (await terminal.post_alarms(alarm()))["outcomes"][0]["work_order_id"]
    for _ in range(3):
        answer = await terminal.post_alarms(alarm(), alarm())
        assert {o["work_order_id"] for o in answer["outcomes"]} == {opened}
    detail = await work_order(world, opened)
    assert [e["action"] for e in detail["timeline"]] == ["created"]  # within the window
    assert len(await alarms_of(world, work_order_id=opened)) == 7
    # Another alarm type on the same asset is another fault.
    door = await terminal.post_alarms(alarm(type="door_open", severity="minor"))
    other = door["outcomes"][0]["work_order_id"]
    assert other != opened
    # The standard rules: a minor alarm is P2, and the asset is a freezer (CS-FR-): one up.
    decided = (await work_order(world, other))["work_order"]
    assert decided["priority"] == "P1"
    assert [reason["rule_name"] for reason in decided["priority_reasons"]] == [
        "Minor alarm / 次要告警",
        "Warning alarm / 提示告警",
        "Freezers / 冷冻库 CS-FR-",
    ]


async def test_cleared_flags_the_work_order_for_verification_and_never_closes_it(
    world: World,
) -> None:
    terminal = await world.register_terminal()
    now = datetime.now(UTC)
    opened = (
        await terminal.post_alarms(alarm(occurred_at=(now - timedelta(minutes=3)).isoformat()))
    )["outcomes"][0]["work_order_id"]
    cleared = await terminal.post_alarms(
        alarm(state="cleared", value=-19.0, occurred_at=(now - timedelta(minutes=1)).isoformat())
    )
    assert cleared["outcomes"][0]["work_order_id"] == opened
    detail = await work_order(world, opened)
    assert detail["work_order"]["status"] == "new"
    summary = detail["work_order"]["alarm"]
    assert summary["state"] == "cleared"
    assert summary["needs_verification"] is True
    assert summary["cleared_at"] is not None
    assert [e["action"] for e in detail["timeline"]] == ["created", "alarm_cleared"]
    # An older raise arriving late (an offline buffer) changes nothing; a newer one is a return.
    late = alarm(occurred_at=(now - timedelta(minutes=2)).isoformat())
    await terminal.post_alarms(late)
    assert (await work_order(world, opened))["work_order"]["alarm"]["state"] == "cleared"
    await terminal.post_alarms(alarm(occurred_at=now.isoformat()))
    detail = await work_order(world, opened)
    assert detail["work_order"]["alarm"]["state"] == "raised"
    assert detail["work_order"]["alarm"]["needs_verification"] is False
    assert [e["action"] for e in detail["timeline"]][-1] == "alarm_raised"


async def test_a_cleared_alarm_without_an_open_work_order_opens_none(world: World) -> None:
    terminal = await world.register_terminal()
    answer = await terminal.post_alarms(alarm(state="cleared"))
    assert answer["outcomes"][0] == {
        "index": 0,
        "id": answer["outcomes"][0]["id"],
        "outcome": "accepted",
        "work_order_id": None,
        "work_order_number": None,
    }


async def test_after_the_work_order_closes_the_next_raise_opens_a_new_one(world: World) -> None:
    terminal = await world.register_terminal()
    first = (await terminal.post_alarms(alarm()))["outcomes"][0]["work_order_id"]
    await world.transition("dispatcher", first, "cancelled", reason="duplicate of a phone call")
    second = (await terminal.post_alarms(alarm()))["outcomes"][0]["work_order_id"]
    assert second != first
    third = (await terminal.post_alarms(alarm()))["outcomes"][0]["work_order_id"]
    assert third == second


async def test_concurrent_ingest_of_one_fault_opens_one_work_order(world: World) -> None:
    terminals = [await world.register_terminal() for _ in range(4)]

    async def post(terminal: Terminal, n: int) -> set[str]:
        answer = await terminal.post_alarms(alarm(f"c-{n}"))
        return {o["work_order_id"] for o in answer["outcomes"]}

    results = await asyncio.gather(*(post(terminals[n % 4], n) for n in range(40)))
    opened = set().union(*results)
    assert len(opened) == 1
    listed = await world.call(
        "dispatcher", "GET", "/api/v1/work-orders", params={"asset_id": str(world.asset_id)}
    )
    iot = [w for w in listed.json()["items"] if w["channel"] == "iot"]
    assert [w["id"] for w in iot] == list(opened)


async def test_a_flood_opens_one_work_order_and_sends_no_push(world: World) -> None:
    terminal = await world.register_terminal()
    db = world.client.app.state.services.db
    from kernel.statements import Statement

    count = Statement("SELECT COUNT(*) AS n FROM push_notification WHERE tenant = :tenant")

    class N(__import__("msgspec").Struct):
        n: int

    before = await db.fetch_one(count, N, tenant=world.tenant_id)
    answers = [await terminal.post_alarms(alarm()) for _ in range(100)]
    opened = {a["outcomes"][0]["work_order_id"] for a in answers}
    assert len(opened) == 1
    after = await db.fetch_one(count, N, tenant=world.tenant_id)
    assert after == before
    detail = await work_order(world, opened.pop())
    assert len(detail["timeline"]) == 1


async def test_an_alarm_work_order_moves_only_to_an_asset_without_one_open(
    world: World,
) -> None:
    from directory import services as directory
    from kernel.context import Actor
    from mobile_contract import directory as dir_contract
    from mobile_contract.enums import Role

    admin = Actor(tenant_id=world.tenant_id, user_id=world.users["admin"], role=Role.ADMIN)
    second = await directory.create_asset(
        db=world.client.app.state.services.db,
        actor=admin,
        data=dir_contract.AssetCreate(site_id=world.site_id, device_code="CS-FR-0002"),
    )
    here = await world.register_terminal()
    there = await world.register_terminal(asset_id=second.id)
    first = (await here.post_alarms(alarm()))["outcomes"][0]["work_order_id"]
    other = (await there.post_alarms(alarm()))["outcomes"][0]
    move = {"asset_id": str(second.id)}
    refused = await world.call(
        "dispatcher", "PATCH", f"/api/v1/work-orders/{first}", json=move, expect=409
    )
    assert refused.json()["error"]["code"] == "already_exists"
    assert other["work_order_number"] in refused.json()["error"]["message"]
    await world.transition("dispatcher", other["work_order_id"], "cancelled", reason="sensor")
    await world.call("dispatcher", "PATCH", f"/api/v1/work-orders/{first}", json=move, expect=200)
