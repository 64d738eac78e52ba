"""Alarms over MQTT, through the Mosquitto on 127.0.0.1:1883 and the app's database: a signed
message lands as over HTTP and its answer is published beside its topic; a refused message is
acknowledged and answered with the error; a transient failure leaves it with the broker.

Each test has its own client id and tenant, and its consumer subscribes to that tenant's
topics only, so runs sharing the broker do not take each other's messages."""

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiomqtt
import pytest
from litestar import Litestar

from alarms.mqtt import (
    MAX_PAYLOAD_BYTES,
    AlarmTopic,
    MqttIngest,
    broker_address,
    decode_message,
    parse_topic,
)
from device_registry import signing
from device_registry.terminals import Authenticator
from kernel.db import Database
from kernel.errors import DomainError
from mobile_contract.errors import ErrorCode
from server import wiring
from server.settings import Settings
from server.state import AppServices
from server.tables import ALL_TABLES
from tests.factories import Terminal, World, alarm
from tests.push.loops import on_loop

BROKER = "mqtt://127.0.0.1:1883"
HOST, PORT = "127.0.0.1", 1883


def topic_of(world: World, terminal: Terminal) -> str:
    return f"fieldops/{world.slug}/{terminal.device_code}/alarms"


def signed(
    terminal: Terminal,
    topic: str,
    *alarms: dict[str, Any],
    body: str | None = None,
    secret: str | None = None,
    device_id: str | None = None,
) -> bytes:
    """A message as firmware publishes it: the HTTP body, signed for ``PUBLISH`` and the topic."""
    text = json.dumps({"alarms": list(alarms)}) if body is None else body
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex
    signature = signing.sign(
        secret or terminal.secret, "PUBLISH", topic, timestamp, nonce, text.encode()
    )
    envelope = {
        "device_id": device_id or terminal.id,
        "timestamp": timestamp,
        "nonce": nonce,
        "signature": signature,
        "body": text,
    }
    return json.dumps(envelope).encode()


async def forget(client_id: str) -> None:
    """Drop the broker's session of ``client_id`` (a clean session replaces it)."""
    async with aiomqtt.Client(HOST, PORT, identifier=client_id, clean_session=True):
        pass


async def held_for(client_id: str, seconds: float = 0.5) -> list[aiomqtt.Message]:
    """What the broker still holds for the session: connecting as it brings back every message
    not acknowledged, and this connection acknowledges none."""
    client = aiomqtt.Client(HOST, PORT, identifier=client_id, clean_session=False)
    client._client.manual_ack_set(True)
    held: list[aiomqtt.Message] = []
    async with client:
        try:
            async with asyncio.timeout(seconds):
                async for message in client.messages:
                    held.append(message)
        except TimeoutError:
            pass
    return held


class Consumer:
    """An ``MqttIngest`` on a tenant's topics, started and stopped at will (same session)."""

    def __init__(self, db: Database, services: AppServices, slug: str, **changes: Any) -> None:
        self.client_id = f"test-ingest-{uuid.uuid4().hex[:12]}"
        self.connected = asyncio.Event()
        self.ingest = MqttIngest(
            db=db,
            terminals=changes.pop("terminals", services.terminals),
            rules=services.intake,
            url=BROKER,
            client_id=self.client_id,
            topic_filter=f"fieldops/{slug}/+/alarms",
            on_connected=self.connected.set,
        )
        self.task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self.connected.clear()
        self.task = asyncio.create_task(self.ingest.run())
        async with asyncio.timeout(10):
            await self.connected.wait()

    async def stop(self) -> None:
        assert self.task is not None
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


@asynccontextmanager
async def consuming(db: Database, services: AppServices, slug: str, **changes: Any) -> Any:
    consumer = Consumer(db, services, slug, **changes)
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()
        await forget(consumer.client_id)


