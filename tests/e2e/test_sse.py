"""The sync stream over real HTTP (uvicorn): RESYNC, then a committed change as an event."""

import json

import httpx

PASSWORD = "fieldops-demo"


async def test_stream_delivers_a_committed_change_over_http(live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        login = await client.post(
            "/api/v1/auth/login",
            json={
                "tenant": "demo",
                "username": "dispatch",
                "password": PASSWORD,
                "device_id": "sse",
            },
        )
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        async with client.stream("GET", "/api/v1/sync/stream", headers=headers) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.aiter_lines()
            assert "data: RESYNC" in [await anext(lines) for _ in range(2)]
            created = await client.post(
                "/api/v1/work-orders", headers=headers, json={"title": "Seen live over SSE"}
            )
            assert created.status_code == 201
            async for line in lines:
                if line.startswith("data: ") and "Seen live over SSE" in line:
                    body = json.loads(line.removeprefix("data: "))
                    assert body["collection"] == "work_orders"
                    assert body["checkpoint"]
                    break
