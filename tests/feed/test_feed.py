"""The dispatcher feed: work-order changes, SLA warnings and escalations of the caller's
tenant, in commit order, resumable from a cursor; dispatch roles only."""

import asyncio
from datetime import datetime, timedelta
from typing import Any

import msgspec

from feed.stream import events
from kernel.context import Actor
from mobile_contract.enums import Role
from sla.timers import TimerWorker
from tests.factories import World


def dispatcher(world: World) -> Actor:
    return Actor(tenant_id=world.tenant_id, user_id=world.users["dispatcher"], role=Role.DISPATCHER)


async def take(stream: Any, count: int) -> list[Any]:
    """The next ``count`` events (ready and heartbeats included), 10 s at most each."""
    return [await asyncio.wait_for(anext(stream), timeout=10) for _ in range(count)]


def body(message: Any) -> Any:
    return msgspec.json.decode(message.data)


async def test_the_feed_streams_changes_in_commit_order_and_resumes(
    world: World, other_world: World
) -> None:
    db = world.client.app.state.services.db
    wake = asyncio.Event()
    stream = events(db=db, actor=dispatcher(world), cursor=None, wake=wake, heartbeat=60)
    try:
        (ready,) = await take(stream, 1)
        assert ready.event == "ready"
        start = body(ready)["cursor"]
        pending = asyncio.ensure_future(take(stream, 2))
        created = await world.create_work_order(title="On the board")
        await other_world.create_work_order(title="Not on this tenant's board")
        await world.transition(
            "dispatcher", created["id"], "assigned", assignee_id=str(world.users["eng_a"])
        )
        wake.set()  # what the channels do on commit (server/app.py)
        first, second = await pending
    finally:
        await stream.aclose()
    assert (first.event, second.event) == ("work_order", "work_order")
    assert int(first.id) < int(second.id)
    assert body(first)["work_order"]["title"] == "On the board"
    assert body(second)["work_order"]["status"] == "assigned"  # as it is now
    # Reconnecting after the first event replays what came after it, and only that.
    again = events(db=db, actor=dispatcher(world), cursor=int(first.id), wake=wake, heartbeat=60)
    try:
        ready, replayed = await take(again, 2)
    finally:
        await again.aclose()
    assert body(ready)["cursor"] == int(first.id)
    assert replayed.id == second.id
    assert int(first.id) == start + 1


async def test_sla_warnings_breaches_and_escalations_are_on_the_feed(world: World) -> None:
    db = world.client.app.state.services.db
    created = await world.create_work_order(title="3号线停机 PLC 断网")
    start = datetime.fromisoformat(created["created_at"].replace("Z", "+00:00"))
    stream = events(db=db, actor=dispatcher(world), cursor=None, wake=asyncio.Event(), heartbeat=60)
    try:
        await take(stream, 1)
        worker = TimerWorker(
            db=db, clock=lambda: start + timedelta(minutes=16), tenant_id=world.tenant_id
        )
        while await worker.run_once():
            pass
        found = await take(stream, 4)  # two warnings, the breach and the escalation
    finally:
        await stream.aclose()
    kinds = sorted(message.event for message in found)
    assert kinds == ["escalated", "sla_breached", "sla_warning", "sla_warning"]
    escalated = body(next(m for m in found if m.event == "escalated"))
    assert escalated["work_order"]["number"] == created["number"]
    assert escalated["detail"]["strong"] is True
    warnings = sorted(body(m)["detail"]["percent"] for m in found if m.event == "sla_warning")
    assert warnings == [50, 80]


async def test_only_dispatch_roles_follow_the_feed(world: World) -> None:
    refused = await world.call("eng_a", "GET", "/api/v1/feed")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    bad = await world.call("dispatcher", "GET", "/api/v1/feed", params={"cursor": "-1"})
    assert bad.status_code == 422
