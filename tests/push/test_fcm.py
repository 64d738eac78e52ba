"""The FCM v1 provider against a local FCM (HTTP/2, TLS, google.rpc.Status errors) and a local
OAuth token endpoint that google-auth really talks to."""

import asyncio
import json
from datetime import timedelta

import pytest

from kernel.clock import utcnow
from kernel.db import Database
from push.fcm import FcmProvider
from push.providers import Verdict
from server.relay import build_relay
from server.settings import Settings
from tests.push.fcm_server import SCOPE, FcmReply
from tests.push.test_apns import outgoing


def android(token: str | None = None, **fields: object):
    return outgoing(token, platform="android", **fields)


async def test_a_message_carries_the_android_options_and_an_oauth_token(fcm) -> None:
    server, config = fcm
    provider = FcmProvider(config)
    item = android(expires_at=utcnow() + timedelta(hours=1))
    answer = await provider.send(item)
    assert (answer.verdict, answer.status_code) == (Verdict.DELIVERED, 200)
    assert json.loads(answer.response)["name"].startswith("projects/fieldops-test/messages/")
    (received,) = server.received
    message = received.message
    assert message["token"] == item.push_token
    # Data only: onMessageReceived runs in the background too, so the app acknowledges it and
    # shows the notification itself, on the channel and with the tag given.
    assert "notification" not in message
    assert "notification" not in message["android"]
    assert message["data"] == {
        **item.data,
        "title": item.title,
        "body": item.body,
        "channel_id": "fieldops_work_orders",
        "tag": "wo:1",
        "urgency": "high",
    }
    assert message["android"]["priority"] == "HIGH"
    assert message["android"]["collapse_key"] == "wo:1"
    assert 3590 <= int(message["android"]["ttl"].removesuffix("s")) <= 3600
    assert received.headers["authorization"].startswith("Bearer ya29.local-")
    # The token is fetched once (a real jwt-bearer grant, checked by the endpoint) and shared.
    normal = android(priority="normal", collapse_key="")
    assert (await provider.send(normal)).verdict is Verdict.DELIVERED
    options = server.received[1].message["android"]
    assert options["priority"] == "NORMAL"
    assert "collapse_key" not in options
    urgent = android(priority="urgent")
    assert (await provider.send(urgent)).verdict is Verdict.DELIVERED
    assert server.received[2].message["android"]["priority"] == "HIGH"
    assert server.received[2].message["data"]["channel_id"] == "fieldops_urgent"
    assert server.oauth.requests == 1
    assert provider.token.credentials.scopes == [SCOPE]
    await provider.close()


@pytest.mark.parametrize(
    ("reply", "verdict", "reason"),
    [
        (FcmReply(404, "UNREGISTERED"), Verdict.TOKEN_DEAD, "UNREGISTERED"),
        (FcmReply(403, "SENDER_ID_MISMATCH"), Verdict.TOKEN_DEAD, "SENDER_ID_MISMATCH"),
        (
            FcmReply(400, "INVALID_ARGUMENT", "message.token"),
            Verdict.TOKEN_DEAD,
            "INVALID_ARGUMENT",
        ),
        (
            FcmReply(400, "INVALID_ARGUMENT", "message.android.ttl"),
            Verdict.DEAD,
            "INVALID_ARGUMENT",
        ),
        (FcmReply(429, "QUOTA_EXCEEDED", retry_after=7), Verdict.RETRY, "QUOTA_EXCEEDED"),
        (FcmReply(503, "UNAVAILABLE"), Verdict.RETRY, "UNAVAILABLE"),
        (FcmReply(500, "INTERNAL"), Verdict.RETRY, "INTERNAL"),
        (FcmReply(401, "THIRD_PARTY_AUTH_ERROR"), Verdict.PROVIDER_AUTH, "THIRD_PARTY_AUTH_ERROR"),
        (FcmReply(403), Verdict.PROVIDER_AUTH, "PERMISSION_DENIED"),
        (FcmReply(stall=True), Verdict.RETRY, "timeout"),
        (FcmReply(goaway=True), Verdict.RETRY, "connection"),
    ],
)
async def test_fcms_answers_become_verdicts(
    fcm, reply: FcmReply, verdict: Verdict, reason: str
) -> None:
    server, config = fcm
    provider = FcmProvider(config)
    item = android()
    server.script(item.push_token, reply)
    answer = await provider.send(item)
    assert answer.verdict is verdict
    assert answer.reason.startswith(reason)
    if reply.retry_after is not None:
        assert answer.retry_after_seconds == reply.retry_after
    # The connection (or a new one after GOAWAY) keeps serving other devices.
    assert (await provider.send(android())).verdict is Verdict.DELIVERED
    await provider.close()


