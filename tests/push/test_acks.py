"""Acknowledgements from the app, and the on-call alert for a P0 assignment nobody answered."""

import uuid
from typing import Any

from push.providers import Answer, Outgoing, Verdict
from tests.factories import World
from tests.push.test_circuit_breaker import alerts
from tests.push.test_outbox_and_relay import Clock, Scripted, assign, deliveries, device, relay

DELIVERED = Answer(Verdict.DELIVERED, 200)


async def ack(world: World, who: str, delivery_id: str, event: str, expect: int = 200) -> Any:
    response = await world.call(
        who,
        "POST",
        f"/api/v1/push/deliveries/{delivery_id}/ack",
        json={"event": event},
        expect=expect,
    )
    return response.json()


async def alert_earlier_tests_p0s(world: World) -> None:
    """The acknowledgement check looks at every tenant: the P0 assignments earlier tests left
    unanswered are alerted here, so a test counts only its own."""
    clock = Clock()
    clock.advance(301)
    await relay(world, Scripted(DELIVERED), clock).check_acknowledgements()


async def test_the_app_acknowledges_with_the_id_the_push_carries(world: World) -> None:
    await device(world)
    wo = await assign(world)
    provider = Scripted(DELIVERED)
    await relay(world, provider, Clock()).run_once()
    (sent,) = provider.sent
    delivery_id = sent.data["delivery_id"]  # in the APNs payload / FCM data
    (delivery,) = await deliveries(world, subject_id=wo)
    assert delivery["id"] == delivery_id
    assert delivery["received_at"] is None

    received = await ack(world, "eng_a", delivery_id, "received")
    assert received["received_at"]
    assert received["opened_at"] is None
    opened = await ack(world, "eng_a", delivery_id, "opened")
    assert opened["opened_at"]
    assert opened["received_at"] == received["received_at"]
    again = await ack(world, "eng_a", delivery_id, "opened")  # a replay keeps the first times
    assert again["received_at"] == opened["received_at"]
    assert again["opened_at"] == opened["opened_at"]
    # Only the device's own user acknowledges: to anyone else the delivery does not exist.
    for other in ("eng_b", "dispatcher"):
        refused = await ack(world, other, delivery_id, "received", expect=404)
        assert refused["error"]["code"] == "not_found"
    await ack(world, "eng_a", str(uuid.uuid4()), "received", expect=404)
    bad = await ack(world, "eng_a", delivery_id, "read", expect=422)
    assert bad["error"]["code"] == "validation_failed"


async def test_an_acknowledged_delivery_is_not_sent_again(world: World) -> None:
    """The app acknowledges while the relay still waits for the provider's answer (which then
    times out): the push arrived, so it is delivered and never sent again."""
    await device(world)
    wo = await assign(world)

    class AckedWhileWaiting(Scripted):
        async def send(self, item: Outgoing) -> Answer:
            self.sent.append(item)
            await ack(world, "eng_a", item.data["delivery_id"], "received")
            return Answer(Verdict.RETRY, reason="timeout: ReadTimeout")

    clock, provider = Clock(), AckedWhileWaiting(DELIVERED)
    sender = relay(world, provider, clock)
    await sender.run_once()
    clock.advance(600)
    assert await sender.run_once() == 0
    (delivery,) = await deliveries(world, subject_id=wo)
    assert delivery["status"] == "delivered"
    assert len(provider.sent) == 1


async def test_a_p0_assignment_nobody_acknowledges_alerts_on_call_once(world: World) -> None:
    await alert_earlier_tests_p0s(world)
    await device(world)
    unanswered = await assign(world)  # P0
    acknowledged = await assign(world)
    accepted = await assign(world)
    quiet = await world.create_work_order(priority="P2")
    await world.transition(
        "dispatcher", quiet["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    nobody = await world.create_work_order(priority="P0")  # eng_b has no device at all
    await world.transition(
        "dispatcher", nobody["id"], "assigned", assignee_id=str(world.users["eng_b"])
    )
    clock = Clock()
    sender = relay(world, Scripted(DELIVERED), clock)
    await sender.run_once()
    (to_ack,) = await deliveries(world, subject_id=acknowledged)
    await ack(world, "eng_a", to_ack["id"], "opened")
    await world.transition("eng_a", accepted, "accepted")  # answering is acknowledging

    assert await sender.check_acknowledgements() == 0  # within the 5 minutes
    clock.advance(301)
    assert await sender.check_acknowledgements() == 2
    raised = {a["subject_id"]: a for a in await alerts(world) if a["kind"] == "unacknowledged"}
    assert set(raised) == {unanswered, nobody["id"]}
    assert "Not acknowledged after 5 min" in raised[unanswered]["message"]
    assert "ios: delivered" in raised[unanswered]["message"]
    assert "no device registered" in raised[nobody["id"]]["message"]
    clock.advance(301)
    assert await sender.check_acknowledgements() == 0  # once per notification


async def test_the_unacknowledged_alert_concerns_only_the_current_holder(world: World) -> None:
    """Reassigned to another engineer: only the new holder's silence is alerted, by name and
    number. Cancelled: nobody's."""
    await alert_earlier_tests_p0s(world)
    await device(world)
    await device(world, "eng_b")
    moved = await world.create_work_order(priority="P0")
    await world.transition(
        "dispatcher", moved["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    await world.transition(
        "dispatcher", moved["id"], "assigned", assignee_id=str(world.users["eng_b"])
    )
    cancelled = await assign(world)
    await world.transition("dispatcher", cancelled, "cancelled", reason="duplicate alarm")
    clock = Clock()
    sender = relay(world, Scripted(DELIVERED), clock)
    await sender.run_once()
    clock.advance(301)
    assert await sender.check_acknowledgements() == 1
    (alert,) = [a for a in await alerts(world) if a["kind"] == "unacknowledged"]
    assert alert["subject_id"] == moved["id"]
    assert f"P0 {moved['number']} assigned to Eng B" in alert["message"]
