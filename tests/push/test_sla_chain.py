"""The whole chain, as the issue puts it: a P0 nobody accepts for 15 minutes escalates to the
supervisor's phone (at the local APNs: time-sensitive, with the snapshot) and to the on-call
webhooks, through the SLA timer, the outbox, the relay and the alert sender."""

from datetime import datetime, timedelta
from typing import Any

import httpx
import msgspec

from push.alerts import AlertSender, WebhookChannel
from push.apns import ApnsConfig, ApnsProvider
from push.relay import Relay
from sla.timers import TimerWorker
from tests.factories import World
from tests.push.apns_server import ApnsServer
from tests.push.test_alert_robots import settle
from tests.push.test_alerts import Webhooks, webhooks
from tests.push.test_escalations import device

__all__ = ["webhooks"]  # the fixture, used by name


async def test_a_p0_not_accepted_in_15_minutes_reaches_the_supervisor_and_on_call(
    world: World, apns: tuple[ApnsServer, ApnsConfig], webhooks: tuple[Webhooks, str]
) -> None:
    server, config = apns
    hooks, base = webhooks
    await settle(world)
    token = await device(world, "ios", locale="zh-CN")
    created = await world.create_work_order(title="3号线停机 PLC 断网")
    db = world.client.app.state.services.db
    start = datetime.fromisoformat(created["created_at"].replace("Z", "+00:00"))
    later = start + timedelta(minutes=15, seconds=1)  # the worker's and the relay's "now"
    worker = TimerWorker(db=db, clock=lambda: later, tenant_id=world.tenant_id)
    while await worker.run_once():
        pass
    provider = ApnsProvider(config)
    relay = Relay(db=db, providers={"apns": provider, "fcm": provider}, clock=lambda: later)
    try:
        assert await relay.run_once() >= 1
    finally:
        await relay.close()
        await provider.close()
    (received,) = [r for r in server.received if r.token == token]
    payload: dict[str, Any] = received.payload
    assert payload["aps"]["interruption-level"] == "time-sensitive"
    assert "升级" in payload["aps"]["alert"]["title"]
    assert created["number"] in payload["aps"]["alert"]["title"]
    snapshot = msgspec.json.decode(payload["snapshot"])
    assert (snapshot["number"], snapshot["title"]) == (created["number"], created["title"])
    assert snapshot["priority_reasons"] == ["Production stopped / 停机", "Network down / 断网"]
    assert 1 <= len(snapshot["timeline"]) <= 5
    async with httpx.AsyncClient() as client:
        sender = AlertSender(
            db=db,
            channels=[WebhookChannel("generic", f"{base}/generic", client)],
            clock=lambda: later,
        )
        assert await sender.run_once() >= 1
    (digest,) = hooks.received["/generic"]
    assert created["number"] in digest["text"]
    assert "escalation" in [alert["kind"] for alert in digest["alerts"]]
