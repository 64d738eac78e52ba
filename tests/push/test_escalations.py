# ruff: noqa: RUF001  (the zh-CN texts use Chinese punctuation)
"""An SLA escalation (``sla.events.Escalated``) reaches its recipients' phones through the local
APNs and FCM, breaking through as far as the stage asks and carrying a bounded snapshot of the
work order; a stage naming on-call raises an alert worded in the tenant's language."""

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import msgspec
import pytest

from kernel.clock import utcnow
from kernel.statements import Statement
from mobile_contract.enums import Priority
from mobile_contract.sla import ClockKind
from push import texts
from push.alert_texts import Pending, render, render_digest
from push.apns import ApnsConfig, ApnsProvider
from push.escalations import SNAPSHOT_BYTES, TIMELINE_ENTRIES, bounded_snapshot
from push.fcm import CHANNEL_URGENT, FcmConfig, FcmProvider
from push.providers import LogProvider, Provider
from push.relay import Relay
from sla.events import Escalated
from tests.factories import World
from tests.push.apns_server import ApnsServer
from tests.push.fcm_server import FcmServer
from tests.push.test_outbox_and_relay import deliveries

TITLE = "3号线停机 PLC 断网"
ALERT_DETAILS = Statement(
    "SELECT kind, details FROM push_alert WHERE tenant = :tenant AND subject_id = :subject"
)


class AlertRow(msgspec.Struct, frozen=True):
    kind: str
    details: dict[str, Any]


def snapshot(number: str, entries: int = 7) -> dict[str, Any]:
    """What sla sends: a realistic work order with ``entries`` timeline entries of about 200
    characters each (more than fit, so the bounding is exercised)."""
    start = utcnow() - timedelta(hours=2)
    return {
        "number": number,
        "title": TITLE,
        "site": {"name": "华东二厂 3 号车间", "address": "上海市浦东新区张江路 1388 号 B 栋"},
        "asset": {"name": "3 号线灌装机 PLC 柜", "code": "PLC-L3-01"},
        "priority": "P0",
        "priority_reasons": [
            "Production line stopped: the customer's SLA contract makes it P0",
            "Strategic customer: one level more urgent",
        ],
        "timeline": [
            {
                "at": (start + timedelta(minutes=7 * n)).isoformat(),
                "action": f"note:{n}",
                "actor": "调度 王敏",
                "text": (
                    f"第 {n} 条：" + "现场反馈 PLC 与上位机通讯中断，交换机端口指示灯熄灭，" * 8
                )[:200],
            }
            for n in range(1, entries + 1)
        ],
    }


async def device(world: World, platform: str, locale: str = "en") -> str:
    """A phone of the world's supervisor; answers its push token."""
    token = uuid.uuid4().hex * 2
    body = {
        "id": str(uuid.uuid4()),
        "platform": platform,
        "push_token": token,
        "app_bundle_id": "com.example.fieldops",
        "locale": locale,
    }
    await world.call("supervisor", "POST", "/api/v1/devices", json=body, expect=200)
    return token


async def escalate(
    world: World,
    *,
    strong: bool = True,
    critical: bool = False,
    on_call: bool = False,
    recipients: tuple[str, ...] = ("supervisor",),
    clock: ClockKind = ClockKind.RESPONSE,
) -> dict[str, Any]:
    """A real work order, and stage 2 of its escalation published in one transaction."""
    work_order = await world.create_work_order(title=TITLE, priority="P0")
    event = Escalated(
        tenant_id=world.tenant_id,
        escalation_id=uuid.uuid4(),
        work_order_id=uuid.UUID(work_order["id"]),
        number=work_order["number"],
        title=work_order["title"],
        priority=Priority.P0,
        stage=2,
        clock=clock,
        recipient_ids=[world.users[name] for name in recipients],
        on_call=on_call,
        strong=strong,
        critical=critical,
        overdue_seconds=25 * 60 + 42,
        now=utcnow(),
        snapshot=snapshot(work_order["number"]),
    )
    async with world.client.app.state.services.db.transaction() as tx:
        await tx.publish(event)
    return work_order


async def send(world: World, apns: Provider | None = None, fcm: Provider | None = None) -> None:
    relay = Relay(
        db=world.client.app.state.services.db,
        providers={"apns": apns or LogProvider(), "fcm": fcm or LogProvider()},
    )
    assert await relay.run_once() >= 1
    await relay.close()


@pytest.fixture
async def ios(apns: tuple[ApnsServer, ApnsConfig]) -> AsyncIterator[tuple[ApnsServer, Provider]]:
    server, config = apns
    provider = ApnsProvider(config)
    yield server, provider
    await provider.close()


