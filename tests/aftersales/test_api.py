"""The after-sales tree through the API: the standard tree as version 0, saving versions, who
may save, refusals that save nothing, and the evaluation with what the directory and the work
orders know about the asset."""

import copy
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from kernel.statements import Statement
from tests.factories import World

TREE = "/api/v1/after-sales/tree"
EVALUATE = "/api/v1/after-sales/evaluate"
AT = "2026-03-10T04:00:00Z"  # noon in Shanghai: the evaluation day is 2026-03-10
TODAY = date(2026, 3, 10)


def bought(age: int) -> str:
    return (TODAY - timedelta(days=age)).isoformat()


async def advise(world: World, who: str = "eng_a", expect: int = 200, **case: Any) -> Any:
    response = await world.call(who, "POST", EVALUATE, json={"at": AT, **case}, expect=expect)
    return response.json()


def a_tree(**fields: Any) -> dict[str, Any]:
    """Usage hours decide: under 500 a repair, then an escalation."""
    return {
        "root": "hours",
        "nodes": {
            "hours": {
                "kind": "usage_hours",
                "branches": [
                    {"min": 0, "below": 500, "next": "repair"},
                    {"min": 500, "next": "escalate"},
                ],
            },
            "repair": {"kind": "leaf", "advice": "repair", "clause": "Light use", "clause_id": "A"},
            "escalate": {"kind": "leaf", "advice": "escalate", "clause": "Heavy use"},
        },
        **fields,
    }


async def version_of(world: World) -> int:
    found: int = (await world.call("eng_a", "GET", TREE, expect=200)).json()["version"]
    return found


async def test_everyone_reads_the_standard_tree_as_version_0(world: World) -> None:
    for who in ("admin", "dispatcher", "supervisor", "eng_a"):
        found = (await world.call(who, "GET", TREE, expect=200)).json()
        assert (found["version"], found["root"], found["saved_at"]) == (0, "fault", None)
    age = found["nodes"]["age"]["branches"]
    assert [(b["min"], b.get("below")) for b in age] == [(0, 8), (8, 16), (16, 366), (366, None)]
    same = await world.call("eng_a", "GET", f"{TREE}/versions/0", expect=200)
    assert same.json() == found


async def test_the_standard_tree_advises_on_the_boundary_days(world: World) -> None:
    performance = {"fault_category": "performance"}
    expected = {
        0: ("refund", "§1"),
        7: ("refund", "§1"),
        8: ("exchange", "§2"),
        15: ("exchange", "§2"),
        366: ("repair", "§5"),
    }
    for age, (advice, clause_id) in expected.items():
        answer = await advise(world, **performance, purchase_date=bought(age))
        assert (answer["advice"], answer["clause_id"], answer["tree_version"]) == (
            advice,
            clause_id,
            0,
        ), age
        assert answer["purchase_age_days"] == age
    day_365 = await advise(
        world,
        **performance,
        purchase_age_days=365,
        serial_number="CS-2403-00017",
        previous_repairs=0,
    )
    assert (day_365["advice"], day_365["clause_id"]) == ("repair", "§3")
    assert day_365["warranty"] == {
        "status": "in_warranty",
        "serial_number": "CS-2403-00017",
        "production_date": "2024-03-31",
        "starts_on": "2025-03-10",
        "ends_on": "2026-03-10",
        "source": "serial_pattern",
        "note": "from the purchase date",
    }
    unknown = await advise(world, **performance, purchase_age_days=100, serial_number="SN-A100000")
    assert (unknown["advice"], unknown["clause_id"]) == ("escalate", "§7")
    assert "Clause 7:" in unknown["clause"]
    assert unknown["warranty"]["status"] == "unknown"
    assert [step["node"] for step in unknown["path"]] == ["fault", "age", "warranty"]


async def test_days_are_counted_in_the_trees_time_zone(world: World) -> None:
    # 17:00 UTC on the 9th is 01:00 on the 10th in Shanghai: day 8, no longer within 7 days.
    answer = await advise(
        world, fault_category="performance", purchase_date="2026-03-02", at="2026-03-09T17:00:00Z"
    )
    assert (answer["evaluated_on"], answer["purchase_age_days"]) == ("2026-03-10", 8)
    assert answer["advice"] == "exchange"


