"""A provider refusing our credentials: the relay opens that provider's circuit and alerts
on-call at once; deliveries wait (their retries untouched) until one probe gets through."""

import asyncio
import uuid
from typing import Any

from push.apns import ApnsProvider
from push.breaker import CircuitBreaker
from push.fcm import FcmProvider
from push.providers import Answer, LogProvider, Provider, Verdict
from push.relay import Relay
from tests.factories import World
from tests.push.apns_server import Reply
from tests.push.fcm_server import FcmReply
from tests.push.test_outbox_and_relay import Clock, deliveries


async def register(world: World, platform: str) -> str:
    token = uuid.uuid4().hex * 2
    body = {
        "id": str(uuid.uuid4()),
        "platform": platform,
        "push_token": token,
        "app_bundle_id": "com.example.fieldops",
    }
    await world.call("eng_a", "POST", "/api/v1/devices", json=body, expect=200)
    return token


async def assign(world: World) -> str:
    wo = await world.create_work_order(priority="P0")
    await world.transition(
        "dispatcher", wo["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    return str(wo["id"])


async def alerts(world: World) -> list[dict[str, Any]]:
    response = await world.call("supervisor", "GET", "/api/v1/push/alerts", expect=200)
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def scenario(world: World, provider: Provider, platform: str, requests: Any) -> None:
    """The provider refuses the first two sends, then accepts: a failed probe doubles the
    wait, and nothing is sent while the circuit is open."""
    first = await assign(world)
    clock = Clock()
    others: Provider = LogProvider()
    providers = {"apns": provider, "fcm": others} if platform == "ios" else {}
    providers = providers or {"apns": others, "fcm": provider}
    relay = Relay(db=world.client.app.state.services.db, providers=providers, clock=clock)
    assert await relay.run_once() == 1
    (held,) = await deliveries(world, subject_id=first)
    assert held["status"] == "retrying"
    (alert,) = await alerts(world)  # at once, not when the delivery finally expires
    assert alert["kind"] == "provider_auth"
    assert provider.name.upper() in alert["message"]
    assert "refused the server's credentials" in alert["message"]
    assert relay.breakers[provider.name].is_open()

    second = await assign(world)
    assert await relay.run_once() == 0  # the circuit is open: not even claimed
    assert requests() == 1

    clock.advance(31)  # half-open: one probe, which fails; the other waits behind it
    assert await relay.run_once() == 2
    assert requests() == 2
    assert {d["status"] for d in await deliveries(world)} == {"retrying"}
    clock.advance(31)
    assert await relay.run_once() == 0  # the failed probe doubled the cool-down to 60 s
    clock.advance(30)
    assert await relay.run_once() == 2
    assert requests() == 4
    for wo in (first, second):
        (done,) = await deliveries(world, subject_id=wo)
        assert done["status"] == "delivered"
        assert done["attempts"] == 1  # refused and held sends did not use up retries
    assert not relay.breakers[provider.name].is_open()
    assert len(await alerts(world)) == 1  # one alert per outage, not one per delivery
    await provider.close()


async def test_apns_refusing_the_provider_token_opens_its_circuit(world: World, apns) -> None:
    server, config = apns
    token = await register(world, "ios")
    refused = Reply(403, "InvalidProviderToken")
    server.script(token, refused, refused, Reply(200))
    await scenario(world, ApnsProvider(config), "ios", lambda: len(server.received))


async def test_fcm_third_party_auth_error_opens_its_circuit(world: World, fcm) -> None:
    server, config = fcm
    token = await register(world, "android")
    refused = FcmReply(401, "THIRD_PARTY_AUTH_ERROR")
    server.script(token, refused, refused, FcmReply(200))
    await scenario(world, FcmProvider(config), "android", lambda: len(server.received))


async def test_after_a_good_probe_the_held_sends_go_together() -> None:
    """Half-open: one send probes; when it gets through, the others are sent concurrently,
    not one after another behind it (a round must end well within its lease)."""
    clock = Clock()
    breaker = CircuitBreaker(clock=clock)
    refused = Answer(Verdict.PROVIDER_AUTH, 403, "InvalidProviderToken")
    _, opened = await breaker.call(lambda: _answer(refused))
    assert opened
    clock.advance(31)
    in_flight = peak = 0

    async def send() -> Answer:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.05)
        in_flight -= 1
        return Answer(Verdict.DELIVERED, 200)

    results = await asyncio.gather(*(breaker.call(send) for _ in range(20)))
    assert {answer.verdict for answer, _ in results} == {Verdict.DELIVERED}
    assert peak == 19  # the probe alone, then the other nineteen at once
    assert not breaker.is_open()


async def _answer(answer: Answer) -> Answer:
    return answer


async def test_an_outage_opens_the_circuit_and_probes_back_within_half_a_minute() -> None:
    clock = Clock()
    breaker = CircuitBreaker(clock=clock)
    down = Answer(Verdict.RETRY, 503, "ServiceUnavailable", outage=True)
    busy = Answer(Verdict.RETRY, 429, "TooManyRequests")  # one device's limit, not an outage
    up = Answer(Verdict.DELIVERED, 200)

    async def send(answer: Answer) -> Answer:
        return (await breaker.call(lambda: asyncio.sleep(0, answer)))[0]

    for answer in (down, down, up, down, busy, down):  # a success or a 429 is no outage yet
        assert (await send(answer)).verdict is answer.verdict
    assert not breaker.is_open()
    assert (await send(down)).verdict is Verdict.RETRY  # the third in a row opens it
    assert breaker.is_open()
    assert breaker.cause == "outage"
    assert (await send(up)).verdict is Verdict.HELD  # nothing is sent while open
    waits = []
    for _ in range(5):
        clock.advance((breaker.open_until - clock()).total_seconds())
        probe = await send(down)
        assert (probe.verdict, probe.status_code) == (Verdict.HELD, 503)  # no retry used up
        waits.append((breaker.open_until - clock()).total_seconds())
    assert waits == [10, 20, 30, 30, 30]
    assert not breaker.take_recovery()
    clock.advance(30)
    assert (await send(up)).verdict is Verdict.DELIVERED
    assert not breaker.is_open()
    assert breaker.failing_since is None
    assert breaker.take_recovery()
    assert not breaker.take_recovery()  # taken once
