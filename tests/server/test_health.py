"""Liveness answers while the process runs; readiness reports the database, and says 503 with
the error envelope (never a 500) when the database goes away."""

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from mobile_contract import CONTRACT_VERSION
from server.app import create_app
from server.settings import Settings
from server.tables import ALL_TABLES
from tests.conftest import (
    POSTGRES_ADMIN_URL,
    TEST_SECRET,
    create_postgres_database,
    drop_postgres_database,
)
from tests.factories import World


async def test_live_answers_without_a_token(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {},
        "contract_version": CONTRACT_VERSION,
    }


async def test_ready_reports_the_database(client: AsyncTestClient[Litestar]) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok"},
        "contract_version": CONTRACT_VERSION,
    }


@asynccontextmanager
async def app_on(database_url: str, app: Litestar, var_dir: Path) -> AsyncIterator[Any]:
    """A second app on its own database. Starting it binds the global Piccolo tables to its
    engine, so the session app's binding is restored afterwards, whatever happens."""
    other = create_app(
        Settings(dev_mode=True, database_url=database_url, secret_key=TEST_SECRET, var_dir=var_dir)
    )
    try:
        async with AsyncTestClient(app=other) as client:
            yield client
    finally:
        app.state.services.db.bind(ALL_TABLES)


async def assert_unready(client: Any) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 503, response.text
    assert response.json() == {
        "error": {
            "code": "service_unavailable",
            "message": "The database is unreachable.",
            "details": {"checks": {"database": "unreachable"}},
        }
    }
    # The process itself is alive.
    assert (await client.get("/health/live")).status_code == 200


async def test_ready_is_503_when_the_sqlite_database_goes_away(
    app: Litestar, client: AsyncTestClient[Litestar], world: World, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    async with app_on(f"sqlite:///{folder / 'fieldops.db'}", app, tmp_path / "var") as other:
        assert (await other.get("/health/ready")).status_code == 200
        shutil.rmtree(folder)  # the file and its directory: a new connection cannot open it
        await assert_unready(other)
    # The session app answers from its own database again (tables re-bound).
    assert (await client.get("/health/ready")).status_code == 200
    await world.call("dispatcher", "GET", "/api/v1/me", expect=200)


async def test_ready_is_503_when_the_postgres_database_goes_away(
    app: Litestar, client: AsyncTestClient[Litestar], world: World, tmp_path: Path
) -> None:
    try:
        probe = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        reason = f"PostgreSQL at {POSTGRES_ADMIN_URL} is unreachable: {error!r}"
        print(reason)
        pytest.skip(reason)
    await probe.close()
    url = await create_postgres_database()
    try:
        async with app_on(url, app, tmp_path / "var") as other:
            assert (await other.get("/health/ready")).status_code == 200
            await drop_postgres_database(url)  # WITH (FORCE): ends the pool's connections
            await assert_unready(other)
    finally:
        await drop_postgres_database(url)
    assert (await client.get("/health/ready")).status_code == 200
    await world.call("dispatcher", "GET", "/api/v1/me", expect=200)
