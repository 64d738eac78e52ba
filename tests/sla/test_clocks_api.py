"""SLA clocks on real work orders (both databases), with the timer worker run at an injected
"now": the acceptance case, a P0 left unaccepted escalates once with a snapshot, accepting
in time stops it, holds pause the clocks, two workers fire each timer once."""

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import msgspec
import pytest

from kernel.db import Database
from kernel.rows import json_text
from kernel.statements import Statement
from sla.timers import MAX_ATTEMPTS, FiringFailed, TimerWorker
from tests.factories import World


def database(world: World) -> Database:
    db: Database = world.client.app.state.services.db
    return db


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def clock_of(work_order: dict[str, Any], kind: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in work_order["sla"] if c["kind"] == kind)
    return found


async def detail(world: World, work_order_id: str) -> dict[str, Any]:
    url = f"/api/v1/work-orders/{work_order_id}"
    body: dict[str, Any] = (await world.call("dispatcher", "GET", url, expect=200)).json()
    return body


async def run_timers(world: World, now: datetime) -> int:
    """Every timer of the world's tenant due by ``now``, fired."""
    worker = TimerWorker(db=database(world), clock=lambda: now, tenant_id=world.tenant_id)
    fired = 0
    while done := await worker.run_once():
        fired += done
    return fired


async def test_a_p0_opens_with_its_reasons_team_and_a_15_minute_response_clock(
    world: World,
) -> None:
    created = await world.create_work_order(title="3号线停机 PLC 断网")
    assert created["priority"] == "P0"
    response = clock_of(created, "response")
    assert at(response["due_at"]) - at(created["created_at"]) == timedelta(minutes=15)
    assert response["target_seconds"] == 900
    assert response["breached"] is False
    assert response["calendar"] == "24x7"
    assert clock_of(created, "arrival")["target_seconds"] == 2 * 3600
    assert clock_of(created, "resolution")["target_seconds"] == 8 * 3600


async def test_a_p0_not_accepted_in_15_minutes_escalates_once_with_a_snapshot(
    world: World,
) -> None:
    await world.call(
        "supervisor",
        "POST",
        "/api/v1/devices",
        json={
            "id": str(uuid.uuid4()),
            "platform": "ios",
            "push_token": "ab" * 32,
            "app_bundle_id": "com.example.fieldops",
            "app_version": "9.9",
        },
        expect=200,
    )
    created = await world.create_work_order(title="3号线停机 PLC 断网")
    start = at(created["created_at"])
    assert await run_timers(world, start + timedelta(minutes=14)) == 2  # the 50% and 80% warnings
    timeline = (await detail(world, created["id"]))["timeline"]
    assert [e["action"] for e in timeline] == ["created", "sla_warning", "sla_warning"]
    assert {e["actor_role"] for e in timeline[1:]} == {"system"}
    # Minute 15: the response breach and the first P0 stage (strong, with on-call).
    assert await run_timers(world, start + timedelta(minutes=15, seconds=1)) == 2
    assert await run_timers(world, start + timedelta(minutes=15, seconds=2)) == 0  # once only
    shown = await detail(world, created["id"])
    actions = [e["action"] for e in shown["timeline"]]
    assert actions[3:] == ["sla_breached", "escalated"] or actions[3:] == [
        "escalated",
        "sla_breached",
    ]
    escalated = next(e for e in shown["timeline"] if e["action"] == "escalated")
    assert escalated["after"]["strong"] is True
    assert escalated["after"]["on_call"] is True
    assert escalated["after"]["recipients"] == [str(world.users["supervisor"])]
    assert clock_of(shown["work_order"], "response")["breached"] is True
    deliveries = await world.call(
        "dispatcher",
        "GET",
        "/api/v1/push/deliveries",
        params={"subject_id": created["id"]},
        expect=200,
    )
    (delivery,) = deliveries.json()["items"]
    assert delivery["kind"] == "escalation"
    alerts = (await world.call("dispatcher", "GET", "/api/v1/push/alerts", expect=200)).json()
    assert "escalation" in [alert["kind"] for alert in alerts["items"]]
    listed = await world.call("supervisor", "GET", "/api/v1/sla/escalations", expect=200)
    (item,) = listed.json()["items"]
    assert (item["number"], item["stage"], item["clock"]) == (created["number"], 0, "response")


