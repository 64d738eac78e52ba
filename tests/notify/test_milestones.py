"""Each milestone is sent once per work order: through its whole life, under a retried write,
a replayed sync push, a reassignment and a reopen → resolve cycle; nobody to tell records the
milestone with no message; the log provider never says ``sent`` and never shows a token."""

import asyncio
import logging
import re
import uuid
from typing import Any

import msgspec
import pytest

from kernel.clock import utcnow
from notify import milestones
from tests.factories import World
from tests.notify.conftest import WANG, Clock, drain, relay, repair, sent, set_contacts, to_resolved
from workorders import queries
from workorders.events import WorkOrderWritten

TOKEN = re.compile(r"fpt_[A-Za-z0-9_-]{8,}")


async def test_each_milestone_once_through_a_whole_life(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    await set_contacts(world, WANG)
    wo = await repair(world)
    await to_resolved(world, wo)
    await world.transition("dispatcher", wo, "verified")
    await world.transition("dispatcher", wo, "closed")
    with caplog.at_level(logging.INFO, logger="fieldops.notify"):
        assert await drain(relay(world, Clock())) == 5
    shown = await sent(world, wo)
    assert [(m["milestone"], m["messages"]) for m in shown["milestones"]] == [
        ("created", 1),
        ("assigned", 1),
        ("resolved", 1),
        ("verified", 1),
        ("closed", 1),
    ]
    assert [(m["milestone"], m["channel"], m["status"]) for m in shown["items"]] == [
        ("created", "log", "logged"),
        ("assigned", "log", "logged"),
        ("resolved", "log", "logged"),
        ("verified", "log", "logged"),
        ("closed", "log", "logged"),
    ]
    assert {m["address"] for m in shown["items"]} == {"…5678"}
    assert all(m["sent_at"] and m["recipient"] == "王经理" for m in shown["items"])
    logged = [r.getMessage() for r in caplog.records if r.name == "fieldops.notify"]
    assert len(logged) == 5
    assert "https://fieldops.example.com/p/fpt_…" in logged[0]
    assert "/report.pdf" in logged[4]
    assert not any(TOKEN.search(line) for line in logged)  # the token never in clear
    assert await drain(relay(world, Clock())) == 0  # nothing left to send


async def test_resolve_reopen_resolve_tells_the_customer_once(world: World) -> None:
    await set_contacts(world, WANG)
    wo = await repair(world)
    await to_resolved(world, wo)
    await world.transition("dispatcher", wo, "in_progress", reason="Still too warm")
    await world.transition("eng_a", wo, "resolved")
    await world.transition("dispatcher", wo, "verified")
    await world.transition("dispatcher", wo, "in_progress", reason="Warm again")
    await world.transition("eng_a", wo, "resolved")
    await world.transition("dispatcher", wo, "verified")
    await drain(relay(world, Clock()))
    milestones_sent = [m["milestone"] for m in (await sent(world, wo))["items"]]
    assert milestones_sent == ["created", "assigned", "resolved", "verified"]


async def test_a_reassignment_is_not_sent_again(world: World) -> None:
    await set_contacts(world, WANG)
    wo = await repair(world)
    for engineer in ("eng_a", "eng_a2", "eng_a"):
        await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users[engineer]))
    await drain(relay(world, Clock()))
    assert [m["milestone"] for m in (await sent(world, wo))["items"]] == ["created", "assigned"]


async def test_a_write_announced_twice_adds_no_second_message(world: World) -> None:
    """A retried request that reaches the milestone again (here: the same write announced in
    two concurrent transactions; on PostgreSQL the second waits at the unique index) finds the
    milestone's row and adds nothing."""
    await set_contacts(world, WANG)
    wo = await repair(world)
    db = world.client.app.state.services.db
    async with db.snapshot() as reader:
        row = await queries.load_row_in_tenant(world.tenant_id, uuid.UUID(wo), reader=reader)
    assigned = msgspec.structs.replace(row, assignee_id=world.users["eng_a"])

    async def announce() -> None:
        async with db.transaction() as tx:
            event = WorkOrderWritten(
                tenant_id=world.tenant_id, before=row, after=assigned, now=utcnow()
            )
            await milestones.work_order_written(tx, event)

    await asyncio.gather(announce(), announce())
    shown = await sent(world, wo)
    assert [(m["milestone"], m["messages"]) for m in shown["milestones"]] == [
        ("created", 1),
        ("assigned", 1),
    ]


async def test_a_replayed_sync_push_resolves_and_tells_once(world: World) -> None:
    await set_contacts(world, WANG)
    wo = await repair(world)
    await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users["eng_a"]))
    for target in ("accepted", "en_route", "on_site", "in_progress"):
        await world.transition("eng_a", wo, target)
    doc = await _synced(world, wo)
    push = [{"assumedMasterState": doc, "newDocumentState": {**doc, "status": "resolved"}}]
    for _ in range(2):  # the device lost the first answer and sends the same push again
        await world.call("eng_a", "POST", "/api/v1/sync/work_orders/push", json=push, expect=200)
    assert (await _synced(world, wo))["status"] == "resolved"
    await drain(relay(world, Clock()))
    milestones_sent = [m["milestone"] for m in (await sent(world, wo))["items"]]
    assert milestones_sent == ["created", "assigned", "resolved"]


async def test_nobody_to_tell_records_the_milestone_without_a_message(world: World) -> None:
    no_customer = str((await world.create_work_order(type="inspection"))["id"])
    await set_contacts(world, {**WANG, "notify": False}, {"name": "Front desk"} | {"notify": False})
    opted_out = await repair(world)
    for wo in (no_customer, opted_out):
        await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users["eng_a"]))
    assert await drain(relay(world, Clock())) == 0
    for wo in (no_customer, opted_out):
        shown = await sent(world, wo)
        assert [(m["milestone"], m["messages"]) for m in shown["milestones"]] == [
            ("created", 0),
            ("assigned", 0),
        ]
        assert shown["items"] == []


async def test_a_customer_added_later_does_not_make_created_due_again(world: World) -> None:
    await set_contacts(world, WANG)
    wo = str((await world.create_work_order(type="inspection"))["id"])
    url = f"/api/v1/work-orders/{wo}"
    await world.call("dispatcher", "PATCH", url, json={"customer_id": str(world.customer_id)})
    await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users["eng_a"]))
    await drain(relay(world, Clock()))
    assert [m["milestone"] for m in (await sent(world, wo))["items"]] == ["assigned"]


async def test_another_tenants_staff_see_nothing_of_it(world: World, other_world: World) -> None:
    await set_contacts(world, WANG)
    wo = await repair(world)
    url = f"/api/v1/work-orders/{wo}/customer-notifications"
    refused = await other_world.call("admin", "GET", url, expect=404)
    assert refused.json()["error"]["code"] == "not_found"
    assert len((await sent(world, wo))["items"]) == 1


async def _synced(world: World, work_order_id: str) -> dict[str, Any]:
    checkpoint = None
    while True:
        params = {"limit": "200", **({"checkpoint": checkpoint} if checkpoint else {})}
        page = (
            await world.call("eng_a", "GET", "/api/v1/sync/work_orders/pull", params=params)
        ).json()
        for doc in page["documents"]:
            if doc["id"] == work_order_id:
                found: dict[str, Any] = doc
        checkpoint = page["checkpoint"] or checkpoint
        if len(page["documents"]) < 200:
            return found
