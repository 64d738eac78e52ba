# ruff: noqa: RUF001  (the engineer writes Chinese, with its punctuation)
"""The customer's side with the processes production runs: `fieldops serve` with its
background work switched off (FIELDOPS_PUSH_RELAY_IN_PROCESS=false) and `fieldops worker`
beside it. The demo customer's contact gets an SMS through a local gateway at each of the five
milestones, once each; the first one's link opens the portal page; the closed one's report
link serves the PDF the worker rendered; and a status query by ticket number from a chat
platform answers the progress card with a portal link of its own."""

import asyncio
import hashlib
import hmac
import io
import json
import os
import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from tests.e2e.conftest import CLI, ROOT, LiveServer
from tests.e2e.test_iot_alarms import staff_token
from tests.notify.servers import Received, StandIn

LINK = re.compile(r"/p/(fpt_[A-Za-z0-9_-]+)")
SECRET = "gateway-signing-secret"


@pytest.fixture(scope="module")
def gateway() -> Iterator[StandIn]:
    stand_in = StandIn()
    yield stand_in
    stand_in.stop()


@pytest.fixture(scope="module")
def live_server_extra_env() -> dict[str, str]:
    return {"FIELDOPS_PUSH_RELAY_IN_PROCESS": "false"}


@pytest.fixture(scope="module")
def worker(
    live_server_process: LiveServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*CLI, "worker"],
            env={**os.environ, **live_server_process.env},
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        yield log
    finally:
        process.terminate()
        process.wait(timeout=15)


async def texts_received(gateway: StandIn, count: int, log: Path) -> list[str]:
    for _ in range(300):
        posts = [r for r in gateway.received if r.path == "/sms"]
        if len(posts) >= count:
            return [str(r.json()["text"]) for r in posts]
        await asyncio.sleep(0.1)
    said = await asyncio.to_thread(log.read_text)
    raise AssertionError(f"{len(posts)} SMS, not {count}; the worker said:\n{said}")


def signed(received: Received) -> bool:
    expected = hmac.new(
        SECRET.encode(),
        received.headers["x-timestamp"].encode() + b"\n" + received.body,
        hashlib.sha256,
    ).hexdigest()
    return hmac.compare_digest(received.headers["x-signature"], expected)


async def test_milestones_report_and_status_query_with_serve_and_worker(
    live_server: str, worker: Path, gateway: StandIn
) -> None:
    admin, dispatcher = await staff_token(live_server, "admin"), await staff_token(live_server)
    engineer = await staff_token(live_server, "eng.li")
    async with httpx.AsyncClient(base_url=f"{live_server}/api/v1", timeout=30) as api:

        async def call(headers: dict[str, str], method: str, path: str, **kwargs: Any) -> Any:
            response = await api.request(method, path, headers=headers, **kwargs)
            assert response.status_code < 300, f"{method} {path}: {response.text}"
            return response.json() if response.content else None

        await call(
            admin,
            "PUT",
            "/notify/channels/sms",
            json={"endpoint": f"{gateway.url}/sms", "secret": SECRET, "sign_name": "冷链服务"},
        )
        customer = (await call(dispatcher, "GET", "/customers"))["items"][0]
        phone = customer["contacts"][0]["phone"]
        me = await call(engineer, "GET", "/me")
        created = await call(
            dispatcher,
            "POST",
            "/work-orders",
            json={
                "title": "冷库2号蒸发器结冰",
                "type": "inspection",
                "customer_id": customer["id"],
            },
        )
        wo, number = created["work_order"]["id"], created["work_order"]["number"]

        (first,) = await texts_received(gateway, 1, worker)
        assert number in first
        token = LINK.search(first)
        assert token is not None, first
        page = await api.get(f"{live_server}/p/{token.group(1)}")
        assert page.status_code == 200
        assert "冷库2号蒸发器结冰" in page.text

        await call(
            dispatcher,
            "POST",
            f"/work-orders/{wo}/transitions",
            json={"target": "assigned", "assignee_id": me["id"]},
        )
        assigned = (await texts_received(gateway, 2, worker))[1]
        assert me["display_name"] in assigned
        for target in ("accepted", "en_route", "on_site", "in_progress"):
            await call(engineer, "POST", f"/work-orders/{wo}/transitions", json={"target": target})
        await call(
            engineer,
            "PUT",
            f"/work-orders/{wo}/report",
            json={"root_cause": "化霜加热丝断路，蒸发器结冰。", "prevention": "每月检查化霜周期。"},
        )
        await call(engineer, "POST", f"/work-orders/{wo}/transitions", json={"target": "resolved"})
        for target in ("verified", "closed"):
            await call(
                dispatcher, "POST", f"/work-orders/{wo}/transitions", json={"target": target}
            )
        texts = await texts_received(gateway, 5, worker)
        report_link = re.search(r"/p/fpt_[A-Za-z0-9_-]+/report\.pdf", texts[4])
        assert report_link is not None, texts[4]

        for _ in range(100):  # the worker renders the report after the close
            pdf = await api.get(f"{live_server}{report_link.group(0)}")
            if pdf.status_code == 200:
                break
            await asyncio.sleep(0.2)
        assert pdf.headers["content-type"] == "application/pdf"
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "维修完成报告" in text
        assert "化霜加热丝断路" in text

        # Each milestone once, every request signed with the channel's secret.
        await asyncio.sleep(1.5)
        posts = [r for r in gateway.received if r.path == "/sms"]
        assert len(posts) == 5
        assert all(signed(r) and r.json()["phone"] == phone for r in posts)
        history = await call(dispatcher, "GET", f"/work-orders/{wo}/customer-notifications")
        assert sorted(item["milestone"] for item in history["items"]) == sorted(
            ["created", "assigned", "resolved", "verified", "closed"]
        )

        # The customer asks a chat platform for the repair's state by its number.
        channel = await call(
            admin, "POST", "/chat/channels", json={"name": "客服平台", "style": "generic"}
        )
        body = json.dumps(
            {"from": {"phone": phone}, "text": f"查询 {number}", "id": uuid.uuid4().hex}
        ).encode()
        moment = str(int(time.time()))
        signature = hmac.new(
            channel["secret"].encode(), moment.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        answer = await api.post(
            "/chat/status-query",
            params={"channel": channel["channel"]["id"]},
            content=body,
            headers={
                "X-Fieldops-Timestamp": moment,
                "X-Fieldops-Signature": signature,
                "Content-Type": "application/json",
            },
        )
        assert answer.status_code == 200, answer.text
        card = answer.json()["card"]
        assert (card["number"], card["step"]) == (number, "done")
        assert card["handler"]["name"] == me["display_name"]
        card_token = LINK.search(card["portal_link"])
        assert card_token is not None
        portal = await api.get(
            "/portal/work-order", headers={"Authorization": f"Bearer {card_token.group(1)}"}
        )
        assert portal.json()["id"] == wo
