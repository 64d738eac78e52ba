"""The README's server with APNs and FCM configured: an assignment reaches a local APNs and a
local FCM (real protocols: HTTP/2 over TLS, ES256 provider token, OAuth service-account token)
from the in-process relay of ``fieldops serve``, i.e. on uvicorn's uvloop. No other test runs
the relay on uvloop; a uvloop-only failure there once kept every push from leaving."""

import asyncio
import contextlib
import json
import re
import secrets
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import LiveServer
from tests.push.apns_server import KEY_ID, TEAM_ID, ApnsServer, Received, Reply, es256_key_pair
from tests.push.fcm_server import PROJECT_ID, FcmReceived, FcmServer, OAuthServer, service_account

PASSWORD = "fieldops-demo"
BUNDLE_ID = "com.example.fieldops.e2e"
DEADLINE_SECONDS = 20.0  # generous: the relay is woken at commit and sends within milliseconds


@dataclass
class Providers:
    """The local APNs and FCM the served process is configured with, and that configuration."""

    apns: ApnsServer
    fcm: FcmServer
    env: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
async def providers(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Providers]:
    """Served from the test's event loop (the OAuth endpoint from its own thread): they answer
    while a test awaits. Started before the server process, stopped after it."""
    keys = tmp_path_factory.mktemp("push-keys")
    private, public = es256_key_pair()
    apns_key = keys / "AuthKey.p8"
    apns_key.write_text(private)
    apns = ApnsServer(public_key_pem=public, team_id=TEAM_ID, key_id=KEY_ID)
    oauth = OAuthServer()
    fcm = FcmServer(oauth=oauth)
    async with contextlib.AsyncExitStack() as started:  # whatever started is stopped
        oauth.start()
        started.callback(oauth.stop)
        info, oauth.public_key_pem = service_account(oauth.token_uri)
        service_account_file = keys / "service-account.json"
        service_account_file.write_text(json.dumps(info))
        await apns.start()
        started.push_async_callback(apns.stop)
        await fcm.start()
        started.push_async_callback(fcm.stop)
        env = {
            "FIELDOPS_APNS_TEAM_ID": TEAM_ID,
            "FIELDOPS_APNS_KEY_ID": KEY_ID,
            "FIELDOPS_APNS_KEY_FILE": str(apns_key),
            "FIELDOPS_APNS_PRODUCTION_URL": apns.url,
            "FIELDOPS_APNS_SANDBOX_URL": apns.url,  # never Apple's, whatever a device says
            "FIELDOPS_APNS_CA_FILE": apns.ca_file,
            "FIELDOPS_FCM_SERVICE_ACCOUNT_FILE": str(service_account_file),
            "FIELDOPS_FCM_PROJECT_ID": PROJECT_ID,
            "FIELDOPS_FCM_ENDPOINT": fcm.url,
            "FIELDOPS_FCM_CA_FILE": fcm.ca_file,  # the token endpoint is plain HTTP here
        }
        yield Providers(apns=apns, fcm=fcm, env=env)


@pytest.fixture(scope="module")
def live_server_extra_env(providers: Providers) -> dict[str, str]:
    """This module's server sends to the local providers (overrides the conftest's none)."""
    return providers.env


@pytest.fixture(scope="module")
def server(live_server_process: LiveServer) -> LiveServer:
    """The served process, checked to run on uvloop as ``fieldops serve`` does by default
    (uvicorn's ``loop="auto"``): otherwise these tests would not cover what they are for."""
    if sys.platform == "linux":
        maps = Path(f"/proc/{live_server_process.pid}/maps").read_text()
        assert "uvloop/loop." in maps, "uvicorn did not pick uvloop in the served process"
    return live_server_process


async def login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login",
        json={"tenant": "demo", "username": username, "password": PASSWORD, "device_id": "e2e"},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def register(
    client: httpx.AsyncClient, headers: dict[str, str], platform: str, **details: str
) -> dict[str, str]:
    """A new app installation of the logged-in user, with a token of the platform's shape."""
    token = secrets.token_hex(32) if platform == "ios" else "e2e:" + secrets.token_urlsafe(96)
    device = {"id": str(uuid.uuid4()), "platform": platform, "push_token": token, **details}
    response = await client.post("/api/v1/devices", headers=headers, json=device)
    assert response.status_code == 200, response.text
    return device


