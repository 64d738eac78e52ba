"""The priority rules through the API: versions, validation at save, the dry run, and what a
new or edited work order gets (a person's priority wins and stays)."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from kernel.statements import Statement
from tests.factories import World

RULES = "/api/v1/priority-rules"


def keyword_rule(name: str, words: list[str], priority: str, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "conditions": [{"kind": "keywords", "any_of": words}],
        "actions": [{"kind": "set_priority", "priority": priority}],
        **fields,
    }


async def rules_of(world: World, who: str = "dispatcher") -> Any:
    return (await world.call(who, "GET", RULES, expect=200)).json()


async def test_a_tenant_starts_with_the_standard_rules_as_version_0(world: World) -> None:
    found = await rules_of(world)
    assert found["version"] == 0
    assert found["default_priority"] == "P2"
    assert "Production stopped / 停机" in [rule["name"] for rule in found["rules"]]


async def test_each_change_saves_a_version_and_old_versions_stay_readable(world: World) -> None:
    first = await world.call(
        "admin", "POST", RULES, json=keyword_rule("Fans", ["fan"], "P1"), expect=201
    )
    assert first.json()["version"] == 1
    names = [rule["name"] for rule in first.json()["rules"]]
    assert names[-1] == "Fans"  # appended to the standard rules
    assert len(names) > 1
    fans = first.json()["rules"][-1]["id"]
    moved = await world.call(
        "supervisor",
        "PUT",
        f"{RULES}/{fans}",
        json={**keyword_rule("Fans first", ["fan"], "P0"), "position": 0, "expected_version": 1},
        expect=200,
    )
    assert moved.json()["version"] == 2
    assert moved.json()["rules"][0]["name"] == "Fans first"
    assert moved.json()["rules"][0]["id"] == fans
    stale = await world.call(
        "admin", "DELETE", f"{RULES}/{fans}", params={"expected_version": 1}, expect=409
    )
    assert stale.json()["error"]["code"] == "version_conflict"
    deleted = await world.call("admin", "DELETE", f"{RULES}/{fans}", expect=200)
    assert deleted.json()["version"] == 3
    assert fans not in [rule["id"] for rule in deleted.json()["rules"]]
    old = await world.call("dispatcher", "GET", f"{RULES}/versions/2", expect=200)
    assert old.json()["rules"][0]["name"] == "Fans first"
    await world.call("dispatcher", "GET", f"{RULES}/versions/9", expect=404)


async def test_only_admins_and_supervisors_change_rules(world: World) -> None:
    for who in ("dispatcher", "eng_a"):
        await world.call(who, "POST", RULES, json=keyword_rule("x", ["x"], "P1"), expect=403)
    await world.call("eng_a", "GET", RULES, expect=403)


async def test_a_whole_set_is_replaced_at_once(world: World, other_world: World) -> None:
    rules = [{**keyword_rule("Only", ["only"], "P0"), "id": "0b6c3a53-8f5e-4d0c-9d7e-1d6c9c1b2a01"}]
    saved = await world.call(
        "admin", "PUT", RULES, json={"rules": rules, "default_priority": "P3"}, expect=200
    )
    assert (saved.json()["version"], saved.json()["default_priority"]) == (1, "P3")
    created = await world.create_work_order(title="Door hinge squeaks")
    assert (created["priority"], created["rule_set_version"]) == ("P3", 1)
    # Another tenant still runs the standard rules.
    assert (await rules_of(other_world))["version"] == 0


async def test_bad_rules_are_refused_with_the_reason_and_nothing_is_saved(world: World) -> None:
    cases = [
        (keyword_rule("Blank", ["   "], "P1"), "config_invalid", "rules[", "blank"),
        (
            {
                **keyword_rule("Regex", ["x"], "P1"),
                "conditions": [{"kind": "pattern", "pattern": "(a"}],
            },
            "config_invalid",
            "pattern",
            "regular expression",
        ),
        (
            {
                **keyword_rule("x", ["x"], "P1"),
                "conditions": [{"kind": "keywords", "any_of": ["x"], "wrods": 1}],
            },
            "validation_failed",
            "",
            "wrods",
        ),
        (
            {**keyword_rule("x", ["x"], "P1"), "conditions": [{"kind": "colour", "any_of": ["x"]}]},
            "validation_failed",
            "",
            "colour",
        ),
        (keyword_rule("Empty", [""], "P1"), "validation_failed", "", "any_of"),
        (
            {**keyword_rule("Far", ["x"], "P1"), "position": 99},
            "config_invalid",
            "position",
            "past",
        ),
        (
            {
                **keyword_rule("Site", ["x"], "P1"),
                "conditions": [
                    {"kind": "site", "site_ids": ["6f1f7a0c-5d0b-4e7e-8c11-0a6f3a2d9b10"]}
                ],
            },
            "config_invalid",
            "site_ids",
            "site of yours",
        ),
    ]
    for body, code, path, words in cases:
        response = await world.call("admin", "POST", RULES, json=body, expect=422)
        error = response.json()["error"]
        assert error["code"] == code, response.text
        assert path in error["details"].get("path", "")
        assert words in response.text
        validated = await world.call(
            "admin",
            "POST",
            f"{RULES}/validate",
            json={key: value for key, value in body.items() if key != "position"},
        )
        if key_is_position := "position" in body:
            assert validated.status_code == 200, key_is_position
        else:
            assert validated.status_code == 422
    assert (await rules_of(world))["version"] == 0


async def test_another_tenants_site_is_not_a_site_of_yours(
    world: World, other_world: World
) -> None:
    body = {
        **keyword_rule("Site", ["x"], "P1"),
        "conditions": [{"kind": "site", "site_ids": [str(other_world.site_id)]}],
    }
    response = await world.call("admin", "POST", RULES, json=body, expect=422)
    assert response.json()["error"]["code"] == "config_invalid"
    ok = {**body, "conditions": [{"kind": "site", "site_ids": [str(world.site_id)]}]}
    await world.call("admin", "POST", RULES, json=ok, expect=201)


async def test_the_dry_run_answers_priority_reasons_and_owner(world: World) -> None:
    sample = {"title": "3号线停机 PLC 断网", "asset_id": str(world.asset_id)}
    answer = await world.call(
        "dispatcher", "POST", f"{RULES}/dry-run", json={"work_order": sample}, expect=200
    )
    result = answer.json()
    assert result["priority"] == "P0"
    assert [reason["rule_name"] for reason in result["priority_reasons"]] == [
        "Production stopped / 停机",
        "Network down / 断网",
        "Freezers / 冷冻库 CS-FR-",
    ]
    assert result["priority_reasons"][0]["matched"] == [{"kind": "keywords", "matched": "停机"}]
    assert result["rule_set_version"] == 0
    # A candidate rule set, not saved.
    candidate = {
        "rules": [
            {**keyword_rule("Fan", ["fan"], "P3"), "id": "0b6c3a53-8f5e-4d0c-9d7e-1d6c9c1b2a02"}
        ]
    }
    tried = await world.call(
        "dispatcher",
        "POST",
        f"{RULES}/dry-run",
        json={"work_order": {"title": "fan noise"}, "rules": candidate},
        expect=200,
    )
    assert tried.json()["priority"] == "P3"
    assert (await rules_of(world))["version"] == 0
    await world.call("eng_a", "POST", f"{RULES}/dry-run", json={"work_order": sample}, expect=403)


async def test_a_new_work_order_without_a_priority_gets_the_rules(world: World) -> None:
    created = await world.create_work_order(title="3号线停机 PLC 断网")
    assert created["priority"] == "P0"
    assert created["priority_source"] == "rules"
    assert created["rule_set_version"] == 0
    assert [r["rule_name"] for r in created["priority_reasons"]] == [
        "Production stopped / 停机",
        "Network down / 断网",
    ]
    assert {"shutdown", "network"} <= set(created["tags"])
    detail = await world.call(
        "dispatcher", "GET", f"/api/v1/work-orders/{created['id']}", expect=200
    )
    (entry,) = detail.json()["timeline"]
    assert entry["after"]["triage"]["rules"] == ["Production stopped / 停机", "Network down / 断网"]


async def test_a_persons_priority_wins_and_stays_when_the_rules_run_again(world: World) -> None:
    chosen = await world.create_work_order(title="3号线停机", priority="P2")
    assert (chosen["priority"], chosen["priority_source"]) == ("P2", "person")
    assert chosen["priority_reasons"] == []
    url = f"/api/v1/work-orders/{chosen['id']}"
    edited = await world.call(
        "dispatcher", "PATCH", url, json={"title": "3号线停机 漏氟"}, expect=200
    )
    assert edited.json()["work_order"]["priority"] == "P2"  # still the person's


async def test_editing_what_the_rules_read_runs_them_again(world: World) -> None:
    created = await world.create_work_order(title="Door hinge squeaks")
    assert (created["priority"], created["priority_source"]) == ("P2", "rules")
    url = f"/api/v1/work-orders/{created['id']}"
    edited = (
        await world.call("dispatcher", "PATCH", url, json={"description": "现在漏氟了"}, expect=200)
    ).json()
    assert edited["work_order"]["priority"] == "P0"
    assert edited["timeline"][-1]["after"]["triage"]["rules"] == ["Refrigerant leak / 漏氟"]
    # A person sets it: theirs from now on.
    pinned = (
        await world.call("dispatcher", "PATCH", url, json={"priority": "P1"}, expect=200)
    ).json()
    assert (pinned["work_order"]["priority_source"], pinned["work_order"]["priority"]) == (
        "person",
        "P1",
    )
    assert pinned["work_order"]["priority_reasons"] == []
    # And hands it back: the rules decide again at once.
    back = (
        await world.call("dispatcher", "PATCH", url, json={"priority_source": "rules"}, expect=200)
    ).json()["work_order"]
    assert (back["priority_source"], back["priority"]) == ("rules", "P0")
    # Keeping the current one as a person's.
    kept = (
        await world.call("dispatcher", "PATCH", url, json={"priority_source": "person"}, expect=200)
    ).json()["work_order"]
    assert (kept["priority_source"], kept["priority"]) == ("person", "P0")


async def test_engineers_cannot_hand_the_priority_to_the_rules(world: World) -> None:
    created = await world.create_work_order(title="Door hinge squeaks", priority="P3")
    url = f"/api/v1/work-orders/{created['id']}"
    refused = await world.call("eng_a", "PATCH", url, json={"priority_source": "rules"})
    assert refused.status_code in (403, 409, 422), refused.text


async def resolved_history(world: World, hours: list[float]) -> None:
    """Work orders on the world's asset resolved ``hours`` after they were created."""
    db = world.client.app.state.services.db
    now = datetime.now(UTC)
    for index, taken in enumerate(hours):
        made = await world.create_work_order(
            title=f"Past repair {index}", priority="P3", asset_id=str(world.asset_id)
        )
        created = now - timedelta(days=10)
        async with db.transaction() as tx:
            await tx.execute(
                BACKDATE,
                tenant=world.tenant_id,
                id=uuid.UUID(made["id"]),
                created=created,
                resolved=created + timedelta(hours=taken),
            )


