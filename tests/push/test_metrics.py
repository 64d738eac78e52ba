"""Push metrics: outcomes by provider, queue, dead letters, availability, alerts; per tenant."""

import pytest

from push.providers import Answer, Verdict
from push.relay import Relay
from tests.factories import World
from tests.push.test_acks import ack
from tests.push.test_outbox_and_relay import Clock, Scripted, assign, deliveries, device


async def metrics(world: World, who: str = "supervisor", expect: int = 200) -> dict:
    response = await world.call(who, "GET", "/api/v1/push/metrics", expect=expect)
    body: dict = response.json()
    return body


async def test_metrics_count_outcomes_queue_dead_letters_and_availability(
    world: World, other_world: World
) -> None:
    await device(world)
    await device(world, platform="android")
    for _ in range(4):  # 4 pushes to iOS, 4 to Android
        await assign(world)
    delivered = Answer(Verdict.DELIVERED, 200)
    apns = Scripted(delivered, delivered, delivered, Answer(Verdict.DEAD, 400, "BadCollapseId"))
    fcm = Scripted(delivered, delivered, Answer(Verdict.RETRY, 503, "UNAVAILABLE"))
    fcm.name = "fcm"
    relay = Relay(
        db=world.client.app.state.services.db,
        providers={"apns": apns, "fcm": fcm},
        clock=Clock(),
        rand=lambda: 1.0,
    )
    assert await relay.run_once() == 8
    reached = (await deliveries(world, status="delivered"))[0]
    await ack(world, "eng_a", reached["id"], "received")

    body = await metrics(world)
    outcomes = {(o["provider"], o["status"]): o["count"] for o in body["outcomes"]}
    assert outcomes == {
        ("apns", "delivered"): 3,
        ("apns", "dead"): 1,
        ("fcm", "delivered"): 2,
        ("fcm", "retrying"): 2,
    }
    assert body["queue_depth"] == 2
    assert body["oldest_pending_age_seconds"] >= 0
    assert body["dead_letters"] == 1
    assert body["availability"] == pytest.approx(5 / 6)
    assert body["acknowledged"] == 1
    assert body["alerts"] == {"dead_letter": 1}
    assert body["alerts_pending"] == 1
    assert body["window_hours"] == 24

    # Another tenant's metrics count none of it; engineers do not read metrics.
    other = await metrics(other_world)
    assert (other["outcomes"], other["queue_depth"], other["availability"]) == ([], 0, None)
    assert other["alerts"] == {}
    denied = await metrics(world, "eng_a", expect=403)
    assert denied["error"]["code"] == "forbidden"