@pytest.fixture
async def android(fcm: tuple[FcmServer, FcmConfig]) -> AsyncIterator[tuple[FcmServer, Provider]]:
    server, config = fcm
    provider = FcmProvider(config)
    yield server, provider
    await provider.close()


def check_snapshot(value: str, work_order: dict[str, Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = msgspec.json.decode(value)
    assert decoded["number"] == work_order["number"]
    assert decoded["title"] == TITLE
    assert 1 <= len(decoded["timeline"]) <= TIMELINE_ENTRIES
    assert decoded["timeline"][-1]["action"] == "note:7"  # the newest kept, the oldest dropped
    return decoded


async def test_a_strong_escalation_is_time_sensitive_and_carries_the_work_order(
    world: World, ios: tuple[ApnsServer, Provider]
) -> None:
    server, provider = ios
    token = await device(world, "ios", locale="zh-CN")
    work_order = await escalate(world, strong=True)
    await send(world, apns=provider)
    (received,) = server.received
    assert (received.token, received.status) == (token, 200)
    assert received.headers["apns-priority"] == "10"
    assert received.headers["apns-collapse-id"] == f"esc:{work_order['id']}:2"
    aps = received.payload["aps"]
    assert aps["interruption-level"] == "time-sensitive"
    assert aps["sound"] == "default"
    # The device's language: 25 min 42 s past the deadline is 25 minutes.
    assert aps["alert"] == {
        "title": f"升级：P0 工单 {work_order['number']} 已 25 分钟未接单",
        "body": TITLE,
    }
    assert received.payload["work_order_id"] == work_order["id"]
    assert received.payload["number"] == work_order["number"]
    assert uuid.UUID(received.payload["escalation_id"])
    check_snapshot(received.payload["snapshot"], work_order)
    size = len(msgspec.json.encode(received.payload))
    assert size < 3000  # well under APNs' 4096: never refused for its size

    (listed,) = await deliveries(world, subject_id=work_order["id"])
    assert (listed["kind"], listed["status"], listed["provider"]) == (
        "escalation",
        "delivered",
        "apns",
    )
    assert listed["title"] == f"Escalation: P0 {work_order['number']} not accepted for 25 min"
    assert listed["recipient_id"] == str(world.users["supervisor"])


async def test_a_critical_escalation_is_a_critical_alert_at_full_volume(
    world: World, ios: tuple[ApnsServer, Provider]
) -> None:
    server, provider = ios
    await device(world, "ios")
    work_order = await escalate(world, strong=True, critical=True, clock=ClockKind.ARRIVAL)
    await send(world, apns=provider)
    (received,) = server.received
    assert received.status == 200
    assert received.headers["apns-priority"] == "10"
    aps = received.payload["aps"]
    assert aps["interruption-level"] == "critical"
    assert aps["sound"] == {"critical": 1, "name": "default", "volume": 1.0}
    assert aps["alert"]["title"] == f"Escalation: P0 {work_order['number']} not on site for 25 min"
    check_snapshot(received.payload["snapshot"], work_order)
    assert len(msgspec.json.encode(received.payload)) < 3000


async def test_a_plain_escalation_is_active_and_high(
    world: World, ios: tuple[ApnsServer, Provider]
) -> None:
    server, provider = ios
    await device(world, "ios")
    work_order = await escalate(world, strong=False)
    await send(world, apns=provider)
    (received,) = server.received
    assert received.headers["apns-priority"] == "10"
    assert received.payload["aps"]["interruption-level"] == "active"
    assert received.payload["aps"]["sound"] == "default"
    check_snapshot(received.payload["snapshot"], work_order)


@pytest.mark.parametrize("critical", [False, True])
async def test_android_gets_it_high_on_the_urgent_channel(
    world: World, android: tuple[FcmServer, Provider], critical: bool
) -> None:
    server, provider = android
    token = await device(world, "android")
    work_order = await escalate(world, strong=True, critical=critical)
    await send(world, fcm=provider)
    (received,) = server.received
    assert (received.token, received.status) == (token, 200)
    assert received.message["android"]["priority"] == "HIGH"
    assert received.message["android"]["collapse_key"] == f"esc:{work_order['id']}:2"
    data = received.message["data"]
    assert data["channel_id"] == CHANNEL_URGENT
    assert data["urgency"] == "urgent"  # Android has no critical level
    assert data["title"] == f"Escalation: P0 {work_order['number']} not accepted for 25 min"
    check_snapshot(data["snapshot"], work_order)
    assert sum(len(k.encode()) + len(v.encode()) for k, v in data.items()) < 3000  # FCM: 4000
    (listed,) = await deliveries(world, subject_id=work_order["id"])
    assert (listed["kind"], listed["status"], listed["provider"]) == (
        "escalation",
        "delivered",
        "fcm",
    )


async def test_an_on_call_stage_raises_an_alert_in_the_tenants_language(world: World) -> None:
    await device(world, "ios")
    work_order = await escalate(world, on_call=True, recipients=("supervisor", "eng_a"))
    number = work_order["number"]

    response = await world.call("dispatcher", "GET", "/api/v1/push/alerts", expect=200)
    (alert,) = [a for a in response.json()["items"] if a["subject_id"] == work_order["id"]]
    assert alert["kind"] == "escalation"
    assert alert["status"] == "pending"
    assert number in alert["message"]
    db = world.client.app.state.services.db
    (row,) = await db.fetch(
        ALERT_DETAILS, AlertRow, tenant=world.tenant_id, subject=uuid.UUID(work_order["id"])
    )
    assert row.details["minutes"] == 25
    assert row.details["recipients"] == 2
    assert render(row.kind, row.details, "zh-CN") == (
        f"升级（第 2 级）：P0 工单 {number}「{TITLE}」，已 25 分钟无人接单，已推送 2 人"
    )
    assert render(row.kind, row.details, "en") == (
        f'Escalation (stage 2): P0 work order {number} "{TITLE}": not accepted for 25 min;'
        " 2 people notified by push"
    )
    # The push is queued too: to the supervisor's phone (the engineer has none).
    (listed,) = await deliveries(world, subject_id=work_order["id"])
    assert (listed["kind"], listed["status"]) == ("escalation", "pending")


def test_the_alert_of_a_stage_pushing_nobody_and_its_place_in_a_digest() -> None:
    """An escalation ranks after provider outages and before single failed pushes."""
    details = {
        "work_order_number": "WO-20261206-0009",
        "title": "冷库温度超标",
        "priority": "P1",
        "stage": 1,
        "clock": "arrival",
        "minutes": 40,
        "recipients": 0,
    }
    assert render("escalation", details, "zh-CN") == (
        "升级（第 1 级）：P1 工单 WO-20261206-0009「冷库温度超标」，已 40 分钟未到场，未推送任何人"
    )
    assert render("escalation", {**details, "clock": "later"}, "en", fallback="msg") == "msg"
    digest = render_digest(
        "Cold Chain Co",
        [
            Pending("unacknowledged", {"work_order_number": "WO-1", "minutes": 5}, ""),
            Pending("dead_letter", {"provider": "apns"}, ""),
            Pending("escalation", details, ""),
            Pending("provider_outage", {"provider": "fcm", "since": "2026-12-06", "held": 3}, ""),
        ],
        "en",
    ).split("\n")
    assert [line.split(" ")[1] for line in digest[1:]] == ["FCM", "Escalation", "APNs:", "P0"]


def test_escalation_push_texts_in_both_languages() -> None:
    params = {
        "priority": "P0",
        "number": "WO-20261206-0001",
        "title": TITLE,
        "minutes": "25",
        "clock": "arrival",
        "clock_done": "on site",
        "clock_done_zh": "到场",
    }
    assert texts.render("escalation", params, "zh-CN") == (
        "升级：P0 工单 WO-20261206-0001 已 25 分钟未到场",
        TITLE,
    )
    assert texts.render("escalation", params, "en-GB") == (
        "Escalation: P0 WO-20261206-0001 not on site for 25 min",
        TITLE,
    )


def test_the_snapshot_is_bounded_and_still_parses() -> None:
    small = {"number": "WO-1", "title": "short", "timeline": [{"n": 1}]}
    assert msgspec.json.decode(bounded_snapshot(small)) == small  # fits: unchanged

    realistic = msgspec.json.decode(bounded_snapshot(snapshot("WO-20261206-0001")))
    assert [entry["action"] for entry in realistic["timeline"]][-1] == "note:7"
    assert len(realistic["timeline"]) <= TIMELINE_ENTRIES
    assert realistic["priority_reasons"] == snapshot("WO-1")["priority_reasons"]  # not cut

    huge = snapshot("WO-20261206-0002", entries=200)
    huge["title"] = "超长标题" * 300
    huge["priority_reasons"] = ["原因" * 400] * 3
    bounded = bounded_snapshot(huge)
    assert len(bounded) <= SNAPSHOT_BYTES
    # As it sits in the payload (a JSON string, quotes escaped) it fits too.
    assert len(msgspec.json.encode(bounded.decode())) - 2 <= SNAPSHOT_BYTES
    value = msgspec.json.decode(bounded)
    assert value["number"] == "WO-20261206-0002"  # identifiers are never cut
    assert value["title"].endswith("…")
    assert value["timeline"] == []  # dropped before anything was cut

    many = {"number": "WO-3", "title": "t", "priority": "P0", "tags": ["x" * 10] * 1000}
    assert msgspec.json.decode(bounded_snapshot(many)) == {
        "number": "WO-3",
        "title": "t",
        "priority": "P0",
    }
