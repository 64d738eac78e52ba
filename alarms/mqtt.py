"""Alarms over MQTT: ``fieldops mqtt`` subscribes to ``fieldops/+/+/alarms`` (QoS 1, a persistent
session) and runs each message through the same ingest as the signed HTTP route.

A message is acknowledged only after its ingest committed, so a crash, a lost connection or a
database outage leaves it with the broker, which delivers it again; a redelivered alarm is a
``duplicate`` (the ingest deduplicates by the terminal's alarm id). A message that can never
succeed (not our envelope, a bad signature, an unknown terminal, refused alarms) is acknowledged
too, or the broker would deliver it forever. Either way the answer goes to
``fieldops/{tenant}/{device_code}/alarms/result``: the ``AlarmBatchResult``, or the HTTP error
envelope.

aiomqtt has no manual acknowledgement, so paho's is used through ``Client._client`` (both pinned;
``tests/kernel/test_private_internals.py`` fails when that changes).
"""

import asyncio
import logging
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import aiomqtt
import msgspec
from paho.mqtt.reasoncodes import ReasonCode

from alarms import ingest
from device_registry import signing
from device_registry.terminals import Authenticator, Signed
from kernel.clock import utcnow
from kernel.db import Database
from kernel.errors import DomainError
from mobile_contract import iot
from mobile_contract.errors import ErrorBody, ErrorCode, ErrorEnvelope
from mobile_contract.types import readable

log = logging.getLogger(__name__)
# paho's packet trace (each PUBLISH received, each PUBACK sent) at FIELDOPS_LOG_LEVEL=DEBUG.
_PROTOCOL = logging.getLogger(f"{__name__}.protocol")

TOPIC_FILTER = "fieldops/+/+/alarms"
MAX_PAYLOAD_BYTES = 1_048_576  # as an HTTP request body (FIELDOPS_MAX_REQUEST_BYTES)
# Ingests under way at once: they queue for SQLite's write lock together and share its commits.
# Mosquitto sends a client at most max_inflight_messages (20 by default) unacknowledged.
IN_FLIGHT = 64
MAX_BACKOFF_SECONDS = 30.0
DRAIN_SECONDS = 3.0  # at shutdown, what in-flight ingests get to commit and acknowledge
RESULT_TIMEOUT_SECONDS = 10.0
ESCALATE_AFTER = 5  # failed attempts of one message before its retries log at ERROR
PENDING_ANSWERS_WARNING = 1000


@dataclass(frozen=True, slots=True)
class AlarmTopic:
    """``fieldops/{tenant_slug}/{device_code}/alarms``, taken apart."""

    name: str
    tenant_slug: str
    device_code: str

    @property
    def result(self) -> str:
        """Where the answer to a message on this topic is published."""
        return f"{self.name}/result"


def parse_topic(topic: str) -> AlarmTopic | None:
    """The tenant and device a topic names; ``None`` when it is not an alarm topic."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != "fieldops" or parts[3] != "alarms":
        return None
    if not parts[1] or not parts[2] or any(c in topic for c in "+#"):
        return None
    return AlarmTopic(name=topic, tenant_slug=parts[1], device_code=parts[2])


class _Envelope(msgspec.Struct, kw_only=True):
    """What firmware publishes: the signature's headers beside the HTTP body, as text."""

    device_id: str
    timestamp: str
    nonce: str
    signature: str
    body: str


_ENVELOPE = msgspec.json.Decoder(_Envelope)


def decode_message(topic: AlarmTopic, payload: bytes) -> Signed:
    """The signed message in ``payload``, nothing verified yet (``Authenticator.message``)."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        raise DomainError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"The message is larger than {MAX_PAYLOAD_BYTES} bytes: send fewer alarms.",
            {"max_bytes": MAX_PAYLOAD_BYTES},
        )
    try:
        envelope = _ENVELOPE.decode(payload)
    except msgspec.ValidationError as error:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "Publish {device_id, timestamp, nonce, signature, body}, each a string "
            f"({readable(str(error))}).",
        ) from None
    except msgspec.DecodeError:
        raise DomainError(ErrorCode.MALFORMED_JSON, "The message is not valid JSON.") from None
    return Signed(
        device_id=envelope.device_id,
        timestamp=envelope.timestamp,
        nonce=envelope.nonce,
        signature=envelope.signature,
        method=signing.MQTT_METHOD,
        path=topic.name,
        body=envelope.body.encode(),
    )


def refusal(error: DomainError) -> bytes:
    """The answer to a refused message: the HTTP error envelope."""
    body = ErrorBody(code=error.code, message=error.message, details=error.details)
    return msgspec.json.encode(ErrorEnvelope(error=body))


def broker_address(url: str) -> tuple[str, int, bool]:
    """Host, port and whether to use TLS, from ``mqtt://host:port`` or ``mqtts://host:port``."""
    parts = urlsplit(url)
    if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
        raise ValueError(f"expected mqtt://host:port or mqtts://host:port, got {url!r}")
    tls = parts.scheme == "mqtts"
    return parts.hostname, parts.port or (8883 if tls else 1883), tls


def _refused(code: int | ReasonCode) -> bool:
    """A SUBACK's failure code (0x80 and above)."""
    return code.is_failure if isinstance(code, ReasonCode) else code >= 0x80


class _Connection:
    """One connection to the broker. A message is acknowledged on the connection that brought
    it or not at all: on a later one its id may be another message's."""

    def __init__(self, client: aiomqtt.Client) -> None:
        self.client = client
        self.live = True


