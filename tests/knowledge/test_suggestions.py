# ruff: noqa: RUF001  (Chinese punctuation is the point)
"""Suggestions for a work order, on both databases: from its asset's family and device code,
its alarm type and its words, with the reasons; published articles of the tenant only; only
for a caller who can see the work order."""

import uuid
from typing import Any

from kernel.statements import Statement
from tests.factories import World

ARTICLES = "/api/v1/kb/articles"
SET_ALARM = Statement("UPDATE workorders_work_order SET alarm_type = :alarm WHERE id = :id")


def suggestions_url(work_order: dict[str, Any]) -> str:
    return f"/api/v1/work-orders/{work_order['id']}/kb-suggestions"


async def publish(world: World, title: str, *, publish: bool = True, **fields: Any) -> str:
    body = {"title": title, "publish": publish, **fields}
    made = await world.call("admin", "POST", ARTICLES, json=body, expect=201)
    article: str = made.json()["id"]
    return article


async def cold_room_work_order(world: World) -> dict[str, Any]:
    asset = await world.call(
        "admin",
        "POST",
        "/api/v1/assets",
        json={"site_id": str(world.site_id), "device_code": "CS-FR-0099", "family": "Cold Room"},
        expect=201,
    )
    work_order = await world.create_work_order(
        title="冷库温度过高，压缩机频繁启停",
        description="PLC 显示 E07",
        asset_id=asset.json()["id"],
    )
    db = world.client.app.state.services.db
    await db.execute(SET_ALARM, alarm="over_temperature", id=uuid.UUID(work_order["id"]))
    return work_order


async def test_suggestions_are_scored_with_their_reasons(world: World, other_world: World) -> None:
    work_order = await cold_room_work_order(world)
    words = await publish(world, "压缩机频繁启停的处理", body="检查吸气压力。")
    everything = await publish(
        world,
        "门体保养",
        body="定期检查门体。",
        asset_families=["cold room"],
        device_code_prefixes=["CS-FR-"],
        alarm_types=["over_temperature"],
    )
    prefix = await publish(world, "CS 系列说明", device_code_prefixes=["CS-"])
    alarm = await publish(
        world, "Alarm handling", body="Check the probe.", alarm_types=["over_temperature"]
    )
    await publish(world, "Chiller care", asset_families=["Chiller"], device_code_prefixes=["CH-"])
    await publish(world, "草稿", publish=False, asset_families=["Cold Room"])
    archived = await publish(
        world, "归档", asset_families=["Cold Room"], alarm_types=["over_temperature"]
    )
    await world.call("admin", "POST", f"{ARTICLES}/{archived}/archive", expect=200)
    await publish(other_world, "压缩机频繁启停", asset_families=["Cold Room"])

    response = await world.call("eng_a", "GET", suggestions_url(work_order), expect=200)
    body = response.json()
    assert body["work_order_id"] == work_order["id"]
    got = [(item["article_id"], item["score"], item["reasons"]) for item in body["items"]]
    assert got == [
        (words, 12.0, ["text: 压缩机频繁启停"]),
        (
            everything,
            11.0,
            [
                "asset_family: Cold Room",
                "device_code_prefix: CS-FR-",
                "alarm_type: over_temperature",
            ],
        ),
        (prefix, 4.0, ["device_code_prefix: CS-"]),
        (alarm, 3.0, ["alarm_type: over_temperature"]),
    ]
    assert body["items"][0]["title"] == "压缩机频繁启停的处理"
    assert body["items"][0]["version"] == 1
    two = await world.call(
        "dispatcher", "GET", suggestions_url(work_order), params={"limit": 2}, expect=200
    )
    assert [item["article_id"] for item in two.json()["items"]] == [words, everything]


async def test_only_a_caller_who_sees_the_work_order_gets_suggestions(
    world: World, other_world: World
) -> None:
    work_order = await cold_room_work_order(world)
    await world.call("eng_b", "GET", suggestions_url(work_order), expect=404)  # not their team
    await other_world.call("admin", "GET", suggestions_url(work_order), expect=404)
    await world.call(
        "admin", "GET", f"/api/v1/work-orders/{uuid.uuid4()}/kb-suggestions", expect=404
    )


async def test_a_work_order_with_nothing_in_common_gets_none(world: World) -> None:
    await publish(world, "压缩机频繁启停的处理")
    plain = await world.create_work_order(title="Gate barrier stuck", description="")
    response = await world.call("dispatcher", "GET", suggestions_url(plain), expect=200)
    assert response.json()["items"] == []