@asynccontextmanager
async def listening(slug: str) -> AsyncIterator[aiomqtt.Client]:
    """A terminal's side of the broker: publishes, and hears the tenant's answers."""
    client = aiomqtt.Client(HOST, PORT, identifier=f"test-device-{uuid.uuid4().hex[:12]}")
    async with client:
        await client.subscribe(f"fieldops/{slug}/+/alarms/result", qos=1)
        yield client


async def answer(listener: aiomqtt.Client, topic: str, seconds: float = 15) -> Any:
    async with asyncio.timeout(seconds):
        async for message in listener.messages:
            if message.topic.value == f"{topic}/result":
                assert isinstance(message.payload, bytes)
                return json.loads(message.payload)
    raise AssertionError("unreachable")


@pytest.fixture
def services(app: Litestar) -> AppServices:
    services: AppServices = app.state.services
    return services


async def stored(world: World, terminal: Terminal) -> list[dict[str, Any]]:
    page = await world.call(
        "dispatcher", "GET", "/api/v1/alarms", params={"terminal_id": terminal.id}, expect=200
    )
    items: list[dict[str, Any]] = page.json()["items"]
    return items


async def test_a_signed_message_lands_opens_a_work_order_and_is_answered(
    world: World, services: AppServices
) -> None:
    terminal = await world.register_terminal()
    topic = topic_of(world, terminal)
    sent = alarm()
    async with (
        consuming(services.db, services, world.slug) as consumer,
        listening(world.slug) as device,
    ):
        await device.publish(topic, signed(terminal, topic, sent), qos=1)
        result = await answer(device, topic)
        await consumer.stop()
        assert await held_for(consumer.client_id) == []  # acknowledged
    (outcome,) = result["outcomes"]
    assert (outcome["id"], outcome["outcome"], outcome["index"]) == (sent["id"], "accepted", 0)
    assert outcome["work_order_id"]
    assert outcome["work_order_number"]
    (row,) = await stored(world, terminal)
    assert (row["alarm_id"], row["via"], row["work_order_id"]) == (
        sent["id"],
        "mqtt",
        outcome["work_order_id"],
    )
    url = f"/api/v1/work-orders/{outcome['work_order_id']}"
    work_order = (await world.call("dispatcher", "GET", url, expect=200)).json()
    assert work_order["work_order"]["number"] == outcome["work_order_number"]


async def test_an_alarm_sent_over_http_and_mqtt_is_one_alarm(
    world: World, services: AppServices
) -> None:
    terminal = await world.register_terminal()
    topic = topic_of(world, terminal)
    sent = alarm()
    over_http = await terminal.post_alarms(sent)
    async with consuming(services.db, services, world.slug), listening(world.slug) as device:
        await device.publish(topic, signed(terminal, topic, sent, alarm()), qos=1)
        result = await answer(device, topic)
    first, second = result["outcomes"]
    assert first["outcome"] == "duplicate"
    assert first["work_order_id"] == over_http["outcomes"][0]["work_order_id"]
    assert second["outcome"] == "accepted"
    assert second["work_order_id"] == first["work_order_id"]  # the same open fault
    assert sorted(row["via"] for row in await stored(world, terminal)) == ["http", "mqtt"]


REFUSALS: dict[str, tuple[Callable[[Terminal, str], tuple[str, bytes]], ErrorCode]] = {
    "bad signature": (
        lambda t, topic: (topic, signed(t, topic, alarm(), secret="not-the-secret")),
        ErrorCode.SIGNATURE_INVALID,
    ),
    "unknown terminal": (
        lambda t, topic: (topic, signed(t, topic, alarm(), device_id=str(uuid.uuid4()))),
        ErrorCode.TERMINAL_UNKNOWN,
    ),
    "another device's topic": (
        lambda t, topic: (
            (other := topic.replace(t.device_code, "T-other")),
            signed(t, other, alarm()),
        ),
        ErrorCode.SIGNATURE_INVALID,
    ),
    "signed for another topic": (
        lambda t, topic: (topic, signed(t, topic.replace("/alarms", "/x"), alarm())),
        ErrorCode.SIGNATURE_INVALID,
    ),
    "not json": (lambda t, topic: (topic, b"{not json"), ErrorCode.MALFORMED_JSON),
    "not the envelope": (
        lambda t, topic: (topic, json.dumps({"device_id": t.id}).encode()),
        ErrorCode.VALIDATION_FAILED,
    ),
    "invalid alarms": (
        lambda t, topic: (topic, signed(t, topic, alarm(), alarm(type="melted"))),
        ErrorCode.ALARMS_INVALID,
    ),
    "body not json": (
        lambda t, topic: (topic, signed(t, topic, body="{alarms")),
        ErrorCode.MALFORMED_JSON,
    ),
}


