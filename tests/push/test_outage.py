"""The outage the product was born from, replayed: 23 cold-storage repairs assigned while
APNs answers 503. Every one is delivered after recovery, or dead with an answer on record;
none is silent."""

import uuid

from push.apns import ApnsProvider
from push.providers import LogProvider
from push.relay import Relay, RetryPolicy
from tests.factories import World
from tests.push.apns_server import ApnsServer, Reply
from tests.push.test_outbox_and_relay import Clock, deliveries


async def test_23_assignments_during_a_503_outage_are_all_delivered(world: World, apns) -> None:
    server, config = apns
    token = uuid.uuid4().hex * 2
    body = {
        "id": str(uuid.uuid4()),
        "platform": "ios",
        "push_token": token,
        "app_bundle_id": "com.example.fieldops",
        "apns_environment": "production",
    }
    await world.call("eng_a", "POST", "/api/v1/devices", json=body, expect=200)
    outage = [Reply(503, "ServiceUnavailable", retry_after=20)] * 46  # two rounds of 23
    server.script(token, *outage, Reply(200))
    orders = []
    for index in range(23):
        wo = await world.create_work_order(title=f"Cold store {index} over temperature")
        await world.transition(
            "dispatcher", wo["id"], "assigned", assignee_id=str(world.users["eng_a"])
        )
        orders.append(wo["id"])

    clock = Clock()
    apns_provider = ApnsProvider(config)
    relay = Relay(
        db=world.client.app.state.services.db,
        providers={"apns": apns_provider, "fcm": LogProvider()},
        policy=RetryPolicy(max_retries=3),
        clock=clock,
    )
    for _ in range(4):  # the first try, then retries as the backoff comes due
        await relay.run_once()
        clock.advance(120)
    await apns_provider.close()

    states = {}
    for wo in orders:
        (delivery,) = await deliveries(world, subject_id=wo)
        states[wo] = delivery
    assert {d["status"] for d in states.values()} == {"delivered"}
    assert all(d["attempts"] == 3 for d in states.values())  # 503, 503, then 200
    assert sum(1 for r in server.received if r.status == 503) == 46
    assert sum(1 for r in server.received if r.status == 200) == 23
    # One apns-id per delivery across its attempts: the device can tell a resend.
    ids = [r.headers["apns-id"] for r in server.received]
    assert len(set(ids)) == 23


async def test_an_outage_longer_than_the_retries_dead_letters_with_apples_answer(
    world: World, apns
) -> None:
    server: ApnsServer = apns[0]
    token = uuid.uuid4().hex * 2
    body = {"id": str(uuid.uuid4()), "platform": "ios", "push_token": token, "app_bundle_id": "x.y"}
    await world.call("eng_a", "POST", "/api/v1/devices", json=body, expect=200)
    server.script(token, Reply(503, "ServiceUnavailable"))
    wo = await world.create_work_order()
    await world.transition(
        "dispatcher", wo["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    clock = Clock()
    provider = ApnsProvider(apns[1])
    relay = Relay(
        db=world.client.app.state.services.db,
        providers={"apns": provider, "fcm": LogProvider()},
        policy=RetryPolicy(max_retries=2),
        clock=clock,
    )
    for _ in range(5):
        await relay.run_once()
        clock.advance(600)
    await provider.close()
    (dead,) = await deliveries(world, subject_id=wo["id"])
    assert dead["status"] == "dead"
    assert dead["attempts"] == 3
    assert dead["last_status_code"] == 503
    assert dead["last_reason"] == "ServiceUnavailable"
