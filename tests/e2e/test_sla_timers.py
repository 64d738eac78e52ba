"""SLA timers in the real ``fieldops worker`` processes (uvloop, as deployed): a worker killed
mid-countdown loses no timer, two workers fire each escalation once, and none fires more than
5 s late. Targets of seconds (a tenant policy) stand in for the real minutes."""

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar

from server.settings import Settings
from tests.e2e.conftest import CLI, ROOT, world_on_own_database
from tests.factories import World

STAGE_SECONDS = 6  # the escalation stage: after the worker was killed, before the restart


@pytest.fixture
async def own_world(
    app: Litestar, settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[World, str]]:
    """A tenant on a database of its own: the workers fire every due timer they find."""
    async with world_on_own_database(app, settings, tmp_path) as own:
        yield own


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


async def timeline(world: World, work_order_id: str) -> list[dict[str, Any]]:
    url = f"/api/v1/work-orders/{work_order_id}"
    entries: list[dict[str, Any]] = (await world.call("dispatcher", "GET", url)).json()["timeline"]
    return entries


async def test_workers_fire_each_timer_once_across_a_kill_and_on_time(
    own_world: tuple[World, str], tmp_path: Path
) -> None:
    world, database_url = own_world
    policy = {
        "name": "P1 drill",
        "priority": "P1",
        "response_seconds": 3,
        "arrival_seconds": 3600,
        "resolution_seconds": 7200,
        "warn_at_percent": [50],
        "escalation": [
            {
                "after_seconds": STAGE_SECONDS,
                "clock": "response",
                "recipients": [{"kind": "supervisors"}, {"kind": "on_call"}],
                "strong": True,
            }
        ],
    }
    await world.call("admin", "POST", "/api/v1/sla/policies", json=policy, expect=201)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FIELDOPS_SECRET_KEY": "k" * 40,
        "FIELDOPS_LOG_LEVEL": "INFO",
    }
    log = tmp_path / "workers.log"

    def worker() -> subprocess.Popen[bytes]:
        with log.open("ab") as output:
            return subprocess.Popen(
                [*CLI, "worker"], env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
            )

    orders = [await world.create_work_order(title=f"Drill {n}", priority="P1") for n in range(6)]
    first = worker()
    await asyncio.sleep(1.0)
    first.send_signal(signal.SIGKILL)  # mid-countdown: nothing has come due yet
    first.wait(timeout=10)
    workers = [worker(), worker()]
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            entries = [await timeline(world, order["id"]) for order in orders]
            if all(any(e["action"] == "escalated" for e in found) for found in entries):
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(2)  # time enough for a second firing, were there one
        entries = [await timeline(world, order["id"]) for order in orders]
    finally:
        for process in workers:
            process.terminate()
        for process in workers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                raise AssertionError("a worker ignored SIGTERM:\n" + log.read_text()) from None
    for order, found in zip(orders, entries, strict=True):
        actions = [entry["action"] for entry in found]
        assert actions.count("escalated") == 1, (actions, log.read_text())
        assert actions.count("sla_breached") == 1, actions
        assert actions.count("sla_warning") == 1, actions
        escalated = next(entry for entry in found if entry["action"] == "escalated")
        due = at(order["created_at"]) + timedelta(seconds=STAGE_SECONDS)
        assert at(escalated["server_time"]) - due <= timedelta(seconds=5)
        assert escalated["actor_role"] == "system"
    listed = await world.call("supervisor", "GET", "/api/v1/sla/escalations", params={"limit": 50})
    assert sorted(item["number"] for item in listed.json()["items"]) == sorted(
        order["number"] for order in orders
    )
