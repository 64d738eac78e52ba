"""The APNs provider against a local HTTP/2 TLS APNs (tests/push/apns_server.py): headers,
provider token, Apple's error framing, outages, stalls, GOAWAY, token lifetime."""

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from kernel.db import Database
from push.apns import ApnsProvider
from push.providers import Outgoing, Verdict
from server.relay import build_relay
from server.settings import Settings, SettingsError
from tests.push.apns_server import Reply

TOPIC = "com.example.fieldops"


class Clock:
    def __init__(self) -> None:
        self.start = self.now = time.time()

    def __call__(self) -> float:
        return self.now


def outgoing(token: str | None = None, **fields: object) -> Outgoing:
    values: dict[str, object] = {
        "delivery_id": uuid.uuid4(),
        "device_id": uuid.uuid4(),
        "platform": "ios",
        "push_token": token or uuid.uuid4().hex * 2,
        "apns_environment": "production",
        "app_bundle_id": TOPIC,
        "locale": "zh-CN",
        "kind": "assignment",
        "title": "P0 WO-2026-000001 assigned to you",
        "body": "Freezer room too warm",
        "data": {"work_order_id": str(uuid.uuid4())},
        "priority": "high",
        "collapse_key": "wo:1",
        "expires_at": datetime.now(UTC) + timedelta(hours=1),
    }
    values.update(fields)
    return Outgoing(**values)  # type: ignore[arg-type]


async def test_a_delivery_carries_apples_headers_and_a_valid_provider_token(apns) -> None:
    server, config = apns
    provider = ApnsProvider(config)
    item = outgoing()
    answer = await provider.send(item)
    await provider.close()
    assert (answer.verdict, answer.status_code) == (Verdict.DELIVERED, 200)
    (received,) = server.received
    assert received.token == item.push_token
    headers = received.headers
    assert headers["apns-id"] == str(item.delivery_id)
    assert headers["apns-topic"] == TOPIC
    assert headers["apns-push-type"] == "alert"
    assert headers["apns-priority"] == "10"
    assert headers["apns-collapse-id"] == "wo:1"
    assert int(headers["apns-expiration"]) == int(item.expires_at.timestamp())
    aps = received.payload["aps"]
    assert aps["alert"]["title"] == item.title
    assert aps["mutable-content"] == 1  # the app's service extension runs and acknowledges
    assert aps["interruption-level"] == "active"
    assert aps["thread-id"] == "wo:1"
    assert received.payload["work_order_id"] == item.data["work_order_id"]
    assert len(server.tokens_seen) == 1  # verified ES256, kid and iss


@pytest.mark.parametrize(
    ("priority", "apns_priority", "interruption"),
    [("urgent", "10", "time-sensitive"), ("high", "10", "active"), ("normal", "5", "active")],
)
async def test_urgency_sets_apples_priority_and_interruption_level(
    apns, priority: str, apns_priority: str, interruption: str
) -> None:
    server, config = apns
    provider = ApnsProvider(config)
    assert (await provider.send(outgoing(priority=priority))).verdict is Verdict.DELIVERED
    await provider.close()
    (received,) = server.received
    assert received.headers["apns-priority"] == apns_priority
    assert received.payload["aps"]["interruption-level"] == interruption


@pytest.mark.parametrize(
    ("reply", "verdict"),
    [
        (Reply(400, "BadDeviceToken"), Verdict.TOKEN_DEAD),
        (Reply(400, "DeviceTokenNotForTopic"), Verdict.TOKEN_DEAD),
        (Reply(410, "Unregistered", timestamp_ms=1_764_000_000_000), Verdict.TOKEN_DEAD),
        (Reply(413, "PayloadTooLarge"), Verdict.DEAD),
        (Reply(403, "InvalidProviderToken"), Verdict.PROVIDER_AUTH),
        (Reply(400, "BadCollapseId"), Verdict.DEAD),
        (Reply(429, "TooManyRequests", retry_after=7), Verdict.RETRY),
        (Reply(500, "InternalServerError"), Verdict.RETRY),
        (Reply(503, "ServiceUnavailable", retry_after=3), Verdict.RETRY),
        (Reply(stall=True), Verdict.RETRY),
        (Reply(goaway=True), Verdict.RETRY),
    ],
)
async def test_apples_answers_become_verdicts(apns, reply: Reply, verdict: Verdict) -> None:
    server, config = apns
    provider = ApnsProvider(config)
    item = outgoing()
    server.script(item.push_token, reply)
    answer = await provider.send(item)
    assert answer.verdict is verdict
    if not reply.stall and not reply.goaway:
        assert answer.status_code == reply.status
        assert answer.reason == reply.reason
    if reply.retry_after is not None:
        assert answer.retry_after_seconds == reply.retry_after
    if reply.timestamp_ms is not None:
        assert answer.token_dead_since == datetime.fromtimestamp(1_764_000_000, UTC)
    # The connection (or a new one after GOAWAY) keeps serving other devices.
    assert (await provider.send(outgoing())).verdict is Verdict.DELIVERED
    await provider.close()