async def test_accepting_in_time_means_no_escalation(world: World) -> None:
    created = await world.create_work_order(title="3号线停机 PLC 断网")
    start = at(created["created_at"])
    assert await run_timers(world, start + timedelta(minutes=14)) == 2
    await world.transition(
        "dispatcher", created["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    await world.transition("eng_a", created["id"], "accepted")
    assert await run_timers(world, start + timedelta(minutes=16)) == 0
    shown = await detail(world, created["id"])
    assert "escalated" not in [e["action"] for e in shown["timeline"]]
    response = clock_of(shown["work_order"], "response")
    assert response["met_at"] is not None
    assert response["breached"] is False
    assert response["due_at"] is None


async def test_on_hold_for_parts_pauses_and_a_priority_change_keeps_the_pause(
    world: World,
) -> None:
    created = await world.create_work_order(title="Door hinge squeaks", priority="P2")
    wo = created["id"]
    await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users["eng_a"]))
    for target in ("accepted", "en_route", "on_site", "in_progress"):
        await world.transition("eng_a", wo, target)
    await world.transition(
        "eng_a", wo, "on_hold", hold_reason="parts", reason="compressor on order"
    )
    held = (await detail(world, wo))["work_order"]
    resolution = clock_of(held, "resolution")
    assert resolution["paused"] is True
    assert resolution["due_at"] is None
    assert 72 * 3600 - 60 < resolution["remaining_seconds"] <= 72 * 3600
    # Raised to P1 while paused: the new target (24 h), still paused.
    url = f"/api/v1/work-orders/{wo}"
    raised = (
        await world.call("dispatcher", "PATCH", url, json={"priority": "P1"}, expect=200)
    ).json()
    resolution = clock_of(raised["work_order"], "resolution")
    assert (resolution["target_seconds"], resolution["paused"]) == (24 * 3600, True)
    await world.transition("eng_a", wo, "in_progress")
    resumed = clock_of((await detail(world, wo))["work_order"], "resolution")
    assert resumed["paused"] is False
    paused_for = at(resumed["due_at"]) - (at(created["created_at"]) + timedelta(hours=24))
    assert timedelta(0) < paused_for < timedelta(minutes=1)  # the moments it spent on hold


async def test_two_workers_fire_each_timer_once(world: World) -> None:
    made = [await world.create_work_order(title=f"停机 {n}") for n in range(12)]
    later = max(at(w["created_at"]) for w in made) + timedelta(minutes=16)
    workers = [
        TimerWorker(db=database(world), clock=lambda: later, tenant_id=world.tenant_id, batch=7)
        for _ in range(2)
    ]
    while sum(await asyncio.gather(*(w.run_once() for w in workers))):
        pass
    listed = await world.call(
        "supervisor", "GET", "/api/v1/sla/escalations", params={"limit": 200}, expect=200
    )
    numbers = [item["number"] for item in listed.json()["items"]]
    assert sorted(numbers) == sorted(w["number"] for w in made)  # one each, none twice
    for work_order in made[:3]:
        actions = [e["action"] for e in (await detail(world, work_order["id"]))["timeline"]]
        assert actions.count("escalated") == 1
        assert actions.count("sla_breached") == 1


BOGUS_TIMER = Statement(
    "INSERT INTO sla_timer (id, tenant, work_order, clock, kind, due_at, detail, created_at)"
    " VALUES (:id, :tenant, :work_order, 'response', 'escalation', :due, :detail, :due)"
)
FIRED_AT = Statement("SELECT fired_at FROM sla_timer WHERE id = :id")


class Fired(msgspec.Struct):
    fired_at: datetime | None = None


async def test_a_timer_that_cannot_fire_is_given_up_and_holds_up_no_other(world: World) -> None:
    db = database(world)
    broken = await world.create_work_order(title="Broken stage", priority="P3")
    created = await world.create_work_order(title="3号线停机 PLC 断网")
    start = at(created["created_at"])
    bogus = uuid.uuid4()
    async with db.transaction() as tx:  # a stage whose recipients are not a list
        await tx.execute(
            BOGUS_TIMER,
            id=bogus,
            tenant=world.tenant_id,
            work_order=uuid.UUID(broken["id"]),
            due=start - timedelta(seconds=1),
            detail=json_text({"stage": 0, "after_seconds": 1, "recipients": "everyone"}),
        )
    worker = TimerWorker(
        db=db, clock=lambda: start + timedelta(minutes=16), tenant_id=world.tenant_id
    )
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(FiringFailed):
            await worker.run_once()
    assert await worker.run_once() >= 1  # given up on the third failure, then the rest
    while await worker.run_once():
        pass
    async with db.snapshot() as reader:
        (row,) = await reader.fetch(FIRED_AT, Fired, id=bogus)
    assert row.fired_at is not None
    actions = [e["action"] for e in (await detail(world, created["id"]))["timeline"]]
    assert actions.count("escalated") == 1
