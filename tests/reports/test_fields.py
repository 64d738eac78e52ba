"""Staff write the report's root cause, prevention advice and parts used while the work order
is open: dispatch roles and its engineer, nobody else; refused once it is closed (the report
is final) or cancelled; what they have not written is listed as missing."""

from typing import Any

import pytest

from tests.factories import World
from tests.reports.factories import (
    FIELDS,
    PREVENTION,
    ROOT_CAUSE,
    WO_URL,
    repair,
    report,
    to_verified,
)


async def fill(world: World, wo: str, who: str, body: Any, expect: int) -> dict[str, Any]:
    response = await world.call(who, "PUT", f"{WO_URL}/{wo}/report", json=body, expect=expect)
    answer: dict[str, Any] = response.json()
    return answer


async def test_an_open_work_order_has_a_draft_with_everything_missing(world: World) -> None:
    wo = await repair(world)
    shown = await report(world, wo, "eng_a")
    assert shown["status"] == "draft"
    assert shown["missing"] == ["root_cause", "prevention"]
    assert shown["download_url"] == ""
    assert shown["parts_used"] == []


async def test_dispatch_roles_and_the_engineer_fill_it(world: World) -> None:
    wo = await repair(world)
    filled = await fill(world, wo, "eng_a", {"root_cause": f"  {ROOT_CAUSE}\n"}, 200)
    assert filled["root_cause"] == ROOT_CAUSE  # kept without the surrounding blanks
    assert filled["missing"] == ["prevention"]
    assert filled["filled_by_id"] == str(world.users["eng_a"])
    for who in ("dispatcher", "supervisor", "admin"):
        filled = await fill(world, wo, who, FIELDS, 200)
        assert filled["filled_by_id"] == str(world.users[who])
    shown = await report(world, wo, "eng_a")
    assert (shown["root_cause"], shown["prevention"]) == (ROOT_CAUSE, PREVENTION)
    assert shown["parts_used"] == [{"name": "启动电容 35µF", "quantity": 1.0, "note": "P/N C-35"}]
    assert shown["missing"] == []
    # PUT replaces: what is left out is empty again.
    assert (await fill(world, wo, "dispatcher", {}, 200))["missing"] == ["root_cause", "prevention"]
    timeline = (await world.call("dispatcher", "GET", f"{WO_URL}/{wo}", expect=200)).json()
    filled_entries = [e for e in timeline["timeline"] if e["action"] == "report_filled"]
    assert len(filled_entries) == 5
    assert filled_entries[-1]["after"] == {"missing": ["root_cause", "prevention"], "parts_used": 0}


async def test_other_engineers_may_not(world: World, other_world: World) -> None:
    wo = await repair(world)
    refused = await fill(world, wo, "eng_a2", FIELDS, 403)  # same team, not assigned
    assert refused["error"]["code"] == "forbidden"
    assert (await fill(world, wo, "eng_b", FIELDS, 404))["error"]["code"] == "not_found"
    await world.call("eng_b", "GET", f"{WO_URL}/{wo}/report", expect=404)
    # Another tenant's staff: the same answer as for an id nobody has.
    for who in ("dispatcher", "admin"):
        await other_world.call(who, "GET", f"{WO_URL}/{wo}/report", expect=404)
        assert (await fill(other_world, wo, who, FIELDS, 404))["error"]["code"] == "not_found"
    assert (await report(world, wo))["missing"] == ["root_cause", "prevention"]


async def test_a_closed_or_cancelled_work_order_s_report_is_final(world: World) -> None:
    wo = await repair(world)
    await fill(world, wo, "dispatcher", FIELDS, 200)
    await to_verified(world, wo)
    await fill(world, wo, "eng_a", FIELDS, 200)  # resolved and verified: still open
    await world.transition("dispatcher", wo, "closed")
    refused = await fill(world, wo, "dispatcher", {"root_cause": "changed"}, 409)
    assert refused["error"]["code"] == "illegal_transition"
    assert refused["error"]["details"] == {"status": "closed"}
    assert (await report(world, wo))["root_cause"] == ROOT_CAUSE
    cancelled = (await world.create_work_order())["id"]
    await world.transition("dispatcher", cancelled, "cancelled", reason="duplicate")
    assert (await fill(world, cancelled, "dispatcher", FIELDS, 409))["error"]["details"] == {
        "status": "cancelled"
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"root_cause": "x" * 4001}, "root_cause"),
        ({"prevention": "a\x00b"}, "prevention"),
        ({"parts_used": [{"name": ""}]}, "parts_used[0].name"),
        ({"parts_used": [{"name": "fan", "quantity": 0}]}, "parts_used[0].quantity"),
        ({"parts_used": [{"name": "fan\nmotor"}]}, "parts_used[0].name"),
        ({"parts_used": [{"name": "fan"}] * 51}, "parts_used"),
        ({"root_cause": 3}, "root_cause"),
    ],
)
async def test_bad_fields_are_refused_and_nothing_is_changed(
    world: World, body: dict[str, Any], field: str
) -> None:
    wo = await repair(world)
    await fill(world, wo, "dispatcher", FIELDS, 200)
    refused = await fill(world, wo, "dispatcher", body, 422)
    assert refused["error"]["code"] == "validation_failed"
    assert [e["field"] for e in refused["error"]["details"]["errors"]] == [field]
    assert (await report(world, wo))["root_cause"] == ROOT_CAUSE
