"""The dispatcher feed across API processes (uvicorn + uvloop, as deployed): a client of one
``fieldops serve`` sees a change made through another. On PostgreSQL the wake-up is a NOTIFY
delivered at commit (LISTEN in every process); on the embedded SQLite, one process is the
deployment and a second one is seen by the stream's periodic look (within seconds)."""

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import backend
from tests.e2e.conftest import LiveServer, another_server

PASSWORD = "fieldops-demo"


@pytest.fixture
def second_server(live_server_process: LiveServer, tmp_path: Path) -> Iterator[str]:
    """Another API process on the first one's database."""
    with another_server(live_server_process, tmp_path) as base:
        yield base


async def token(client: httpx.AsyncClient) -> dict[str, str]:
    login = await client.post(
        "/api/v1/auth/login",
        json={"tenant": "demo", "username": "dispatch", "password": PASSWORD, "device_id": "feed"},
    )
    return {"Authorization": f"Bearer {login.json()['access_token']}"}


async def test_a_feed_client_sees_a_change_made_through_another_process(
    live_server: str, second_server: str
) -> None:
    limit = 3.0 if backend() == "postgres" else 8.0
    async with (
        httpx.AsyncClient(base_url=live_server, timeout=20) as watching,
        httpx.AsyncClient(base_url=second_server, timeout=20) as writing,
    ):
        headers = await token(watching)
        async with watching.stream("GET", "/api/v1/feed", headers=headers) as feed:
            assert feed.status_code == 200
            assert feed.headers["content-type"].startswith("text/event-stream")
            lines = feed.aiter_lines()
            assert "event: ready" in [await anext(lines) for _ in range(2)]
            created = await writing.post(
                "/api/v1/work-orders",
                headers=await token(writing),
                json={"title": "3号线停机 from the other process"},
            )
            assert created.status_code == 201
            sent = time.monotonic()
            event = None
            async for line in lines:
                if line.startswith("data: ") and "from the other process" in line:
                    event = json.loads(line.removeprefix("data: "))
                    break
            took = time.monotonic() - sent
    assert event is not None
    assert event["kind"] == "work_order"
    assert event["work_order"]["priority"] == "P0"
    assert took < limit, f"the feed took {took:.1f} s"