class MqttIngest:
    """Consumes alarm messages until cancelled, reconnecting (with backoff) when the broker
    goes away. The session is persistent (fixed client id, ``clean_session=False``): what is
    published while this process is down waits at the broker."""

    def __init__(
        self,
        *,
        db: Database,
        terminals: Authenticator,
        rules: ingest.IntakeRules,
        url: str,
        client_id: str,
        username: str | None = None,
        password: str | None = None,
        topic_filter: str = TOPIC_FILTER,
        on_connected: Callable[[], None] | None = None,
    ) -> None:
        self.db, self.terminals, self.rules = db, terminals, rules
        self.host, self.port, tls = broker_address(url)
        self.tls = ssl.create_default_context() if tls else None
        self.client_id, self.username, self.password = client_id, username, password
        self.topic_filter = topic_filter
        self.on_connected = on_connected
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        self._tasks: set[asyncio.Task[None]] = set()
        self._up = False

    async def run(self) -> None:
        delay = 1.0
        try:
            while True:
                self._up = False
                try:
                    await self._connection()
                except aiomqtt.MqttError as error:
                    if self._up:  # it was up: a loss after a while starts the backoff anew
                        delay = 1.0
                    log.warning(
                        "mqtt: %s:%s: %s; connecting again in %.0f s",
                        self.host,
                        self.port,
                        error,
                        delay,
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, MAX_BACKOFF_SECONDS)
        finally:
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _connection(self) -> None:
        client = aiomqtt.Client(
            self.host,
            self.port,
            identifier=self.client_id,
            clean_session=False,
            protocol=aiomqtt.ProtocolVersion.V311,
            username=self.username,
            password=self.password,
            tls_context=self.tls,
            logger=_PROTOCOL,  # aiomqtt's own logger is fixed at WARNING
        )
        # Before connecting: the broker sends what it held for the session right after CONNACK,
        # and paho would acknowledge those on receipt.
        client._client.manual_ack_set(True)
        # Answers waiting for the broker's PUBACK: aiomqtt warns past this, once per call, which
        # a burst of small messages reaches with nothing wrong (a backlog of answers, not alarms).
        client.pending_calls_threshold = PENDING_ANSWERS_WARNING
        async with client:
            connection = _Connection(client)
            try:
                granted = await client.subscribe(self.topic_filter, qos=1)
                if any(_refused(code) for code in granted):
                    raise aiomqtt.MqttError(f"the broker refused {self.topic_filter} (an ACL?)")
                self._up = True
                if self.on_connected is not None:
                    self.on_connected()
                async for message in client.messages:
                    await self._slots.acquire()
                    task = asyncio.create_task(self._handle(connection, message, utcnow()))
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
            except asyncio.CancelledError:
                # Stopping: what is under way may still commit and be acknowledged, rather
                # than be ingested again (as a duplicate) by the next process.
                if self._tasks:
                    await asyncio.wait(set(self._tasks), timeout=DRAIN_SECONDS)
                raise
            finally:
                connection.live = False

    async def _handle(
        self, connection: _Connection, message: aiomqtt.Message, received: datetime
    ) -> None:
        try:
            topic = parse_topic(message.topic.value)
            answer = await self._settle(connection, topic, message.payload, received)
        finally:
            self._slots.release()
        if answer is None or not connection.live:
            return  # the connection is gone: the broker delivers the message again
        connection.client._client.ack(message.mid, message.qos)
        if topic is None:
            return
        try:
            await connection.client.publish(
                topic.result, answer, qos=1, timeout=RESULT_TIMEOUT_SECONDS
            )
        except aiomqtt.MqttError as error:  # the message is settled; its answer is a courtesy
            log.warning("mqtt: the answer to %s was not published: %s", topic.name, error)

    async def _settle(
        self, connection: _Connection, topic: AlarmTopic | None, payload: bytes, received: datetime
    ) -> bytes | None:
        """The answer to a message, once it is final: a transient failure (the database
        unavailable ...) is tried again, with backoff, for as long as the connection lasts."""
        delay, attempt = 0.5, 0
        while True:
            attempt += 1
            try:
                return await self._answer(topic, payload, received)
            except DomainError as error:
                where = topic.name if topic else "an unexpected topic"
                log.warning("mqtt: refused a message on %s: %s", where, error.code.value)
                return refusal(error)
            except Exception:
                if not connection.live:
                    return None
                # Never given up (acknowledging would lose the alarms), so said louder when
                # it keeps failing: a fault that will not pass holds one of the broker's
                # in-flight slots until someone fixes it.
                log.log(
                    logging.WARNING if attempt < ESCALATE_AFTER else logging.ERROR,
                    "mqtt: ingest failed (attempt %d); again in %.1f s",
                    attempt,
                    delay,
                    exc_info=True,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, MAX_BACKOFF_SECONDS)
                if not connection.live:
                    return None

    async def _answer(self, topic: AlarmTopic | None, payload: bytes, received: datetime) -> bytes:
        if topic is None:
            raise DomainError(ErrorCode.VALIDATION_FAILED, "Not an alarm topic.")
        signed = decode_message(topic, payload)
        terminal = await self.terminals.message(
            db=self.db, tenant_slug=topic.tenant_slug, device_code=topic.device_code, signed=signed
        )
        alarms = ingest.decode(signed.body, now=received)
        result = await ingest.ingest(
            db=self.db,
            terminal=terminal,
            alarms=alarms,
            via=iot.AlarmVia.MQTT,
            rules=self.rules,
            received_at=received,
        )
        return msgspec.json.encode(result)
