"""The README's walk-through against a real server process (uvicorn, CLI-migrated database,
demo tenant): what a person does after ``scripts/serve``, run by ``scripts/walkthrough``."""

import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import backend, create_postgres_database, drop_postgres_database

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
async def server_database(tmp_path: Path) -> AsyncIterator[str]:
    if backend() == "postgres":
        url = await create_postgres_database()
        yield url
        await drop_postgres_database(url)
    else:
        yield f"sqlite:///{tmp_path / 'server.db'}"


@pytest.fixture
def server(server_database: str, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": server_database,
        "FIELDOPS_DEV_MODE": "true",
        "FIELDOPS_VAR_DIR": str(tmp_path / "var"),
        "FIELDOPS_PORT": str(port),
    }
    cli = [sys.executable, "-m", "server.cli"]
    for command in ("migrate", "demo"):
        done = subprocess.run(
            [*cli, command],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
    assert "eng.li" in done.stdout  # the demo prints its logins
    process = subprocess.Popen(
        [*cli, "serve"], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        else:
            process.kill()
            output = process.stdout.read().decode() if process.stdout else ""
            pytest.fail(f"server did not become ready:\n{output}")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_readme_walkthrough_runs_against_a_real_server(server: str) -> None:
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "walkthrough"), server],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    statuses = [
        line.split(":", 1)[1].strip()
        for line in done.stdout.splitlines()
        if line.strip().startswith("status:")
    ]
    assert statuses == [
        "assigned",
        "accepted",
        "en_route",
        "on_site",
        "in_progress",
        "resolved",
        "verified",
        "closed",
    ]
    timeline = done.stdout.split("timeline:", 1)[1]
    for actor, action in (
        ("Zhang Wei", "created"),
        ("Zhang Wei", "transition:assign"),
        ("Li Ming", "transition:accept"),
        ("Li Ming", "transition:resolve"),
        ("Zhang Wei", "transition:close"),
    ):
        assert any(
            actor in line and line.rstrip().endswith(action) for line in timeline.splitlines()
        )


def test_openapi_docs_are_served(server: str) -> None:
    schema = httpx.get(f"{server}/schema/openapi.json", timeout=5).json()
    assert "/api/v1/work-orders/{work_order_id}/transitions" in schema["paths"]
    assert httpx.get(f"{server}/schema/swagger", timeout=5).status_code == 200
