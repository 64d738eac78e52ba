"""A real server process for end-to-end tests: the CLI migrates a fresh database (SQLite file or
PostgreSQL database, following FIELDOPS_TEST_DB), creates the demo tenant and serves it with
uvicorn on a free port. One server per test module: starting one costs seconds, and e2e tests
isolate themselves by what they create, not by a fresh database each. A module configures its
server (push providers ...) by overriding ``live_server_extra_env``."""

import dataclasses
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from litestar import Litestar

from server.app import create_app
from server.settings import Settings
from server.tables import ALL_TABLES
from tests.conftest import (
    backend,
    create_postgres_database,
    drop_postgres_database,
    run_migrate,
)
from tests.factories import World, make_world, running

ROOT = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "server.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until_ready(base: str, process: "subprocess.Popen[bytes]", log: Path) -> None:
    """Until ``base`` answers /health/ready (30 s at most: then the process is killed and the
    test fails with its log)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    process.kill()
    pytest.fail(f"server did not become ready:\n{log.read_text()}")


@asynccontextmanager
async def world_on_own_database(
    app: Litestar, settings: Settings, folder: Path
) -> AsyncIterator[tuple[World, str]]:
    """A tenant on a database of its own (and its URL), for tests whose processes act on
    every row they find; the session app's tables are bound again afterwards."""
    if backend() == "postgres":
        url = await create_postgres_database()
    else:
        url = f"sqlite:///{folder / 'own.db'}"
    migrated = run_migrate(url, folder / "var")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    own = create_app(dataclasses.replace(settings, database_url=url))
    try:
        async with running(own) as client:
            yield await make_world(client), url
    finally:
        app.state.services.db.bind(ALL_TABLES)
        if backend() == "postgres":
            await drop_postgres_database(url)


@dataclass(frozen=True)
class LiveServer:
    """``url`` is the base URL; ``env`` is what a second process of the same server (same
    database and signing key, another FIELDOPS_PORT) needs, e.g. a test that kills and restarts
    its own server."""

    url: str
    env: dict[str, str]
    pid: int = 0  # the serving process (uvicorn runs in it: one worker)
    log: Path | None = None  # its stdout and stderr, for failure messages


@pytest.fixture(scope="module")
def live_server_extra_env() -> dict[str, str]:
    """Environment added to the module's server (and its ``LiveServer.env``): none by default.
    A module overrides this fixture, e.g. to point the push providers at local servers."""
    return {}


@pytest.fixture(scope="module")
async def live_server_database(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if backend() == "postgres":
        url = await create_postgres_database()
        yield url
        await drop_postgres_database(url)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'server.db'}"


@pytest.fixture(scope="module")
def live_server_process(
    live_server_database: str,
    live_server_extra_env: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    port = free_port()
    env = {
        "DATABASE_URL": live_server_database,
        "FIELDOPS_DEV_MODE": "true",
        "FIELDOPS_VAR_DIR": str(tmp_path_factory.mktemp("e2e-var")),
        # Real clients log in often (one session per replica); the default 30/min is for people.
        "FIELDOPS_AUTH_RATE_LIMIT_PER_MINUTE": "100000",
        **live_server_extra_env,
    }
    full_env = {**os.environ, **env, "FIELDOPS_PORT": str(port)}
    for command in ("migrate", "demo"):
        done = subprocess.run(
            [*CLI, command],
            env=full_env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert "eng.li" in done.stdout  # the demo prints its logins
    # A file, not a pipe: nobody reads the log while tests run, and a full pipe would block
    # the server mid-test.
    log = tmp_path_factory.mktemp("e2e-log") / "server.log"
    process = subprocess.Popen(
        [*CLI, "serve"], env=full_env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, process, log)
        yield LiveServer(url=base, env=env, pid=process.pid, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()  # never leak a server; but a graceful stop that hangs is a bug
            process.wait(timeout=15)
            pytest.fail(
                "the server did not stop within 15 s of SIGTERM (a connection held open?); "
                f"its log ends:\n{log.read_text()[-4000:]}"
            )


@contextmanager
def another_server(server: LiveServer, folder: Path) -> Iterator[str]:
    """Another ``fieldops serve`` on ``server``'s database (several API processes), its URL."""
    port = free_port()
    env = {**os.environ, **server.env, "FIELDOPS_PORT": str(port)}
    log = folder / f"server-{port}.log"
    process = subprocess.Popen(
        [*CLI, "serve"], env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_ready(base, process, log)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def live_server(live_server_process: LiveServer) -> str:
    """The base URL of a running server whose database holds the demo tenant."""
    return live_server_process.url