async def test_a_saved_tree_is_the_next_version_and_the_evaluation_uses_it(
    world: World, other_world: World
) -> None:
    saved = (await world.call("supervisor", "PUT", TREE, json=a_tree(), expect=200)).json()
    assert (saved["version"], saved["saved_by_id"]) == (1, str(world.users["supervisor"]))
    assert "expected_version" not in saved
    light = await advise(world, usage_hours=499.9)
    assert (light["advice"], light["clause"], light["clause_id"], light["tree_version"]) == (
        "repair",
        "Light use",
        "A",
        1,
    )
    heavy = await advise(world, usage_hours=500)
    assert (heavy["advice"], heavy["clause_id"], heavy["leaf"]) == ("escalate", "", "escalate")
    second = await world.call(
        "admin", "PUT", TREE, json=a_tree(expected_version=1, timezone="UTC"), expect=200
    )
    assert (second.json()["version"], second.json()["timezone"]) == (2, "UTC")
    stale = await world.call("admin", "PUT", TREE, json=a_tree(expected_version=1), expect=409)
    assert stale.json()["error"]["code"] == "version_conflict"
    assert stale.json()["error"]["details"] == {"expected_version": 1, "current_version": 2}
    old = await world.call("eng_a", "GET", f"{TREE}/versions/1", expect=200)
    assert (old.json()["version"], old.json()["timezone"]) == (1, "Asia/Shanghai")
    await world.call("eng_a", "GET", f"{TREE}/versions/9", expect=404)
    # Another tenant still runs the standard tree.
    assert (await version_of(other_world)) == 0
    await other_world.call("eng_a", "GET", f"{TREE}/versions/1", expect=404)


async def test_only_admins_and_supervisors_save_or_validate(world: World) -> None:
    for who in ("dispatcher", "eng_a"):
        refused = await world.call(who, "PUT", TREE, json=a_tree(), expect=403)
        assert refused.json()["error"]["code"] == "forbidden"
        await world.call(who, "POST", f"{TREE}/validate", json=a_tree(), expect=403)
    assert (await version_of(world)) == 0
    valid = await world.call("admin", "POST", f"{TREE}/validate", json=a_tree(), expect=200)
    assert valid.json() == {"valid": True}
    assert (await version_of(world)) == 0  # validating saves nothing


async def test_a_tree_that_cannot_work_is_refused_and_nothing_is_saved(world: World) -> None:
    gap = a_tree()
    gap["nodes"]["hours"]["branches"][1]["min"] = 600
    cycle = a_tree()
    cycle["nodes"]["hours"]["branches"][1]["next"] = "hours"
    orphan = a_tree()
    orphan["nodes"]["orphan"] = copy.deepcopy(orphan["nodes"]["repair"])
    misspelt = a_tree()
    misspelt["nodes"]["repair"]["clauze"] = "x"
    cases = [
        (gap, "config_invalid", "nodes.hours.branches[1]", "gap"),
        (cycle, "config_invalid", "nodes.hours.branches[1].next", "cycle"),
        (orphan, "config_invalid", "nodes.orphan", "cannot be reached"),
        (a_tree(serial_pattern="(?P<year>"), "config_invalid", "serial_pattern", "valid"),
        (misspelt, "validation_failed", None, "clauze"),
    ]
    for body, code, path, words in cases:
        for url, method in ((TREE, "PUT"), (f"{TREE}/validate", "POST")):
            response = await world.call("admin", method, url, json=body, expect=422)
            error = response.json()["error"]
            assert error["code"] == code, response.text
            if path is not None:
                assert error["details"]["path"] == path
            assert words in response.text
    assert (await version_of(world)) == 0


