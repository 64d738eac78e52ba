"""Required evidence, the closure checkpoint: what each work-order type needs, how far each
requirement is, readings, the tenant's own rules, and resolving refused (API and offline sync)
until everything is verified."""

from typing import Any

import pytest

from tests.factories import World, sample_image
from tests.media.test_uploads import call, create, declaration, engineers_work_order, put
from tests.media.test_verification import verify_all
from tests.sync.test_pull import pull_all
from tests.sync.test_push import edited, push, server_doc

pytestmark = pytest.mark.usefixtures("each_store")


async def evidence(world: World, wo: str, who: str = "eng_a") -> Any:
    return (await world.call(who, "GET", f"/api/v1/work-orders/{wo}/evidence", expect=200)).json()


def states(body: dict[str, Any]) -> dict[str, str]:
    return {r["code"]: r["state"] for r in body["requirements"]}


async def test_each_requirement_goes_from_missing_to_verified(world: World) -> None:
    wo = await engineers_work_order(world)
    body = await evidence(world, wo)
    assert states(body) == {
        "photo_before": "missing",
        "photo_after": "missing",
        "temperature_reading": "missing",
        "customer_signature": "missing",
    }
    assert body["missing"] == list(states(body))
    photo = sample_image("JPEG")
    session = await create(world, wo, declaration(photo, requirement="photo_before"))
    assert states(await evidence(world, wo))["photo_before"] == "awaiting_verification"
    await put(world, session["upload"], photo)
    await call(world, "eng_a", session["id"], "complete")
    # Uploaded but not yet verified still blocks resolving, and says so.
    for step in ("accepted", "on_site", "in_progress"):
        await world.transition("eng_a", wo, step)
    refused = (await world.transition("eng_a", wo, "resolved", expect=409)).json()["error"]
    missing = {m["code"]: m["state"] for m in refused["details"]["missing"]}
    assert missing["photo_before"] == "awaiting_verification"
    assert "Photo before the repair (awaiting_verification)" in refused["message"]
    await verify_all(world)
    assert states(await evidence(world, wo))["photo_before"] == "verified"
    # A reading answers the temperature requirement (it accepts one); nothing else does.
    reading = {"requirement": "temperature_reading", "value": "-18.5", "unit": "°C"}
    entry = (
        await world.call(
            "eng_a", "POST", f"/api/v1/work-orders/{wo}/readings", json=reading, expect=201
        )
    ).json()
    assert (entry["entry"], entry["details"]) == ("reading", {"value": "-18.5", "unit": "°C"})
    wrong = {"requirement": "photo_after", "value": "done"}
    await world.call("eng_a", "POST", f"/api/v1/work-orders/{wo}/readings", json=wrong)
    body = await evidence(world, wo)
    assert states(body)["temperature_reading"] == "verified"
    assert body["missing"] == ["photo_after", "customer_signature"]
    assert body["chain_intact"] is True
    assert [e["seq"] for e in body["entries"]] == [1, 2, 3]
    await world.add_required_evidence(wo)
    resolved = (await world.transition("eng_a", wo, "resolved")).json()
    assert resolved["work_order"]["status"] == "resolved"
    # Another engineer sees none of it.
    await world.call("eng_b", "GET", f"/api/v1/work-orders/{wo}/evidence", expect=404)


async def test_an_offline_resolve_without_evidence_comes_back_as_a_conflict(world: World) -> None:
    wo = await engineers_work_order(world)
    doc = await server_doc(world, "eng_a", "work_orders", wo)
    new = edited(doc, status="resolved", occurred_at="2026-12-04T10:00:00+08:00")
    conflicts = await push(
        world, "eng_a", "work_orders", [{"assumedMasterState": doc, "newDocumentState": new}]
    )
    assert conflicts[0]["status"] == "in_progress"  # as far as it may go
    records = (
        await world.call("dispatcher", "GET", "/api/v1/sync/conflicts", params={"document_id": wo})
    ).json()["items"]
    assert records[-1]["field"] == "status"
    assert "resolving needs the required evidence" in records[-1]["reason"]
    assert "Customer signature (missing)" in records[-1]["reason"]
    # With the evidence in, the same offline change goes through.
    await world.add_required_evidence(wo)
    current = await server_doc(world, "eng_a", "work_orders", wo)
    retry = edited(current, status="resolved")
    done = await push(
        world, "eng_a", "work_orders", [{"assumedMasterState": current, "newDocumentState": retry}]
    )
    assert [d["status"] for d in done] == ["resolved"]  # the stored state, a new version


async def test_a_tenant_sets_its_own_rules_per_type(world: World, other_world: World) -> None:
    rules = {
        "requirements": [
            {"code": "nameplate", "label": "Nameplate photo", "kinds": ["photo"]},
        ]
    }
    url = "/api/v1/evidence-rules/equipment_repair"
    refused = await world.call("dispatcher", "PUT", url, json=rules, expect=403)
    assert refused.json()["error"]["code"] == "forbidden"
    saved = (await world.call("admin", "PUT", url, json=rules, expect=200)).json()
    assert saved["customised"] is True
    twice = {"requirements": rules["requirements"] * 2}
    duplicate = await world.call("admin", "PUT", url, json=twice, expect=422)
    assert duplicate.json()["error"]["code"] == "validation_failed"
    listed = (await world.call("dispatcher", "GET", "/api/v1/evidence-rules")).json()["items"]
    by_type = {item["work_order_type"]: item for item in listed}
    assert [r["code"] for r in by_type["equipment_repair"]["requirements"]] == ["nameplate"]
    assert by_type["cold_storage_repair"]["customised"] is False
    # Another tenant keeps the defaults.
    theirs = (await other_world.call("dispatcher", "GET", "/api/v1/evidence-rules")).json()
    equipment = next(i for i in theirs["items"] if i["work_order_type"] == "equipment_repair")
    assert [r["code"] for r in equipment["requirements"]] == [
        "photo_before",
        "photo_after",
        "customer_signature",
    ]
    wo = await world.create_work_order(type="equipment_repair")
    assert states(await evidence(world, wo["id"], "dispatcher")) == {"nameplate": "missing"}


async def test_evidence_syncs_to_the_engineers_devices_as_references(world: World) -> None:
    wo = await engineers_work_order(world)
    await world.add_required_evidence(wo)
    documents, _ = await pull_all(world, "eng_a", "evidence")
    mine = [d for d in documents.values() if d["work_order_id"] == wo]
    assert {d["requirement"] for d in mine} == {
        "photo_before",
        "photo_after",
        "temperature_reading",
        "customer_signature",
    }
    photo = next(d for d in mine if d["requirement"] == "photo_before")
    assert len(photo["sha256"]) == 64
    assert photo["entry_hash"]
    assert "url" not in photo  # references and hashes, never bytes or links
    others, _ = await pull_all(world, "eng_b", "evidence")
    assert not [d for d in others.values() if d["work_order_id"] == wo]
    # Reassigned: the evidence leaves the old engineer's device with the work order.
    await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users["eng_a2"]))
    after, _ = await pull_all(world, "eng_a", "evidence")
    assert all(after[d["id"]]["_deleted"] for d in mine if d["id"] in after)
    theirs, _ = await pull_all(world, "eng_a2", "evidence")
    assert {d["id"] for d in mine} <= set(theirs)