async def test_an_oversized_payload_is_refused_before_sending(apns) -> None:
    server, config = apns
    provider = ApnsProvider(config)
    answer = await provider.send(outgoing(body="x" * 5000))
    await provider.close()
    assert answer.verdict is Verdict.DEAD
    assert answer.reason.startswith("PayloadTooLarge")
    assert server.received == []


async def test_the_provider_token_lives_between_20_and_60_minutes(apns) -> None:
    server, config = apns
    clock = Clock()
    server.clock = clock
    provider = ApnsProvider(config, clock=clock)

    async def send_at(minute: int, *replies: Reply) -> Verdict:
        clock.now = clock.start + minute * 60
        item = outgoing()
        if replies:
            server.script(item.push_token, *replies)
        return (await provider.send(item)).verdict

    for minute in (0, 5, 19):
        assert await send_at(minute) is Verdict.DELIVERED
    assert provider.token.generated == 1  # one token, shared by every send
    # ExpiredProviderToken on a 10-minute-old token: no refresh (Apple throttles refreshes
    # under 20 minutes): a provider-wide auth failure (the relay opens the circuit, alerts).
    expired = Reply(403, "ExpiredProviderToken")
    assert await send_at(10, expired, Reply(200)) is Verdict.PROVIDER_AUTH
    assert provider.token.generated == 1
    # At 25 minutes a refresh is allowed: one new token, and the send is repeated at once.
    assert await send_at(25, Reply(403, "ExpiredProviderToken"), Reply(200)) is Verdict.DELIVERED
    assert provider.token.generated == 2
    assert await send_at(64) is Verdict.DELIVERED  # the new token is 39 minutes old: kept
    assert provider.token.generated == 2
    assert await send_at(66) is Verdict.DELIVERED  # 41 minutes old: replaced before sending
    assert provider.token.generated == 3
    assert len(server.tokens_seen) == 3
    await provider.close()


async def test_settings_choose_apns_only_with_all_its_credentials(apns, tmp_path) -> None:
    server, config = apns
    key_file = tmp_path / "AuthKey.p8"
    key_file.write_text(config.private_key_pem)
    env = {
        "FIELDOPS_SECRET_KEY": "x" * 40,
        "FIELDOPS_APNS_TEAM_ID": config.team_id,
        "FIELDOPS_APNS_KEY_ID": config.key_id,
        "FIELDOPS_APNS_KEY_FILE": str(key_file),
        "FIELDOPS_APNS_PRODUCTION_URL": server.url,
        "FIELDOPS_APNS_CA_FILE": server.ca_file,
    }
    relay = build_relay(
        db=Database.from_url(f"sqlite:///{tmp_path}/unused.db"), settings=Settings.from_env(env)
    )
    provider = relay.providers["apns"]
    assert isinstance(provider, ApnsProvider)
    assert (await provider.send(outgoing())).verdict is Verdict.DELIVERED
    await relay.close()
    plain = build_relay(
        db=Database.from_url(f"sqlite:///{tmp_path}/unused.db"),
        settings=Settings.from_env({"FIELDOPS_SECRET_KEY": "x" * 40}),
    )
    assert plain.providers["apns"].name == "log"
    with pytest.raises(SettingsError, match="FIELDOPS_APNS_KEY_FILE"):
        Settings.from_env({"FIELDOPS_SECRET_KEY": "x" * 40, "FIELDOPS_APNS_TEAM_ID": "T"})
