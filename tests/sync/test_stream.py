"""The live stream: RESYNC first, then committed changes of the caller's scope; never
uncommitted ones."""

import asyncio
from typing import Any

import msgspec

from kernel.context import Actor
from mobile_contract.enums import Role
from sync.stream import events
from tests.factories import World


def actor_of(world: World, name: str, role: Role) -> Actor:
    teams = frozenset({world.teams["team_a"]}) if role is Role.ENGINEER else frozenset()
    return Actor(tenant_id=world.tenant_id, user_id=world.users[name], role=role, team_ids=teams)


async def next_event(stream: Any) -> Any:
    return await asyncio.wait_for(anext(stream), timeout=10)


async def test_stream_sends_resync_then_committed_changes_in_scope(world: World) -> None:
    dispatcher = events(
        db=world.client.app.state.services.db,
        actor=actor_of(world, "dispatcher", Role.DISPATCHER),
        heartbeat=60,
    )
    engineer = events(
        db=world.client.app.state.services.db,
        actor=actor_of(world, "eng_b", Role.ENGINEER),
        heartbeat=60,
    )
    try:
        assert (await next_event(dispatcher)).data == "RESYNC"
        assert (await next_event(engineer)).data == "RESYNC"
        pending = asyncio.ensure_future(next_event(dispatcher))
        wo = await world.create_work_order(title="Live one")
        message = await pending
        body = msgspec.json.decode(message.data)
        assert message.event == "changes"
        assert body["collection"] == "work_orders"
        assert [d["title"] for d in body["documents"]] == ["Live one"]
        assert body["checkpoint"]

        waiting = asyncio.ensure_future(next_event(engineer))
        await world.transition(
            "dispatcher", wo["id"], "assigned", assignee_id=str(world.users["eng_b"])
        )
        body = msgspec.json.decode((await waiting).data)
        assert body["collection"] == "work_orders"
        assert [(d["id"], d["assignee_id"]) for d in body["documents"]] == [
            (wo["id"], str(world.users["eng_b"]))
        ]
    finally:
        await dispatcher.aclose()
        await engineer.aclose()


async def test_stream_sends_heartbeats_while_idle(world: World) -> None:
    stream = events(
        db=world.client.app.state.services.db,
        actor=actor_of(world, "dispatcher", Role.DISPATCHER),
        heartbeat=0.2,
    )
    try:
        assert (await next_event(stream)).data == "RESYNC"
        beat = await next_event(stream)
        assert beat.comment == "heartbeat"
    finally:
        await stream.aclose()


async def test_stream_never_carries_another_tenants_changes(
    world: World, other_world: World
) -> None:
    for name, role in (("admin", Role.ADMIN), ("eng_a", Role.ENGINEER)):
        stream = events(
            db=other_world.client.app.state.services.db,
            actor=actor_of(other_world, name, role),
            heartbeat=0.3,
        )
        try:
            assert (await next_event(stream)).data == "RESYNC"
            wo = await world.create_work_order(title="victim's")
            await world.transition(
                "dispatcher", wo["id"], "assigned", assignee_id=str(world.users["eng_a"])
            )
            for _ in range(2):  # wakes and re-checks: only heartbeats may come
                message = await next_event(stream)
                assert message.comment == "heartbeat", message
        finally:
            await stream.aclose()
