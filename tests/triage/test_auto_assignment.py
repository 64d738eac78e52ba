"""Automatic assignment: a team that asks for it assigns each new work order it owns to an
engineer on shift — skills covering the work order's tags first, then the fewest open work
orders — and the timeline says why; nobody on shift leaves it in the team's queue."""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import World


async def on_shift(world: World, who: str, hours: float = 8) -> Any:
    now = datetime.now(UTC)
    body = {
        "user_id": str(world.users[who]),
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=hours)).isoformat(),
    }
    return (await world.call("dispatcher", "POST", "/api/v1/shifts", json=body, expect=201)).json()


async def auto_assign(world: World, team: str = "team_a", **fields: Any) -> None:
    url = f"/api/v1/teams/{world.teams[team]}/auto-assignment"
    await world.call("admin", "PUT", url, json={"enabled": True, **fields}, expect=200)


async def detail(world: World, work_order_id: str) -> Any:
    url = f"/api/v1/work-orders/{work_order_id}"
    return (await world.call("dispatcher", "GET", url, expect=200)).json()


async def test_the_engineer_on_shift_with_the_fewest_open_work_orders_gets_it(
    world: World,
) -> None:
    await auto_assign(world)
    await on_shift(world, "eng_a")
    await on_shift(world, "eng_a2")
    busy = await world.create_work_order(title="Busy", priority="P3", team_id=None)
    assert busy["status"] == "new"  # no zone: no team, nothing to assign
    first = await world.create_work_order(title="Door hinge squeaks")  # team_a named
    assert first["status"] == "assigned"
    second = await world.create_work_order(title="Door hinge squeaks again")
    assert {first["assignee_id"], second["assignee_id"]} == {
        str(world.users["eng_a"]),
        str(world.users["eng_a2"]),
    }  # the second went to the one without open work
    shown = await detail(world, second["id"])
    created, assigned = shown["timeline"][:2]
    assert created["action"] == "created"
    assert (assigned["action"], assigned["actor_role"]) == ("transition:assign", "system")
    assert "fewest" in assigned["reason"]


async def test_skills_covering_the_tags_come_first(world: World) -> None:
    await auto_assign(world)
    await on_shift(world, "eng_a")
    await on_shift(world, "eng_a2")
    url = f"/api/v1/engineers/{world.users['eng_a2']}/skills"
    await world.call("dispatcher", "PUT", url, json={"skills": ["Compressor"]}, expect=200)
    # eng_a2 already has two work orders (eng_a none), but the rules tag this one
    # "compressor": eng_a2's skill.
    for n in range(2):
        made = await world.create_work_order(title=f"Lights {n}", team_id=None)
        await world.transition(
            "dispatcher", made["id"], "assigned", assignee_id=str(world.users["eng_a2"])
        )
    compressor = await world.create_work_order(title="压缩机异响")
    assert "compressor" in compressor["tags"]
    assert compressor["assignee_id"] == str(world.users["eng_a2"])
    reason = (await detail(world, compressor["id"]))["timeline"][1]["reason"]
    assert "skills: compressor" in reason
    skills = (await world.call("eng_a2", "GET", url, expect=200)).json()
    assert skills["skills"] == ["compressor"]


async def test_nobody_on_shift_leaves_it_in_the_queue(world: World) -> None:
    await auto_assign(world)
    now = datetime.now(UTC)
    later = {
        "user_id": str(world.users["eng_a"]),
        "starts_at": (now + timedelta(hours=2)).isoformat(),
        "ends_at": (now + timedelta(hours=10)).isoformat(),
    }
    await world.call("dispatcher", "POST", "/api/v1/shifts", json=later, expect=201)
    waiting = await world.create_work_order(title="Door hinge squeaks")
    assert (waiting["status"], waiting["assignee_id"]) == ("new", None)
    queue = await world.call(
        "dispatcher", "GET", f"/api/v1/queues/teams/{world.teams['team_a']}", expect=200
    )
    assert waiting["id"] in [item["id"] for item in queue.json()["items"]]


async def test_a_team_without_auto_assignment_assigns_nobody(world: World) -> None:
    await on_shift(world, "eng_a")
    created = await world.create_work_order(title="Door hinge squeaks")
    assert created["status"] == "new"
    setting = await world.call(
        "dispatcher", "GET", f"/api/v1/teams/{world.teams['team_a']}/auto-assignment", expect=200
    )
    assert setting.json()["enabled"] is False


async def test_shifts_and_skills_that_cannot_work_are_refused(
    world: World, other_world: World
) -> None:
    now = datetime.now(UTC)

    def shift(who: str, start: float, end: float, w: World = world) -> dict[str, str]:
        return {
            "user_id": str(w.users[who]),
            "starts_at": (now + timedelta(hours=start)).isoformat(),
            "ends_at": (now + timedelta(hours=end)).isoformat(),
        }

    cases = [
        (shift("eng_a", 2, 1), "config_invalid"),  # ends before it starts
        (shift("eng_a", 0, 24 * 8), "config_invalid"),  # longer than a week
        (shift("dispatcher", 0, 8), "invalid_reference"),  # not an engineer
        (shift("eng_a", 0, 8, other_world), "invalid_reference"),  # another tenant's
    ]
    for body, code in cases:
        refused = await world.call("dispatcher", "POST", "/api/v1/shifts", json=body, expect=422)
        assert refused.json()["error"]["code"] == code
    made = await world.call("dispatcher", "POST", "/api/v1/shifts", json=shift("eng_a", 0, 8))
    overlap = await world.call("dispatcher", "POST", "/api/v1/shifts", json=shift("eng_a", 4, 12))
    assert overlap.status_code == 422
    assert overlap.json()["error"]["code"] == "config_invalid"
    listed = await world.call(
        "dispatcher", "GET", "/api/v1/shifts", params={"user_id": str(world.users["eng_a"])}
    )
    assert [item["id"] for item in listed.json()["items"]] == [made.json()["id"]]
    await other_world.call(
        "dispatcher", "DELETE", f"/api/v1/shifts/{made.json()['id']}", expect=404
    )
    await world.call("dispatcher", "DELETE", f"/api/v1/shifts/{made.json()['id']}", expect=204)
    await world.call("eng_a", "POST", "/api/v1/shifts", json=shift("eng_a", 0, 8), expect=403)
    await world.call(
        "dispatcher",
        "PUT",
        f"/api/v1/teams/{world.teams['team_a']}/auto-assignment",
        json={"enabled": True},
        expect=403,
    )
    await other_world.call(
        "admin",
        "PUT",
        f"/api/v1/teams/{world.teams['team_a']}/auto-assignment",
        json={"enabled": True},
        expect=404,
    )
    await other_world.call(
        "dispatcher", "GET", f"/api/v1/engineers/{world.users['eng_a']}/skills", expect=404
    )
