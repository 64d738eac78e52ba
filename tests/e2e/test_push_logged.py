"""The README's server without push credentials: an assignment reaches the engineer's device
as a ``logged`` delivery (the in-process relay, the log provider), visible through the API."""

import asyncio
import uuid
from typing import Any

import httpx

PASSWORD = "fieldops-demo"


async def login(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/login",
        json={"tenant": "demo", "username": username, "password": PASSWORD, "device_id": "e2e"},
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_an_assignment_is_logged_for_the_engineers_device(live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server, timeout=10) as client:
        engineer, dispatcher = await login(client, "eng.li"), await login(client, "dispatch")
        me = (await client.get("/api/v1/me", headers=engineer)).json()
        device = {
            "id": str(uuid.uuid4()),
            "platform": "android",
            "push_token": "e2e-" + uuid.uuid4().hex,
        }
        registered = await client.post("/api/v1/devices", headers=engineer, json=device)
        assert registered.status_code == 200, registered.text
        created = await client.post(
            "/api/v1/work-orders", headers=dispatcher, json={"title": "Blast freezer alarm"}
        )
        wo = created.json()["work_order"]["id"]
        assigned = await client.post(
            f"/api/v1/work-orders/{wo}/transitions",
            headers=dispatcher,
            json={"target": "assigned", "assignee_id": me["id"]},
        )
        assert assigned.status_code == 200, assigned.text
        items: list[dict[str, Any]] = []
        for _ in range(50):  # the relay is woken at commit; allow it a moment
            listed = await client.get(
                "/api/v1/push/deliveries", headers=dispatcher, params={"subject_id": wo}
            )
            items = listed.json()["items"]
            if items and items[0]["status"] != "pending":
                break
            await asyncio.sleep(0.1)
        (delivery,) = items
        assert delivery["status"] == "logged"
        assert delivery["provider"] == "log"
        assert delivery["device_id"] == device["id"]
