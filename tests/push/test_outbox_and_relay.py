"""Outbox and relay: deliveries written with the assignment, sent, retried, dead-lettered,
token deaths, leases after a crash. Providers here are scripted stand-ins for APNs/FCM at the
relay's seam (the HTTP/2 providers have their own tests against local servers)."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from push.providers import Answer, LogProvider, Outgoing, Provider, Verdict
from push.relay import Relay
from push.retry import RetryPolicy
from tests.factories import World


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Scripted:
    """Answers in order (the last one repeats); records what it was asked to send."""

    name = "apns"

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.sent: list[Outgoing] = []

    async def send(self, item: Outgoing) -> Answer:
        self.sent.append(item)
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    async def close(self) -> None:
        pass


def relay(world: World, provider: Provider, clock: Callable[[], datetime], **kw: Any) -> Relay:
    db = world.client.app.state.services.db
    return Relay(
        db=db, providers={"apns": provider, "fcm": provider}, clock=clock, rand=lambda: 1.0, **kw
    )


async def device(world: World, who: str = "eng_a", platform: str = "ios") -> str:
    device_id = str(uuid.uuid4())
    body = {
        "id": device_id,
        "platform": platform,
        "push_token": uuid.uuid4().hex * 2,
        "app_bundle_id": "com.example.fieldops",
    }
    await world.call(who, "POST", "/api/v1/devices", json=body, expect=200)
    return device_id


async def assign(world: World, engineer: str = "eng_a") -> str:
    wo = await world.create_work_order(priority="P0")
    await world.transition(
        "dispatcher", wo["id"], "assigned", assignee_id=str(world.users[engineer])
    )
    return str(wo["id"])


async def deliveries(world: World, who: str = "dispatcher", **params: str) -> list[dict[str, Any]]:
    response = await world.call(who, "GET", "/api/v1/push/deliveries", params=params, expect=200)
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_an_assignment_notifies_every_device_of_the_engineer(world: World) -> None:
    phone, tablet = await device(world), await device(world, platform="android")
    await device(world, "eng_b")  # another engineer's device gets nothing
    wo = await assign(world)
    pending = await deliveries(world, subject_id=wo)
    assert {d["device_id"] for d in pending} == {phone, tablet}
    assert {d["status"] for d in pending} == {"pending"}
    assert all(d["kind"] == "assignment" and "assigned to you" in d["title"] for d in pending)

    assert await relay(world, LogProvider(), Clock()).run_once() >= 2
    logged = await deliveries(world, subject_id=wo)
    assert {(d["status"], d["provider"], d["attempts"]) for d in logged} == {("logged", "log", 1)}
    assert all(d["sent_at"] for d in logged)
    # The engineer sees their own deliveries; another engineer sees none of them.
    assert {d["id"] for d in await deliveries(world, "eng_a", subject_id=wo)} == {
        d["id"] for d in logged
    }
    assert await deliveries(world, "eng_b", subject_id=wo) == []
    # Reassigning notifies the new engineer only; transitions that keep the assignee do not.
    await world.transition("eng_a", wo, "accepted")
    assert len(await deliveries(world, subject_id=wo)) == 2


async def test_transient_failures_back_off_then_dead_letter_with_the_last_answer(
    world: World,
) -> None:
    await device(world)
    wo = await assign(world)
    clock = Clock()
    busy = Answer(Verdict.RETRY, 503, "ServiceUnavailable", '{"reason":"ServiceUnavailable"}', 30)
    provider = Scripted(busy)
    sender = relay(world, provider, clock, policy=RetryPolicy(max_retries=3, base_seconds=2))
    await sender.run_once()
    (first,) = await deliveries(world, subject_id=wo)
    assert first["status"] == "retrying"
    assert first["last_status_code"] == 503
    wait = datetime.fromisoformat(first["next_attempt_at"]) - clock.now
    assert wait >= timedelta(seconds=30)  # Retry-After beats the 2 s backoff
    assert await sender.run_once() == 0  # not due yet
    for _ in range(3):
        clock.advance(400)
        assert await sender.run_once() == 1
    (dead,) = await deliveries(world, subject_id=wo)
    assert dead["status"] == "dead"
    assert dead["attempts"] == 4  # the first try and 3 retries
    assert dead["last_reason"] == "ServiceUnavailable"
    assert len({item.delivery_id for item in provider.sent}) == 1  # one id across attempts


async def test_a_503_then_200_is_delivered(world: World) -> None:
    await device(world)
    wo = await assign(world)
    clock = Clock()
    provider = Scripted(
        Answer(Verdict.RETRY, 503, "ServiceUnavailable"), Answer(Verdict.DELIVERED, 200)
    )
    sender = relay(world, provider, clock)
    await sender.run_once()
    clock.advance(60)
    await sender.run_once()
    (delivered,) = await deliveries(world, subject_id=wo)
    assert (delivered["status"], delivered["attempts"]) == ("delivered", 2)


async def test_a_dead_token_disables_the_device_unless_registered_again_since(world: World) -> None:
    phone = await device(world)
    wo = await assign(world)
    clock = Clock()
    gone = Answer(Verdict.TOKEN_DEAD, 410, "Unregistered", token_dead_since=clock.now)
    await relay(world, Scripted(gone), clock).run_once()
    (disabled,) = await deliveries(world, subject_id=wo)
    assert disabled["status"] == "token_disabled"
    (listed,) = (await world.call("eng_a", "GET", "/api/v1/devices")).json()["items"]
    assert listed["id"] == phone
    assert not listed["enabled"]
    assert "Unregistered" in listed["disabled_reason"]

    # Apple's verdict predates the token's registration: the device stays, the push is retried.
    fresh = await device(world)
    wo2 = await assign(world)
    clock = Clock()
    stale = Answer(
        Verdict.TOKEN_DEAD, 410, "Unregistered", token_dead_since=clock.now - timedelta(days=1)
    )
    sender = relay(world, Scripted(stale, Answer(Verdict.DELIVERED, 200)), clock)
    await sender.run_once()
    (retried,) = await deliveries(world, subject_id=wo2)
    assert retried["device_id"] == fresh
    assert retried["status"] == "retrying"
    clock.advance(25)  # the first retry's backoff (20 s, +20 % at most)
    await sender.run_once()
    (done,) = await deliveries(world, subject_id=wo2)
    assert done["status"] == "delivered"


async def test_a_stale_410_that_keeps_coming_is_retried_within_the_budget(world: World) -> None:
    """Apple may answer 410 with the same old timestamp every time: each resend is a retry
    with backoff, and the delivery ends dead after the budget (not thousands of requests)."""
    phone = await device(world)
    wo = await assign(world)
    clock = Clock()
    stale = Answer(
        Verdict.TOKEN_DEAD, 410, "Unregistered", token_dead_since=clock.now - timedelta(days=1)
    )
    provider = Scripted(stale)
    sender = relay(world, provider, clock)
    for _ in range(15):
        await sender.run_once()
        clock.advance(1)
    assert len(provider.sent) == 1  # the retry waits for its backoff (20 s ± 20 %)
    for _ in range(10):
        clock.advance(700)
        await sender.run_once()
    assert len(provider.sent) == 4  # the first send and three retries
    (dead,) = await deliveries(world, subject_id=wo)
    assert (dead["status"], dead["last_status_code"]) == ("dead", 410)
    (listed,) = [
        d
        for d in (await world.call("eng_a", "GET", "/api/v1/devices")).json()["items"]
        if d["id"] == phone
    ]
    assert listed["enabled"]  # registered after Apple's verdict: the device is kept


async def test_a_relay_killed_after_claiming_loses_nothing(world: World) -> None:
    await device(world)
    wo = await assign(world)
    clock = Clock()
    provider = Scripted(Answer(Verdict.DELIVERED, 200))
    crashed = relay(world, provider, clock, lease=timedelta(seconds=60))
    claimed = await crashed._claim()  # sent, then the process died before recording
    assert claimed
    other = relay(world, provider, clock, lease=timedelta(seconds=60))
    assert await other.run_once() == 0  # the lease still holds: no double send meanwhile
    clock.advance(61)
    assert await other.run_once() >= 1
    (delivered,) = await deliveries(world, subject_id=wo)
    assert (delivered["status"], delivered["attempts"]) == ("delivered", 2)
    assert {item.delivery_id for item in provider.sent} == {uuid.UUID(delivered["id"])}


async def test_expired_notifications_and_unregistered_devices_are_not_sent(world: World) -> None:
    phone = await device(world)
    wo = await assign(world)
    clock = Clock()
    clock.advance(25 * 3600)  # past the assignment's 24 h time to live
    provider = Scripted(Answer(Verdict.DELIVERED, 200))
    await relay(world, provider, clock).run_once()
    (expired,) = await deliveries(world, subject_id=wo)
    assert expired["status"] == "dead"
    assert "expired" in expired["last_reason"]

    wo2 = await assign(world)
    await world.call("eng_a", "DELETE", f"/api/v1/devices/{phone}", expect=204)
    await relay(world, provider, Clock()).run_once()
    (unregistered,) = await deliveries(world, subject_id=wo2)
    assert unregistered["status"] == "dead"
    assert "unregistered" in unregistered["last_reason"]
    assert provider.sent == []


async def test_two_relays_never_send_the_same_delivery(world: World) -> None:
    """Relays in several processes share the queue: claims are leases taken with FOR UPDATE
    SKIP LOCKED (PostgreSQL) or under the single writer (SQLite); each delivery goes out once."""
    for who in ("eng_a", "eng_a2", "eng_b"):
        await device(world, who)
        await device(world, who, platform="android")
    for _ in range(10):
        for who in ("eng_a", "eng_a2", "eng_b"):
            await assign(world, who)
    clock = Clock()
    first, second = (
        Scripted(Answer(Verdict.DELIVERED, 200)),
        Scripted(Answer(Verdict.DELIVERED, 200)),
    )
    relays = [
        relay(world, first, clock, batch_size=7),
        relay(world, second, clock, batch_size=7),
    ]
    while sum(await asyncio.gather(*(r.run_once() for r in relays))):
        pass
    sent = [item.delivery_id for item in first.sent + second.sent]
    assert len(sent) == len(set(sent)) >= 60
    assert first.sent  # both took part
    assert second.sent
    mine = {d["id"] for d in await deliveries(world) if d["status"] == "delivered"}
    assert {str(i) for i in sent} <= mine


async def test_a_relay_that_outlived_its_lease_does_not_overwrite_the_new_outcome(
    world: World,
) -> None:
    """A relay stalls past its lease; another takes the delivery over and delivers it. When
    the first one's send finally fails, its record no longer applies (the claim moved on)."""
    await device(world)
    wo = await assign(world)
    clock, release = Clock(), asyncio.Event()

    class Stalled(Scripted):
        async def send(self, item: Outgoing) -> Answer:
            self.sent.append(item)
            await release.wait()
            return Answer(Verdict.RETRY, reason="timeout: no answer in time")

    slow = relay(world, Stalled(Answer(Verdict.RETRY)), clock, lease=timedelta(seconds=60))
    stalled = asyncio.create_task(slow.run_once())
    await asyncio.sleep(0.1)  # claimed and sending
    clock.advance(61)
    fast = relay(world, Scripted(Answer(Verdict.DELIVERED, 200)), clock)
    assert await fast.run_once() == 1
    release.set()
    await stalled
    (delivery,) = await deliveries(world, subject_id=wo)
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 2)
