"""``fieldops worker`` killed with SIGKILL between sending a push and recording it: another
worker sends it again once the lease runs out, with the same apns-id and collapse id. At least
once, never lost."""

import asyncio
import os
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from litestar import Litestar

from server.settings import Settings
from tests.e2e.conftest import CLI, ROOT, world_on_own_database
from tests.factories import World
from tests.push.apns_server import KEY_ID, TEAM_ID, ApnsServer, Reply, es256_key_pair


@pytest.fixture
async def own_world(
    app: Litestar, settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[World, str]]:
    """A tenant on a database of its own: the workers drain every due delivery they find."""
    async with world_on_own_database(app, settings, tmp_path) as own:
        yield own


async def test_a_killed_relay_loses_nothing(own_world: tuple[World, str], tmp_path: Path) -> None:
    world, database_url = own_world
    private, public = es256_key_pair()
    key_file = tmp_path / "AuthKey.p8"
    key_file.write_text(private)
    server = ApnsServer(public_key_pem=public, team_id=TEAM_ID, key_id=KEY_ID)
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
        "DATABASE_URL": database_url,
        "FIELDOPS_SECRET_KEY": "k" * 40,
        "FIELDOPS_LOG_LEVEL": "WARNING",
        "FIELDOPS_APNS_TEAM_ID": TEAM_ID,
        "FIELDOPS_APNS_KEY_ID": KEY_ID,
        "FIELDOPS_APNS_KEY_FILE": str(key_file),
        "FIELDOPS_APNS_PRODUCTION_URL": server.url,
        "FIELDOPS_APNS_CA_FILE": server.ca_file,
        "FIELDOPS_PUSH_LEASE_SECONDS": "2",
    }

    log = tmp_path / "workers.log"

    def worker() -> subprocess.Popen[bytes]:
        with log.open("ab") as output:
            return subprocess.Popen(
                [*CLI, "worker"], env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
            )

    async def requests_for_token(count: int) -> list[dict[str, str]]:
        for _ in range(300):
            seen = [r.headers for r in server.received if r.token == token]
            if len(seen) >= count:
                return seen
            await asyncio.sleep(0.1)
        raise AssertionError(
            f"APNs got {len(seen)} requests for the device, not {count}; the workers said:\n"
            + log.read_text()
        )

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
        try:
            second.wait(timeout=10)
        except subprocess.TimeoutExpired:
            second.kill()
            raise AssertionError("the worker ignored SIGTERM:\n" + log.read_text()) from None
        finally:
            await server.stop()
    assert status == "delivered"
    assert delivery["attempts"] == 2
    assert attempts[0]["apns-id"] == attempts[1]["apns-id"] == delivery["id"]
    assert attempts[0]["apns-collapse-id"] == attempts[1]["apns-collapse-id"]
