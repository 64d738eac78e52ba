"""Queues: a team's and an engineer's open work orders, most urgent first, then oldest."""

from typing import Any

from tests.factories import World


async def queue(world: World, who: str, url: str, **params: Any) -> Any:
    return (await world.call(who, "GET", url, params=params, expect=200)).json()


async def test_a_team_queue_is_most_urgent_first_then_oldest(world: World) -> None:
    team = str(world.teams["team_a"])
    p2 = await world.create_work_order(title="Lights", priority="P2")
    p0 = await world.create_work_order(title="Down", priority="P0")
    p2_later = await world.create_work_order(title="Lights again", priority="P2")
    done = await world.create_work_order(title="Gone", priority="P0")
    await world.transition("dispatcher", done["id"], "cancelled", reason="duplicate")
    await world.create_work_order(
        title="Elsewhere", priority="P0", team_id=str(world.teams["team_b"])
    )
    url = f"/api/v1/queues/teams/{team}"
    first = await queue(world, "dispatcher", url, limit=2)
    assert [item["id"] for item in first["items"]] == [p0["id"], p2["id"]]
    rest = await queue(world, "dispatcher", url, limit=2, cursor=first["next_cursor"])
    assert [item["id"] for item in rest["items"]] == [p2_later["id"]]
    assert rest["next_cursor"] is None
    # An engineer of the team sees it; one of another team is told it does not exist.
    assert len((await queue(world, "eng_a", url))["items"]) == 3
    await world.call("eng_b", "GET", url, expect=404)


async def test_an_engineers_queue_is_their_own_open_work(world: World) -> None:
    mine = await world.create_work_order(title="Mine", priority="P1")
    await world.transition(
        "dispatcher", mine["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    url = f"/api/v1/queues/engineers/{world.users['eng_a']}"
    assert [item["id"] for item in (await queue(world, "eng_a", url))["items"]] == [mine["id"]]
    assert [item["id"] for item in (await queue(world, "dispatcher", url))["items"]] == [mine["id"]]
    await world.call("eng_a2", "GET", url, expect=404)


async def test_queues_stay_in_the_tenant(world: World, other_world: World) -> None:
    await other_world.call(
        "dispatcher", "GET", f"/api/v1/queues/teams/{world.teams['team_a']}", expect=404
    )
    await other_world.call(
        "dispatcher", "GET", f"/api/v1/queues/engineers/{world.users['eng_a']}", expect=404
    )