async def assign_new_work_order(
    client: httpx.AsyncClient, dispatcher: dict[str, str], engineer: str, **fields: str
) -> str:
    """Creates a work order and assigns it to the engineer (username); returns its id."""
    engineer_id = await user_id(client, engineer)
    created = await client.post("/api/v1/work-orders", headers=dispatcher, json=fields)
    assert created.status_code == 201, created.text
    wo: str = created.json()["work_order"]["id"]
    assigned = await client.post(
        f"/api/v1/work-orders/{wo}/transitions",
        headers=dispatcher,
        json={"target": "assigned", "assignee_id": engineer_id},
    )
    assert assigned.status_code == 200, assigned.text
    return wo


async def user_id(client: httpx.AsyncClient, username: str) -> str:
    me = await client.get("/api/v1/me", headers=await login(client, username))
    assert me.status_code == 200, me.text
    return str(me.json()["id"])


def apns_requests(providers: Providers, token: str) -> list[Received]:
    return [request for request in providers.apns.received if request.token == token]


def fcm_requests(providers: Providers, token: str) -> list[FcmReceived]:
    return [request for request in providers.fcm.received if request.token == token]


async def wait_for_deliveries(
    client: httpx.AsyncClient,
    dispatcher: dict[str, str],
    server: LiveServer,
    wo: str,
    received: dict[str, Callable[[], Sequence[object]]],
) -> dict[str, dict[str, Any]]:
    """Polls until every device in ``received`` (device id -> what its provider got for its
    token so far) got a request and the API shows its delivery ``delivered``; returns the
    deliveries by device id. Fails after DEADLINE_SECONDS with what was seen and the log."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS
    by_device: dict[str, dict[str, Any]] = {}
    while True:
        listed = await client.get(
            "/api/v1/push/deliveries", headers=dispatcher, params={"subject_id": wo}
        )
        assert listed.status_code == 200, listed.text
        by_device = {item["device_id"]: item for item in listed.json()["items"]}
        if all(
            requests() and by_device.get(device, {}).get("status") == "delivered"
            for device, requests in received.items()
        ):
            return by_device
        if loop.time() > deadline:
            break
        await asyncio.sleep(0.2)
    log = server.log.read_text(errors="replace")[-6000:] if server.log else ""
    seen = {device: len(requests()) for device, requests in received.items()}
    raise AssertionError(
        f"no delivery within {DEADLINE_SECONDS} s; provider requests per device {seen}; "
        f"deliveries {list(by_device.values())}; the server's log ends:\n{log}"
    )


async def test_an_assignment_reaches_apns_and_fcm(server: LiveServer, providers: Providers) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        engineer = await login(client, "eng.li")
        iphone = await register(client, engineer, "ios", app_bundle_id=BUNDLE_ID)
        android = await register(client, engineer, "android")
        dispatcher = await login(client, "dispatch")
        wo = await assign_new_work_order(
            client, dispatcher, "eng.li", title="Blast freezer 3 icing up"
        )
        ios_token, android_token = iphone["push_token"], android["push_token"]
        deliveries = await wait_for_deliveries(
            client,
            dispatcher,
            server,
            wo,
            {
                iphone["id"]: lambda: apns_requests(providers, ios_token),
                android["id"]: lambda: fcm_requests(providers, android_token),
            },
        )

    ios_delivery, android_delivery = deliveries[iphone["id"]], deliveries[android["id"]]
    assert ios_delivery["provider"] == "apns"
    assert android_delivery["provider"] == "fcm"

    (apns,) = apns_requests(providers, ios_token)
    assert apns.status == 200  # the local APNs accepted the provider token and headers
    assert apns.headers[":path"] == f"/3/device/{iphone['push_token']}"
    assert apns.headers["apns-topic"] == BUNDLE_ID
    assert apns.headers["apns-id"] == ios_delivery["id"]
    assert apns.payload["work_order_id"] == wo
    assert apns.payload["delivery_id"] == ios_delivery["id"]
    assert "alert" in apns.payload["aps"]

    (fcm,) = fcm_requests(providers, android_token)
    assert fcm.status == 200  # with an access token from the OAuth endpoint
    assert fcm.message["token"] == android["push_token"]
    assert fcm.message["data"]["work_order_id"] == wo
    assert fcm.message["data"]["delivery_id"] == android_delivery["id"]
    assert "notification" not in fcm.message  # data only: the app acknowledges, then shows it
    assert fcm.message["data"]["channel_id"] == "fieldops_work_orders"


async def test_a_p0_assignment_reaches_a_chinese_iphone(
    server: LiveServer, providers: Providers
) -> None:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        engineer = await login(client, "eng.wang")
        iphone = await register(
            client,
            engineer,
            "ios",
            app_bundle_id=BUNDLE_ID,
            locale="zh-CN",
            time_zone="Asia/Shanghai",
        )
        dispatcher = await login(client, "dispatch")
        wo = await assign_new_work_order(
            client, dispatcher, "eng.wang", title="Compressor 2 tripped", priority="P0"
        )
        token = iphone["push_token"]
        deliveries = await wait_for_deliveries(
            client, dispatcher, server, wo, {iphone["id"]: lambda: apns_requests(providers, token)}
        )

    delivery = deliveries[iphone["id"]]
    assert delivery["provider"] == "apns"
    (apns,) = apns_requests(providers, token)
    assert apns.status == 200
    assert apns.headers["apns-topic"] == BUNDLE_ID
    assert apns.headers["apns-priority"] == "10"
    assert apns.payload["work_order_id"] == wo
    aps = apns.payload["aps"]
    # The device's language; the number is the work order's (WO-…).
    assert re.fullmatch(r"P0 工单 WO-\S+ 已派给您", aps["alert"]["title"]), aps["alert"]
    assert aps["alert"]["body"] == "Compressor 2 tripped"
    assert aps["interruption-level"] == "time-sensitive"  # a P0 breaks through Focus
    assert aps["mutable-content"] == 1  # the service extension acknowledges in the background


OUTAGE_SECONDS = 15.0
RECOVERY_WITHIN = timedelta(seconds=60)


async def test_the_served_relay_rides_out_a_503_outage_with_its_defaults(
    server: LiveServer, providers: Providers
) -> None:
    """The article's outage against the real process and its default settings: 23
    assignments while APNs answers 503. All arrive soon after APNs recovers, without a
    replay, no dead letter, and at most one alert."""
    started = datetime.now(UTC)
    recovery = started + timedelta(seconds=OUTAGE_SECONDS)
    providers.apns.override = lambda: (
        Reply(503, "ServiceUnavailable") if datetime.now(UTC) < recovery else None
    )
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            engineer = await login(client, "eng.li")
            iphone = await register(client, engineer, "ios", app_bundle_id=BUNDLE_ID)
            dispatcher = await login(client, "dispatch")
            orders = {
                await assign_new_work_order(
                    client, dispatcher, "eng.li", title=f"Cold store {index} too warm"
                )
                for index in range(23)
            }
            deadline = recovery + RECOVERY_WITHIN + timedelta(seconds=10)
            mine: list[dict[str, Any]] = []
            while datetime.now(UTC) < deadline:
                listed = await client.get(
                    "/api/v1/push/deliveries", headers=dispatcher, params={"limit": 200}
                )
                items = listed.json()["items"]
                mine = [d for d in items if d["device_id"] == iphone["id"]]
                if len(mine) == 23 and all(d["status"] == "delivered" for d in mine):
                    break
                await asyncio.sleep(1)
            raised = (await client.get("/api/v1/push/alerts", headers=dispatcher)).json()["items"]
    finally:
        providers.apns.override = lambda: None
    assert {d["subject_id"] for d in mine} == orders
    assert {d["status"] for d in mine} == {"delivered"}, [d["last_reason"] for d in mine]
    assert max(datetime.fromisoformat(d["sent_at"]) for d in mine) <= recovery + RECOVERY_WITHIN
    failed = [r for r in apns_requests(providers, iphone["push_token"]) if r.status == 503]
    assert failed  # the outage really happened to these pushes
    new = [a for a in raised if datetime.fromisoformat(a["created_at"]) >= started]
    assert [a for a in new if a["kind"] == "dead_letter"] == []
    assert len(new) <= 1
