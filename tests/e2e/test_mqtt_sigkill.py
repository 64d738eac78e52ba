"""``fieldops mqtt`` killed with SIGKILL after receiving a message and before its ingest
committed: the message was not acknowledged, so the broker delivers it again to the next
process of the same session, and the alarm lands exactly once (one alarm, one work order).

The crash window is held open from outside: the test holds the database's write lock (SQLite:
another connection in ``BEGIN IMMEDIATE``; PostgreSQL: ``LOCK TABLE alarms_alarm IN EXCLUSIVE
MODE``), so the ingest waits inside its transaction until the process is killed."""

import asyncio
import os
import signal
import sqlite3
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from litestar import Litestar

from kernel.engines import sqlite_path
from server.settings import Settings
from tests.alarms.test_mqtt import answer, forget, held_for, listening, signed
from tests.conftest import (
    TEST_SECRET,
    backend,
)
from tests.e2e.conftest import CLI, ROOT, world_on_own_database
from tests.factories import World, alarm


@pytest.fixture
async def own_world(
    app: Litestar, settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[World, str]]:
    """A tenant on a database of its own: the test locks its alarm table."""
    async with world_on_own_database(app, settings, tmp_path) as own:
        yield own


@asynccontextmanager
async def write_lock(url: str) -> AsyncIterator[Callable[[], Awaitable[bool]]]:
    """Hold the alarms' write lock; yields whether a writer waits for it (PostgreSQL tells)."""
    if backend() == "postgres":
        connection = await asyncpg.connect(url)
        try:
            await connection.execute("BEGIN")
            await connection.execute("LOCK TABLE alarms_alarm IN EXCLUSIVE MODE")

            async def waiting() -> bool:
                found = await connection.fetchval(
                    "SELECT count(*) FROM pg_locks"
                    " WHERE relation = 'alarms_alarm'::regclass AND NOT granted"
                )
                return bool(found)

            yield waiting
        finally:
            await connection.close()  # rolls back: the lock is released
        return
    path = sqlite_path(url)
    assert path is not None
    lock = sqlite3.connect(path, isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")

        async def unknown() -> bool:
            return True  # SQLite does not say who waits; the process's log said it received

        yield unknown
    finally:
        lock.execute("ROLLBACK")
        lock.close()


def text(log: Path) -> str:
    return log.read_text()


async def wait_for(what: str, check: Callable[[], bool], log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s; the process said:\n" + text(log))
        await asyncio.sleep(0.1)


async def test_a_killed_ingest_loses_nothing_and_stores_once(
    own_world: tuple[World, str], tmp_path: Path
) -> None:
    world, database_url = own_world
    terminal = await world.register_terminal()
    topic = f"fieldops/{world.slug}/{terminal.device_code}/alarms"
    client_id = f"test-e2e-ingest-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FIELDOPS_SECRET_KEY": TEST_SECRET,  # the key the terminal's secret is sealed with
        "FIELDOPS_LOG_LEVEL": "DEBUG",  # paho logs each PUBLISH it receives
        "FIELDOPS_MQTT_URL": "mqtt://127.0.0.1:1883",
        "FIELDOPS_MQTT_CLIENT_ID": client_id,
        # This tenant's topics only: other runs sharing the broker keep their messages.
        "FIELDOPS_MQTT_TOPIC_FILTER": f"fieldops/{world.slug}/+/alarms",
    }
    logs = [tmp_path / "first.log", tmp_path / "second.log"]

    def start(log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as output:
            return subprocess.Popen(
                [*CLI, "mqtt"], env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
            )

    def said(log: Path, what: str) -> Callable[[], bool]:
        return lambda: what in text(log)

    sent = alarm()
    try:
        async with listening(world.slug) as device:
            first = start(logs[0])
            try:
                await wait_for("connected", said(logs[0], "ingest connected"), logs[0])
                async with write_lock(database_url) as waiting:
                    await device.publish(topic, signed(terminal, topic, sent), qos=1)
                    await wait_for("received", said(logs[0], "Received PUBLISH"), logs[0])
                    deadline = time.monotonic() + 30
                    while not await waiting():
                        assert time.monotonic() < deadline, text(logs[0])
                        await asyncio.sleep(0.1)
                    await asyncio.sleep(0.5)  # into the transaction, waiting for the lock
                    first.send_signal(signal.SIGKILL)
                    first.wait(timeout=10)
            finally:
                first.kill()
            assert "Sending PUBACK" not in text(logs[0])

            second = start(logs[1])
            try:
                result = await answer(device, topic, seconds=30)
            finally:
                second.terminate()
                try:
                    second.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    second.kill()
                    raise AssertionError(
                        "fieldops mqtt ignored SIGTERM:\n" + text(logs[1])
                    ) from None
        assert second.returncode == 0, text(logs[1])
        assert "Received PUBLISH (d1" in text(logs[1])  # the broker's redelivery (DUP set)
        assert "Sending PUBACK" in text(logs[1])
        assert await held_for(client_id) == []  # acknowledged, after the commit
    finally:
        await forget(client_id)

    (outcome,) = result["outcomes"]
    assert (outcome["id"], outcome["outcome"]) == (sent["id"], "accepted")
    page = await world.call(
        "dispatcher", "GET", "/api/v1/alarms", params={"terminal_id": terminal.id}, expect=200
    )
    (row,) = page.json()["items"]
    assert (row["alarm_id"], row["via"]) == (sent["id"], "mqtt")
    orders = (await world.call("dispatcher", "GET", "/api/v1/work-orders", expect=200)).json()
    assert [order["id"] for order in orders["items"]] == [outcome["work_order_id"]]