@pytest.mark.parametrize("case", REFUSALS)
async def test_a_refused_message_is_acknowledged_answered_and_stores_nothing(
    world: World, services: AppServices, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    make, code = REFUSALS[case]
    terminal = await world.register_terminal()
    topic, payload = make(terminal, topic_of(world, terminal))
    async with (
        consuming(services.db, services, world.slug) as consumer,
        listening(world.slug) as device,
    ):
        await device.publish(topic, payload, qos=1)
        result = await answer(device, topic)
        await consumer.stop()
        assert await held_for(consumer.client_id) == []
    assert result["error"]["code"] == code.value, result
    warned = [r for r in caplog.records if r.name == "alarms.mqtt" and r.levelname == "WARNING"]
    assert [code.value in r.getMessage() for r in warned] == [True]
    assert set(result["error"]) == {"code", "message", "details"}
    if code is ErrorCode.ALARMS_INVALID:
        assert [a["index"] for a in result["error"]["details"]["alarms"]] == [1]
    assert await stored(world, terminal) == []


async def test_a_revoked_terminal_is_refused(world: World, services: AppServices) -> None:
    terminal = await world.register_terminal()
    await world.call("admin", "POST", f"/api/v1/iot/terminals/{terminal.id}/revoke", expect=200)
    topic = topic_of(world, terminal)
    async with consuming(services.db, services, world.slug), listening(world.slug) as device:
        await device.publish(topic, signed(terminal, topic, alarm()), qos=1)
        result = await answer(device, topic)
    assert result["error"]["code"] == "terminal_revoked"
    assert await stored(world, terminal) == []


class Flaky(Authenticator):
    """The real authenticator after ``failures`` database errors (None: for ever)."""

    def __init__(self, real: Authenticator, failures: int | None) -> None:
        super().__init__(real.box)
        self.failures, self.calls = failures, 0
        self.failed = asyncio.Event()

    async def message(self, **kwargs: Any) -> Any:
        self.calls += 1
        if self.failures is None or self.calls <= self.failures:
            self.failed.set()
            raise ConnectionResetError("the database went away")
        return await super().message(**kwargs)


async def test_a_transient_failure_is_retried_and_the_message_kept_until_it_commits(
    world: World, services: AppServices
) -> None:
    terminal = await world.register_terminal()
    topic = topic_of(world, terminal)
    first, second = alarm(), alarm()
    flaky = Flaky(services.terminals, failures=2)
    async with (
        consuming(services.db, services, world.slug, terminals=flaky) as consumer,
        listening(world.slug) as device,
    ):
        await device.publish(topic, signed(terminal, topic, first), qos=1)
        result = await answer(device, topic)
        assert flaky.calls == 3
        assert result["outcomes"][0]["outcome"] == "accepted"

        # Failing for ever: stopped, the consumer leaves the message with the broker, and the
        # same session started again takes it.
        flaky.failures, flaky.calls = None, 0
        await device.publish(topic, signed(terminal, topic, second), qos=1)
        flaky.failed.clear()
        async with asyncio.timeout(10):
            await flaky.failed.wait()  # received, and not ingested
        await consumer.stop()
        (kept,) = await held_for(consumer.client_id)
        assert json.loads(json.loads(kept.payload)["body"])["alarms"][0]["id"] == second["id"]
        flaky.failures = 0
        await consumer.start()
        result = await answer(device, topic)
    assert result["outcomes"][0]["id"] == second["id"]
    assert result["outcomes"][0]["outcome"] == "accepted"
    assert sorted(row["alarm_id"] for row in await stored(world, terminal)) == sorted(
        [first["id"], second["id"]]
    )


async def test_the_ingest_runs_on_uvloop(
    world: World, app: Litestar, settings: Settings, services: AppServices
) -> None:
    """``fieldops mqtt`` runs on asyncio; the API (uvicorn) on uvloop, where an embedder might
    run it too: paho's socket is driven by the loop's add_reader and add_writer."""
    terminal = await world.register_terminal()
    topic = topic_of(world, terminal)
    sent = alarm()

    async def on_uvloop() -> Any:
        db = wiring.database(settings.database_url)
        await db.start()
        try:
            async with consuming(db, services, world.slug), listening(world.slug) as device:
                await device.publish(topic, signed(terminal, topic, sent), qos=1)
                return await answer(device, topic)
        finally:
            await db.stop()

    try:
        result = await on_loop("uvloop", on_uvloop)
    finally:
        services.db.bind(ALL_TABLES)  # the session app's tables again
    assert result["outcomes"][0]["outcome"] == "accepted"
    assert [row["alarm_id"] for row in await stored(world, terminal)] == [sent["id"]]


def test_topics_are_taken_apart() -> None:
    parsed = parse_topic("fieldops/acme/CS-FR-0012/alarms")
    assert parsed == AlarmTopic(
        name="fieldops/acme/CS-FR-0012/alarms", tenant_slug="acme", device_code="CS-FR-0012"
    )
    assert parsed.result == "fieldops/acme/CS-FR-0012/alarms/result"
    for topic in (
        "fieldops/acme/CS-FR-0012/alarms/result",
        "fieldops/acme/alarms",
        "fieldops//CS-1/alarms",
        "fieldops/acme//alarms",
        "other/acme/CS-1/alarms",
        "fieldops/acme/CS-1/heartbeat",
        "fieldops/acme/+/alarms",
        "/fieldops/acme/CS-1/alarms",
    ):
        assert parse_topic(topic) is None, topic


def test_the_envelope_is_decoded_into_what_the_signature_covers() -> None:
    topic = AlarmTopic(name="fieldops/a/T-1/alarms", tenant_slug="a", device_code="T-1")
    payload = {"device_id": "d", "timestamp": "1", "nonce": "n", "signature": "s", "body": "{}"}
    message = decode_message(topic, json.dumps(payload).encode())
    assert (message.method, message.path, message.body) == ("PUBLISH", topic.name, b"{}")
    for bad, code in (
        (b"{", ErrorCode.MALFORMED_JSON),
        (b"[]", ErrorCode.VALIDATION_FAILED),
        (json.dumps({**payload, "timestamp": 1}).encode(), ErrorCode.VALIDATION_FAILED),
        (json.dumps({**payload, "body": None}).encode(), ErrorCode.VALIDATION_FAILED),
        (b" " * (MAX_PAYLOAD_BYTES + 1), ErrorCode.PAYLOAD_TOO_LARGE),
    ):
        with pytest.raises(DomainError) as refused:
            decode_message(topic, bad)
        assert refused.value.code is code


def test_broker_urls() -> None:
    assert broker_address("mqtt://127.0.0.1:1883") == ("127.0.0.1", 1883, False)
    assert broker_address("mqtt://broker") == ("broker", 1883, False)
    assert broker_address("mqtts://broker") == ("broker", 8883, True)
    for bad in ("http://broker", "mqtt://", "broker:1883"):
        with pytest.raises(ValueError):
            broker_address(bad)