BACKDATE = Statement(
    "UPDATE workorders_work_order SET status = 'closed', created_at = :created,"
    " resolved_at = :resolved WHERE tenant = :tenant AND id = :id"
)


async def test_history_of_slow_similar_repairs_raises_the_priority(world: World) -> None:
    await world.call(
        "admin", "PATCH", f"/api/v1/assets/{world.asset_id}", json={"family": "Door"}, expect=200
    )
    sample = {"title": "Door hinge squeaks", "asset_id": str(world.asset_id)}
    await resolved_history(world, [70.0, 80.0, 90.0, 10.0])  # four: too few to judge
    before = (
        await world.call("dispatcher", "POST", f"{RULES}/dry-run", json={"work_order": sample})
    ).json()
    assert "Slow to fix / 历史处理慢" not in [r["rule_name"] for r in before["priority_reasons"]]
    await resolved_history(world, [100.0])
    created = await world.create_work_order(
        title="Door hinge squeaks", asset_id=str(world.asset_id)
    )
    slow = created["priority_reasons"][-1]
    assert slow["rule_name"] == "Slow to fix / 历史处理慢"
    assert slow["matched"] == [
        {
            "kind": "history",
            "matched": "Door / cold_storage_repair",
            "p80_hours": 90.0,
            "samples": 5,
        }
    ]
    assert created["priority"] == "P0"  # P2, one up for the freezer, one for the history
