"""Responsibility zones (责任田): the most specific zone owns a new work order, a default
team catches the rest, and zones that could not be told apart are refused."""

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from mobile_contract import triage as contract
from mobile_contract.enums import CustomerTier, WorkOrderType
from tests.factories import World
from triage.zones import Subject, ordered, owner

ZONES = "/api/v1/zones"
SITE, OTHER_SITE = uuid4(), uuid4()


def zone(name: str, **keys: Any) -> contract.Zone:
    now = datetime.now(UTC)
    return contract.Zone(
        id=uuid4(), name=name, team_id=uuid4(), created_at=now, updated_at=now, **keys
    )


TABLE = ordered(
    [
        zone("default"),
        zone("site", site_id=SITE),
        zone("site line", site_id=SITE, production_line="3号线"),
        zone("line anywhere", production_line="3号线"),
        zone("strategic", customer_tier=CustomerTier.STRATEGIC),
        zone("inspections", work_order_type=WorkOrderType.INSPECTION),
        zone("module", system_module="PLC"),
        zone(
            "tier and type",
            customer_tier=CustomerTier.STRATEGIC,
            work_order_type=WorkOrderType.INSPECTION,
        ),
    ]
)


def subject(**fields: Any) -> Subject:
    values: dict[str, Any] = {
        "site_id": None,
        "production_line": "",
        "system_module": "",
        "customer_tier": None,
        "work_order_type": WorkOrderType.EQUIPMENT_REPAIR,
        **fields,
    }
    return Subject(**values)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        ({}, "default"),
        ({"site_id": SITE}, "site"),
        ({"site_id": SITE, "production_line": "3号线"}, "site line"),
        ({"site_id": OTHER_SITE, "production_line": " 3号线 "}, "line anywhere"),
        ({"site_id": SITE, "customer_tier": CustomerTier.STRATEGIC}, "site"),  # site ranks first
        ({"customer_tier": CustomerTier.STRATEGIC}, "strategic"),
        ({"system_module": "plc", "customer_tier": CustomerTier.STRATEGIC}, "module"),
        (
            {"customer_tier": CustomerTier.STRATEGIC, "work_order_type": WorkOrderType.INSPECTION},
            "tier and type",  # two keys beat one
        ),
        ({"work_order_type": WorkOrderType.INSPECTION}, "inspections"),
    ],
)
def test_the_most_specific_zone_wins(facts: dict[str, Any], expected: str) -> None:
    found = owner(TABLE, subject(**facts))
    assert found is not None
    assert found.name == expected


def test_without_a_default_nothing_may_own_it() -> None:
    assert owner([z for z in TABLE if z.name != "default"], subject()) is None


async def make_zone(world: World, name: str, team: str, **keys: Any) -> Any:
    body = {"name": name, "team_id": str(world.teams[team]), **keys}
    return (await world.call("admin", "POST", ZONES, json=body, expect=201)).json()


async def test_a_new_work_order_lands_in_the_owning_teams_queue(world: World) -> None:
    await world.call(
        "admin",
        "PATCH",
        f"/api/v1/assets/{world.asset_id}",
        json={"production_line": "3号线"},
        expect=200,
    )
    await make_zone(world, "Everything else", "team_b")
    line = await make_zone(
        world, "Line 3", "team_a", site_id=str(world.site_id), production_line="3号线"
    )
    created = await world.create_work_order(
        title="3号线停机", team_id=None, asset_id=str(world.asset_id)
    )
    assert created["team_id"] == str(world.teams["team_a"])
    detail = await world.call(
        "dispatcher", "GET", f"/api/v1/work-orders/{created['id']}", expect=200
    )
    triage = detail.json()["timeline"][0]["after"]["triage"]
    assert triage["zone"] == {"id": line["id"], "name": "Line 3"}
    elsewhere = await world.create_work_order(title="Lights", team_id=None)
    assert elsewhere["team_id"] == str(world.teams["team_b"])
    # A team named by the caller wins over the zones.
    named = await world.create_work_order(
        title="3号线停机", asset_id=str(world.asset_id), team_id=str(world.teams["team_b"])
    )
    assert named["team_id"] == str(world.teams["team_b"])
    listed = (await world.call("dispatcher", "GET", ZONES, expect=200)).json()["items"]
    assert [item["name"] for item in listed] == ["Line 3", "Everything else"]


async def test_zones_that_cannot_be_told_apart_are_refused(world: World) -> None:
    first = await make_zone(world, "Line 3", "team_a", production_line="3号线")
    body = {
        "name": "Also line 3",
        "team_id": str(world.teams["team_b"]),
        "production_line": " 3号线",
    }
    refused = await world.call("admin", "POST", ZONES, json=body, expect=422)
    assert refused.json()["error"]["code"] == "config_invalid"
    assert "Line 3" in refused.json()["error"]["message"]
    # Updating a zone onto its own keys is fine; deleting frees them.
    await world.call(
        "admin", "PUT", f"{ZONES}/{first['id']}", json={**body, "name": "Renamed"}, expect=200
    )
    await world.call("admin", "DELETE", f"{ZONES}/{first['id']}", expect=204)
    await world.call("admin", "POST", ZONES, json=body, expect=201)


async def test_zone_references_stay_in_the_tenant(world: World, other_world: World) -> None:
    theirs = {"name": "x", "team_id": str(other_world.teams["team_a"])}
    refused = await world.call("admin", "POST", ZONES, json=theirs, expect=422)
    assert refused.json()["error"]["code"] == "invalid_reference"
    site = {"name": "x", "team_id": str(world.teams["team_a"]), "site_id": str(other_world.site_id)}
    assert (await world.call("admin", "POST", ZONES, json=site, expect=422)).json()["error"][
        "code"
    ] == "invalid_reference"
    made = await make_zone(world, "mine", "team_a")
    await other_world.call("admin", "PUT", f"{ZONES}/{made['id']}", json=theirs, expect=404)
    await other_world.call("admin", "DELETE", f"{ZONES}/{made['id']}", expect=404)
    assert (await other_world.call("admin", "GET", ZONES, expect=200)).json()["items"] == []
    unknown = await world.call(
        "admin",
        "POST",
        ZONES,
        json={"name": "x", "team_id": str(world.teams["team_a"]), "colour": 1},
    )
    assert unknown.status_code == 400 or unknown.status_code == 422


async def test_only_admins_and_supervisors_change_zones(world: World) -> None:
    body = {"name": "x", "team_id": str(world.teams["team_a"])}
    await world.call("dispatcher", "POST", ZONES, json=body, expect=403)
    await world.call("eng_a", "GET", ZONES, expect=403)
    await world.call("supervisor", "POST", ZONES, json=body, expect=201)
