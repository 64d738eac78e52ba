"""``fieldops worker`` killed with SIGKILL between sending a push and recording it: another
worker sends it again once the lease runs out, with the same apns-id and collapse id. At least
once, never lost."""

import asyncio
import os
import signal
import subprocess
import uuid
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from server.settings import Settings
from tests.e2e.conftest import CLI, ROOT
from tests.factories import World
from tests.push.apns_server import ApnsServer, Reply


async def test_a_killed_relay_loses_nothing(
    world: World, settings: Settings, tmp_path: Path
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    key_file = tmp_path / "AuthKey.p8"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    server = ApnsServer(public_key_pem=public.decode(), team_id="TEAM123456", key_id="KEY1234567")
    await server.start()
    token = uuid.uuid4().hex * 2
    server.script(token, Reply(stall=True), Reply(200))  # the first worker never hears back
    body = {"id": str(uuid.uuid4()), "platform": "ios", "push_token": token, "app_bundle_id": "a.b"}
    await world.call("eng_a", "POST", "/api/v1/devices", json=body, expect=200)
    wo = await world.create_work_order()
    engineer = str(world.users["eng_a"])
    await world.transition("dispatcher", wo["id"], "assigned", assignee_id=engineer)

    env = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "FIELDOPS_SECRET_KEY": "k" * 40,
        "FIELDOPS_LOG_LEVEL": "WARNING",
        "FIELDOPS_APNS_TEAM_ID": "TEAM123456",
        "FIELDOPS_APNS_KEY_ID": "KEY1234567",
        "FIELDOPS_APNS_KEY_FILE": str(key_file),
        "FIELDOPS_APNS_PRODUCTION_URL": server.url,
        "FIELDOPS_APNS_CA_FILE": server.ca_file,
        "FIELDOPS_PUSH_LEASE_SECONDS": "2",
    }

    def worker() -> subprocess.Popen[bytes]:
        return subprocess.Popen([*CLI, "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL)

    async def requests_for_token(count: int) -> list[dict[str, str]]:
        for _ in range(300):
            seen = [r.headers for r in server.received if r.token == token]
            if len(seen) >= count:
                return seen
            await asyncio.sleep(0.1)
        raise AssertionError(f"APNs got {len(seen)} requests for the device, not {count}")

    first = worker()
    try:
        await requests_for_token(1)  # sent; the answer never comes
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        first.kill()
    second = worker()
    try:
        attempts = await requests_for_token(2)
        status = ""
        for _ in range(100):
            listed = await world.call(
                "dispatcher", "GET", "/api/v1/push/deliveries", params={"subject_id": wo["id"]}
            )
            (delivery,) = listed.json()["items"]
            status = delivery["status"]
            if status == "delivered":
                break
            await asyncio.sleep(0.1)
    finally:
        second.terminate()
        second.wait(timeout=10)
        await server.stop()
    assert status == "delivered"
    assert delivery["attempts"] == 2
    assert attempts[0]["apns-id"] == attempts[1]["apns-id"] == delivery["id"]
    assert attempts[0]["apns-collapse-id"] == attempts[1]["apns-collapse-id"]