async def test_a_missing_input_on_the_path_answers_422_naming_it(world: World) -> None:
    cases = [
        ({}, "fault_category"),
        ({"fault_category": "performance"}, "purchase_date"),
        ({"fault_category": "performance", "purchase_age_days": 100}, "serial_number"),
        (
            {
                "fault_category": "performance",
                "purchase_age_days": 100,
                "serial_number": "CS-2403-00017",
            },
            "previous_repairs",
        ),
        ({"purchase_age_days": 1, "purchase_date": "2026-03-09"}, "purchase_age_days"),
        ({"fault_category": "performance", "purchase_date": "2026-03-11"}, "purchase_date"),
        ({"fault_category": "performance", "purchase_date": "0001-01-01"}, "purchase_date"),
        ({"purchase_age_days": 99_999}, "purchase_age_days"),
        ({"at": "9999-12-31T23:00:00-12:00"}, "at"),
    ]
    for case, field in cases:
        answer = await advise(world, expect=422, **case)
        assert answer["error"]["code"] == "validation_failed"
        assert answer["error"]["details"]["field"] == field, answer
    # A misspelt input is refused, not ignored.
    typo = await advise(world, expect=422, fault_category="performance", usage_hour=3)
    assert typo["error"]["code"] == "validation_failed"


async def test_another_tenants_asset_is_an_invalid_reference(
    world: World, other_world: World
) -> None:
    answer = await advise(
        world, expect=422, fault_category="performance", asset_id=str(other_world.asset_id)
    )
    assert answer["error"]["code"] == "invalid_reference"
    assert answer["error"]["details"]["field"] == "asset_id"


FINISH = Statement(
    "UPDATE workorders_work_order SET status = :status, created_at = :created"
    " WHERE tenant = :tenant AND id = :id"
)


async def repairs_on_asset(
    world: World, statuses: list[str], days_ago: int = 0, **fields: Any
) -> None:
    """Work orders on the world's asset, moved to ``statuses`` (opened ``days_ago``)."""
    db = world.client.app.state.services.db
    created = datetime.now(UTC) - timedelta(days=days_ago)
    for status in statuses:
        made = await world.create_work_order(asset_id=str(world.asset_id), **fields)
        async with db.transaction() as tx:
            await tx.execute(
                FINISH,
                tenant=world.tenant_id,
                id=uuid.UUID(made["id"]),
                status=status,
                created=created,
            )


async def test_the_asset_gives_the_serial_and_its_repairs_are_counted(world: World) -> None:
    case = {"fault_category": "performance", "asset_id": str(world.asset_id)}
    # Today's work orders are after a purchase 100 days ago; the evaluation is "now".
    now_case = {**case, "purchase_age_days": 100, "at": datetime.now(UTC).isoformat()}
    no_serial = await advise(world, expect=422, **now_case)
    assert no_serial["error"]["details"]["field"] == "serial_number"
    assert "the asset has none" in no_serial["error"]["message"]
    await world.call(
        "admin",
        "PATCH",
        f"/api/v1/assets/{world.asset_id}",
        json={"serial_number": "CS-2403-00017"},
        expect=200,
    )
    first = await advise(world, **now_case)
    assert (first["advice"], first["clause_id"], first["previous_repairs"]) == ("repair", "§3", 0)
    assert first["warranty"]["serial_number"] == "CS-2403-00017"
    # Open, cancelled and non-repair work orders are no repairs.
    await repairs_on_asset(world, ["in_progress", "cancelled"])
    await repairs_on_asset(world, ["closed"], type="inspection")
    await repairs_on_asset(world, ["resolved"])
    once = await advise(world, **now_case)
    assert (once["advice"], once["previous_repairs"]) == ("repair", 1)
    await repairs_on_asset(world, ["closed"], type="equipment_repair")
    twice = await advise(world, **now_case)
    assert (twice["advice"], twice["clause_id"], twice["previous_repairs"]) == (
        "exchange",
        "§4",
        2,
    )
    # What the case states wins over the directory and the count.
    stated = await advise(world, **now_case, previous_repairs=0, serial_number="SN-A100000")
    assert (stated["advice"], stated["clause_id"]) == ("escalate", "§7")
    # Repairs before the purchase (another owner's, 200 days ago) do not count.
    await repairs_on_asset(world, ["verified", "closed"], days_ago=200)
    assert (await advise(world, **now_case))["previous_repairs"] == 2
    # Without a purchase date every repair counts (a tree that tests the repairs only).
    repairs_only = a_tree()
    repairs_only["nodes"]["hours"]["kind"] = "previous_repairs"
    await world.call("admin", "PUT", TREE, json=repairs_only, expect=200)
    everything = await advise(world, asset_id=str(world.asset_id))
    assert (everything["previous_repairs"], everything["advice"]) == (4, "repair")
