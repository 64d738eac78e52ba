"""Shared fixtures: one database per test run (SQLite file or a fresh PostgreSQL database),
migrated by the real ``fieldops migrate``; one app on the session's event loop. Tests isolate
themselves by creating their own tenant (``world`` factory), which is also what tenant
isolation means in production."""

import dataclasses
import os
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from moto.server import ThreadedMotoServer

from accounts import passwords
from media.store import S3Store
from server.app import create_app
from server.settings import Settings
from server.tables import ALL_TABLES
from tests.factories import Client, World, make_world, running
from tests.s3 import STORES, s3_config

POSTGRES_ADMIN_URL = os.environ.get(
    "FIELDOPS_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
TEST_SECRET = "test-secret-key-that-is-long-enough-0123456789"


def backend() -> str:
    return os.environ.get("FIELDOPS_TEST_DB", "sqlite")


async def create_postgres_database() -> str:
    name = f"fieldops_test_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


async def drop_postgres_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def run_migrate(
    database_url: str, var_dir: Path, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real CLI, as an operator runs it."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FIELDOPS_DEV_MODE": "true",
        "FIELDOPS_VAR_DIR": str(var_dir),
        **(extra_env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """Real argon2id with test-sized cost, so hundreds of users do not take minutes."""
    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    if backend() == "postgres":
        url = await create_postgres_database()
        yield url
        await drop_postgres_database(url)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    var_dir = tmp_path_factory.mktemp("var")
    result = run_migrate(database_url, var_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    return Settings(
        dev_mode=True,
        database_url=database_url,
        secret_key=TEST_SECRET,
        var_dir=var_dir,
        max_request_bytes=64 * 1024,
        auth_rate_limit_per_minute=1_000_000,
        portal_rate_limit_per_minute=1_000_000,
        # Tests drive relays themselves (tests/push), with a clock they control; a background
        # relay would race them for the same rows.
        push_relay_in_process=False,
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture(scope="session")
async def client(app: Litestar) -> AsyncIterator[Client]:
    async with running(app) as test_client:
        yield test_client


@pytest.fixture
def another_app(app: Litestar, settings: Settings) -> Iterator[Callable[..., Litestar]]:
    """Builds a second app on the same database with some settings changed. Its lifespan
    binds the (global) Piccolo tables to its own engine: they are given back afterwards."""
    yield lambda **changes: create_app(dataclasses.replace(settings, **changes))
    app.state.services.db.bind(ALL_TABLES)


@pytest.fixture
async def world(client: Client) -> World:
    """A fresh tenant with every role, two teams, a customer, a site and an asset."""
    return await make_world(client)


@pytest.fixture
async def other_world(client: Client) -> World:
    """A second, unrelated tenant."""
    return await make_world(client)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto's S3 server on 127.0.0.1, reached through the real minio client (no MinIO binary
    installs here; it does not check signatures, so our own re-hash guards integrity)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(params=STORES)
async def each_store(
    request: pytest.FixtureRequest, client: Client, moto_endpoint: str
) -> AsyncIterator[str]:
    """The app's object store for one test: its local directory, S3 (moto) through the real
    minio client, or a real MinIO (``S3_TEST_ENDPOINT``), so the upload, verification and
    evidence suites run against each."""
    if request.param == "local":
        yield "local"
        return
    store = S3Store(s3_config(request.param, moto_endpoint))
    await store.ensure_bucket()
    services = client.app.state.services
    client.app.state.services = dataclasses.replace(services, media=store)
    try:
        yield request.param
    finally:
        client.app.state.services = services
