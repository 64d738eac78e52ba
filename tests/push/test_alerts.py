"""Dead letters reach on-call: an alert per dead delivery, posted in a digest to generic,
DingTalk and WeCom webhooks on 127.0.0.1 (retried while a webhook fails, only to the webhooks
that did not take it), listed through the API; supervisors and admins replay dead letters."""

import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from push.alerts import AlertSender, WebhookChannel
from push.providers import Answer, Verdict
from push.retry import RetryPolicy
from tests.factories import World
from tests.push.test_alert_robots import settle
from tests.push.test_outbox_and_relay import Clock, Scripted, assign, deliveries, device, relay


class Webhooks:
    """Records what each path received; ``failures[path]`` answers 500 that many times."""

    def __init__(self) -> None:
        self.received: dict[str, list[dict[str, Any]]] = {}
        self.failures: dict[str, int] = {}


@pytest.fixture
def webhooks() -> Iterator[tuple[Webhooks, str]]:
    state = Webhooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            if state.failures.get(self.path, 0) > 0:
                state.failures[self.path] -= 1
                self.send_response(500)
                self.end_headers()
                return
            state.received.setdefault(self.path, []).append(body)
            answer = b'{"errcode":0,"errmsg":"ok"}' if self.path != "/generic" else b"{}"
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


async def test_a_dead_letter_alerts_every_on_call_channel(world: World, webhooks) -> None:
    hooks, base = webhooks
    await settle(world)  # what earlier tests left pending would share the digest
    await device(world)
    wo = await assign(world)
    clock = Clock()
    sender = relay(
        world,
        Scripted(Answer(Verdict.RETRY, 503, "ServiceUnavailable")),
        clock,
        policy=RetryPolicy(max_retries=1),
    )
    await sender.run_once()
    clock.advance(60)
    await sender.run_once()
    (dead,) = await deliveries(world, subject_id=wo)
    assert dead["status"] == "dead"

    hooks.failures["/dingtalk"] = 1  # one channel is down at first
    async with httpx.AsyncClient() as client:
        alerting = AlertSender(
            db=world.client.app.state.services.db,
            channels=[
                WebhookChannel(style, f"{base}/{style}", client)
                for style in ("generic", "dingtalk", "wecom")
            ],
            clock=clock,
            retry_seconds=1,
        )
        assert await alerting.run_once() >= 1
        alerts = (await world.call("supervisor", "GET", "/api/v1/push/alerts")).json()["items"]
        mine = [a for a in alerts if a["delivery_id"] == dead["id"]]
        assert len(mine) == 1
        assert mine[0]["status"] == "pending"  # DingTalk refused: tried again later
        assert "dingtalk" in mine[0]["last_error"]
        clock.advance(5)
        assert await alerting.run_once() == 0  # every channel posted or failed 5 s ago: paced
        clock.advance(15)
        assert await alerting.run_once() == 1
    (alert,) = [
        a
        for a in (await world.call("supervisor", "GET", "/api/v1/push/alerts")).json()["items"]
        if a["delivery_id"] == dead["id"]
    ]
    assert alert["status"] == "sent"
    assert alert["kind"] == "dead_letter"
    assert "ServiceUnavailable" in alert["message"]
    assert alert["attempts"] == 2
    # One post per webhook: the retry went to DingTalk alone.
    assert [len(hooks.received[f"/{style}"]) for style in ("generic", "dingtalk", "wecom")] == [
        1,
        1,
        1,
    ]
    (digest,) = hooks.received["/generic"]
    (generic,) = digest["alerts"]
    assert generic["delivery_id"] == dead["id"]
    assert generic["details"]["status_code"] == 503
    assert generic["subject_id"] == wo
    assert digest["count"] == 1
    assert "ServiceUnavailable" in digest["text"]
    assert "ServiceUnavailable" in hooks.received["/dingtalk"][0]["text"]["content"]
    assert hooks.received["/wecom"][0]["msgtype"] == "text"


async def test_supervisors_replay_dead_letters(world: World) -> None:
    await device(world)
    wo = await assign(world)
    clock = Clock()
    await relay(world, Scripted(Answer(Verdict.DEAD, 400, "BadCollapseId")), clock).run_once()
    (dead,) = await deliveries(world, subject_id=wo)
    url = f"/api/v1/push/deliveries/{dead['id']}/replay"
    refused = await world.call("dispatcher", "POST", url, expect=403)
    assert refused.json()["error"]["code"] == "forbidden"
    replayed = (await world.call("supervisor", "POST", url, expect=200)).json()
    assert (replayed["status"], replayed["attempts"]) == ("pending", 0)
    again = await world.call("supervisor", "POST", url, expect=409)
    assert again.json()["error"]["details"]["status"] == "pending"
    await relay(world, Scripted(Answer(Verdict.DELIVERED, 200)), Clock()).run_once()
    (delivered,) = await deliveries(world, subject_id=wo)
    assert delivered["status"] == "delivered"
    await world.call("admin", "POST", f"/api/v1/push/deliveries/{uuid.uuid4()}/replay", expect=404)
    await world.call("eng_a", "GET", "/api/v1/push/alerts", expect=403)
