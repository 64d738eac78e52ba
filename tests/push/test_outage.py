"""The outage the product was born from, replayed: 23 cold-storage repairs assigned while APNs
answers 503. With the defaults, every one is delivered soon after APNs recovers, without a
supervisor's replay, and on-call hears of it once at most (not once per delivery)."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from push.apns import ApnsProvider
from push.providers import LogProvider
from push.relay import Relay
from tests.factories import World
from tests.push.apns_server import ApnsServer, Reply
from tests.push.test_outbox_and_relay import Clock, deliveries

RECOVERY_WITHIN = timedelta(seconds=60)


async def register(world: World) -> str:
    token = uuid.uuid4().hex * 2
    body = {
        "id": str(uuid.uuid4()),
        "platform": "ios",
        "push_token": token,
        "app_bundle_id": "com.example.fieldops",
        "apns_environment": "production",
    }
    await world.call("eng_a", "POST", "/api/v1/devices", json=body, expect=200)
    return token


async def assign_many(world: World, count: int) -> list[str]:
    orders = []
    for index in range(count):
        wo = await world.create_work_order(title=f"Cold store {index} over temperature")
        await world.transition(
            "dispatcher", wo["id"], "assigned", assignee_id=str(world.users["eng_a"])
        )
        orders.append(str(wo["id"]))
    return orders


def outage_until(server: ApnsServer, clock: Clock, end: datetime) -> None:
    server.override = lambda: Reply(503, "ServiceUnavailable") if clock() < end else None


async def alerts(world: World) -> list[dict[str, Any]]:
    response = await world.call("supervisor", "GET", "/api/v1/push/alerts", expect=200)
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def replay(world: World, apns: Any, outage: timedelta) -> tuple[list[dict[str, Any]], Any]:
    """23 assignments at the start of an outage of ``outage``; the relay (defaults: retry
    policy, circuit, alerting) runs once a second until every delivery settled."""
    server, config = apns
    await register(world)
    orders = await assign_many(world, 23)
    clock = Clock()
    start = clock()
    outage_until(server, clock, start + outage)
    provider = ApnsProvider(config)
    relay = Relay(
        db=world.client.app.state.services.db,
        providers={"apns": provider, "fcm": LogProvider()},
        clock=clock,
    )
    settled: list[dict[str, Any]] = []
    for _ in range(int(outage.total_seconds()) + 400):
        await relay.run_once()
        settled = [d for wo in orders for d in await deliveries(world, subject_id=wo)]
        if all(d["status"] not in ("pending", "retrying") for d in settled):
            break
        clock.advance(1)
    await provider.close()
    return settled, start + outage


async def test_23_assignments_during_a_minute_of_503s_arrive_soon_after_recovery(
    world: World, apns
) -> None:
    settled, recovery = await replay(world, apns, timedelta(seconds=60))
    assert len(settled) == 23
    assert {d["status"] for d in settled} == {"delivered"}
    last = max(datetime.fromisoformat(d["sent_at"]) for d in settled)
    assert recovery <= last <= recovery + RECOVERY_WITHIN
    assert all(d["attempts"] <= 4 for d in settled)  # the outage did not use up their retries
    server: ApnsServer = apns[0]
    failed = [r for r in server.received if r.status == 503]
    assert len(failed) <= 23 + 8  # the first sends, then one probe at a time
    # One apns-id per delivery across its attempts: the device can tell a resend.
    assert len({r.headers["apns-id"] for r in server.received}) == 23
    assert [a for a in await alerts(world) if a["kind"] == "dead_letter"] == []
    assert len(await alerts(world)) <= 1


async def test_a_five_minute_outage_is_ridden_out_with_one_alert(world: World, apns) -> None:
    settled, recovery = await replay(world, apns, timedelta(minutes=5))
    assert {d["status"] for d in settled} == {"delivered"}
    last = max(datetime.fromisoformat(d["sent_at"]) for d in settled)
    assert last <= recovery + RECOVERY_WITHIN
    (alert,) = await alerts(world)  # grouped: one for the outage, none per delivery
    assert alert["kind"] == "provider_outage"
    assert alert["message"].startswith("APNS has been failing for 2 min")
    assert "23 push(es) wait" in alert["message"]
    assert "ServiceUnavailable" in alert["message"]


async def test_a_provider_answering_again_releases_deliveries_waiting_out_a_backoff(
    world: World, apns
) -> None:
    """Three sends failed (their retries are 20 s away) and opened the circuit; a fourth was
    held. When the held one's probe gets through, the three go at once, not 20 s later."""
    server, config = apns
    await register(world)
    orders = await assign_many(world, 4)
    clock = Clock()
    outage_until(server, clock, clock() + timedelta(seconds=1))
    provider = ApnsProvider(config)
    relay = Relay(
        db=world.client.app.state.services.db,
        providers={"apns": provider, "fcm": LogProvider()},
        clock=clock,
        rand=lambda: 0.5,
    )
    await relay.run_once()
    waiting = [d for wo in orders for d in await deliveries(world, subject_id=wo)]
    assert sorted(d["attempts"] for d in waiting) == [0, 1, 1, 1]  # the held one used none
    for _ in range(7):
        clock.advance(1)
        await relay.run_once()
    done = [d for wo in orders for d in await deliveries(world, subject_id=wo)]
    assert {d["status"] for d in done} == {"delivered"}
    await provider.close()


async def test_an_outage_outlasting_the_notification_dead_letters_with_apples_answer(
    world: World, apns
) -> None:
    server, config = apns
    await register(world)
    (wo,) = await assign_many(world, 1)
    clock = Clock()
    outage_until(server, clock, clock() + timedelta(days=2))
    provider = ApnsProvider(config)
    relay = Relay(
        db=world.client.app.state.services.db,
        providers={"apns": provider, "fcm": LogProvider()},
        clock=clock,
    )
    for _ in range(30):  # an hour at a time, past the assignment's 24 h life
        await relay.run_once()
        clock.advance(3600)
    await provider.close()
    (dead,) = await deliveries(world, subject_id=wo)
    assert dead["status"] == "dead"
    assert dead["last_status_code"] == 503
    assert "ServiceUnavailable" in dead["last_reason"]
    assert [a["kind"] for a in await alerts(world)].count("dead_letter") == 1