async def test_a_rejected_access_token_is_replaced_once(fcm) -> None:
    server, config = fcm
    provider = FcmProvider(config)
    assert (await provider.send(android())).verdict is Verdict.DELIVERED
    server.oauth.revoke_all()  # e.g. the key was rotated: FCM answers 401 UNAUTHENTICATED
    assert (await provider.send(android())).verdict is Verdict.DELIVERED
    assert server.oauth.requests == 2
    assert [r.status for r in server.received] == [200, 401, 200]
    # When Google refuses the key itself, it is a provider-wide auth failure, not a retry.
    server.oauth.revoke_all()
    server.oauth.refuse = "invalid_grant"
    answer = await provider.send(android())
    assert answer.verdict is Verdict.PROVIDER_AUTH
    assert "invalid_grant" in answer.reason
    await provider.close()


async def test_the_token_refresh_runs_off_the_event_loop_and_is_shared(fcm) -> None:
    server, config = fcm
    server.oauth.delay_seconds = 0.5  # a slow token endpoint
    provider = FcmProvider(config)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    running = asyncio.create_task(ticker())
    answers = await asyncio.gather(*(provider.send(android()) for _ in range(10)))
    running.cancel()
    assert {a.verdict for a in answers} == {Verdict.DELIVERED}
    assert server.oauth.requests == 1  # ten sends waited for one refresh
    assert ticks >= 20  # the loop kept running while google-auth waited
    await provider.close()


async def test_an_oversized_message_is_refused_before_sending(fcm) -> None:
    server, config = fcm
    provider = FcmProvider(config)
    answer = await provider.send(android(body="x" * 5000))
    await provider.close()
    assert answer.verdict is Verdict.DEAD
    assert server.received == []


async def test_settings_choose_fcm_with_a_service_account_file(fcm, tmp_path) -> None:
    server, config = fcm
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(dict(config.service_account)))
    env = {
        "FIELDOPS_SECRET_KEY": "x" * 40,
        "FIELDOPS_FCM_SERVICE_ACCOUNT_FILE": str(key_file),
        "FIELDOPS_FCM_ENDPOINT": server.url,
        "FIELDOPS_FCM_CA_FILE": server.ca_file,
    }
    relay = build_relay(
        db=Database.from_url(f"sqlite:///{tmp_path}/unused.db"), settings=Settings.from_env(env)
    )
    provider = relay.providers["fcm"]
    assert isinstance(provider, FcmProvider)
    assert relay.providers["apns"].name == "log"
    assert (await provider.send(android())).verdict is Verdict.DELIVERED
    await relay.close()


async def test_a_message_over_fcms_4000_byte_data_limit_is_dead_before_sending(fcm) -> None:
    server, config = fcm
    provider = FcmProvider(config)
    fits = android(data={"work_order_id": "x" * 3800})
    assert (await provider.send(fits)).verdict is Verdict.DELIVERED
    too_big = android(data={"work_order_id": "x" * 3960})  # under 4096, over 4000 with the rest
    answer = await provider.send(too_big)
    assert answer.verdict is Verdict.DEAD
    assert "too big" in answer.reason
    assert len(server.received) == 1  # refused here, not by FCM
    await provider.close()
