# ruff: noqa: RUF001  (Chinese punctuation is the point of the zh-CN texts)
"""Each channel on the wire, against a real HTTP server on 127.0.0.1: the SMS gateway's body
and HMAC signature, WeChat's template message and access token, the WeCom robot's markdown,
the DingTalk robot's markdown signed with 加签. The link a message carries opens its work
order on the portal. Retries, dead letters with the on-call alert, refused credentials."""

import asyncio
import base64
import hashlib
import hmac
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from eta import services as eta_services
from kernel.statements import Statement
from mobile_contract.eta import Eta
from notify.providers import sms_signature
from push.retry import RetryPolicy
from tests.factories import World
from tests.notify.conftest import (
    WANG,
    Clock,
    channel,
    drain,
    relay,
    repair,
    robot,
    rows_of,
    sent,
    set_contacts,
)
from tests.notify.servers import Reply, StandIn

SECRET = "gateway-signing-secret"
DINGTALK_SECRET = "SEC" + "0123456789abcdef" * 4
LINK = re.compile(r"https://fieldops\.example\.com/p/(fpt_[A-Za-z0-9_-]+)")
ALERTS = Statement(
    "SELECT kind, subject_id, details FROM push_alert WHERE tenant = :tenant ORDER BY created_at"
)
STORED = Statement("SELECT sealed_token FROM notify_link WHERE tenant = :tenant")


async def sms(world: World, stand_in: StandIn, **options: Any) -> None:
    await channel(
        world, "sms", endpoint=f"{stand_in.url}/sms", secret=SECRET, sign_name="冷链服务", **options
    )


async def alerts(world: World) -> list[dict[str, Any]]:
    db = world.client.app.state.services.db
    rows = await rows_of(db, ALERTS, tenant=world.tenant_id)
    return list(rows)


async def test_an_sms_is_signed_and_its_link_opens_the_work_order(
    world: World, stand_in: StandIn
) -> None:
    await sms(world, stand_in)
    await set_contacts(world, WANG)
    wo = await repair(world, title="3号冷库温度过高")
    await drain(relay(world, Clock()))
    [request] = stand_in.posts("/sms")
    signature = sms_signature(SECRET, request.headers["x-timestamp"], request.body)
    assert hmac.compare_digest(request.headers["x-signature"], signature)
    body = request.json()
    assert (body["phone"], body["sign"]) == ("+86 139 1234 5678", "冷链服务")
    assert "3号冷库温度过高" in body["text"]
    [item] = (await sent(world, wo))["items"]
    assert body["reference"] == item["id"]
    assert (item["channel"], item["status"], item["attempts"]) == ("sms", "sent", 1)
    match = LINK.search(body["text"])
    assert match is not None
    token = match.group(1)
    portal = await world.client.get(
        "/api/v1/portal/work-order", headers={"Authorization": f"Bearer {token}"}
    )
    assert portal.status_code == 200, portal.text
    assert portal.json()["id"] == wo
    db = world.client.app.state.services.db
    stored = await rows_of(db, STORED, tenant=world.tenant_id)
    assert stored
    assert all(token not in row["sealed_token"] for row in stored)


async def test_an_sms_template_gets_the_values_instead_of_the_text(
    world: World, stand_in: StandIn
) -> None:
    await sms(world, stand_in, template_code="SMS_0001")
    await set_contacts(world, WANG)
    wo = await repair(world)
    await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users["eng_a"]))
    await drain(relay(world, Clock()))
    created, assigned = (r.json() for r in stand_in.posts("/sms"))
    assert "text" not in created
    assert created["template"] == "SMS_0001"
    assert LINK.fullmatch(created["params"]["portal_link"])
    assert (assigned["params"]["handler_name"], assigned["params"]["handler_phone"]) == (
        "Eng A",
        "+86 138 0000 0000",
    )
    # Every message of the recipient carries the same link.
    assert assigned["params"]["portal_link"] == created["params"]["portal_link"]


async def test_a_503_then_a_200_delivers_one_message_in_two_attempts(
    world: World, stand_in: StandIn
) -> None:
    stand_in.script(Reply(503, {"error": "busy"}, {"Retry-After": "30"}), Reply(200, {"id": "m1"}))
    await sms(world, stand_in)
    await set_contacts(world, WANG)
    wo = await repair(world)
    clock = Clock()
    notify = relay(world, clock)
    await drain(notify)
    [item] = (await sent(world, wo))["items"]
    assert (item["status"], item["attempts"], item["last_status_code"]) == ("retrying", 1, 503)
    clock.advance(25)  # within the provider's Retry-After: not yet
    assert await drain(notify) == 0
    clock.advance(10)
    assert await drain(notify) == 1
    [item] = (await sent(world, wo))["items"]
    assert (item["status"], item["attempts"]) == ("sent", 2)
    first, second = stand_in.posts("/sms")
    assert first.json()["reference"] == second.json()["reference"] == item["id"]
    assert await alerts(world) == []


async def test_given_up_after_the_retries_it_is_dead_and_on_call_hears_of_it(
    world: World, stand_in: StandIn
) -> None:
    stand_in.script(Reply(502, {"error": "bad gateway"}))
    await sms(world, stand_in)
    await set_contacts(world, WANG)
    wo = await repair(world)
    clock = Clock()
    notify = relay(world, clock, policy=RetryPolicy(max_retries=2))
    for _ in range(3):
        await drain(notify)
        clock.advance(400)
    [item] = (await sent(world, wo))["items"]
    assert (item["status"], item["attempts"], item["last_status_code"]) == ("dead", 3, 502)
    assert len(stand_in.posts("/sms")) == 3
    [alert] = await alerts(world)
    assert (alert["kind"], str(alert["subject_id"])) == ("dead_letter", wo)


async def test_a_bad_number_is_dead_at_once(world: World, stand_in: StandIn) -> None:
    stand_in.script(Reply(422, {"code": "invalid_phone"}))
    await sms(world, stand_in)
    await set_contacts(world, WANG)
    wo = await repair(world)
    await drain(relay(world, Clock()))
    [item] = (await sent(world, wo))["items"]
    assert (item["status"], item["attempts"], item["last_status_code"]) == ("dead", 1, 422)
    assert [a["kind"] for a in await alerts(world)] == ["dead_letter"]


async def test_refused_credentials_hold_the_channel_and_alert_at_once(
    world: World, stand_in: StandIn
) -> None:
    stand_in.script(Reply(401, {"error": "bad signature"}), Reply(200, {}))
    await sms(world, stand_in)
    await set_contacts(world, WANG)
    wo = await repair(world)
    clock = Clock()
    notify = relay(world, clock)
    await drain(notify)
    [item] = (await sent(world, wo))["items"]
    assert (item["status"], item["attempts"]) == ("retrying", 0)  # not its fault: no retry used
    assert [a["kind"] for a in await alerts(world)] == ["provider_auth"]
    clock.advance(31)  # the circuit's cool-down
    await drain(notify)
    [item] = (await sent(world, wo))["items"]
    assert (item["status"], item["attempts"]) == ("sent", 1)


async def test_a_wechat_template_message(world: World, stand_in: StandIn) -> None:
    await channel(
        world,
        "wechat",
        endpoint=f"{stand_in.url}/cgi-bin/message/template/send",
        secret="STATIC_ACCESS_TOKEN",
        template_id="TPL-repair-progress",
    )
    await set_contacts(
        world, {"name": "Mr. Li", "wechat_open_id": "oXyZ_0123456789abcdef", "locale": "en"}
    )
    wo = await repair(world, title="Blast freezer alarm")
    await drain(relay(world, Clock()))
    [request] = stand_in.posts("/cgi-bin/message/template/send")
    assert request.query == {"access_token": "STATIC_ACCESS_TOKEN"}
    body = request.json()
    assert (body["touser"], body["template_id"]) == ("oXyZ_0123456789abcdef", "TPL-repair-progress")
    assert LINK.fullmatch(body["url"])
    number = (await world.call("dispatcher", "GET", f"/api/v1/work-orders/{wo}")).json()
    assert body["data"]["keyword1"] == {"value": number["work_order"]["number"]}
    assert body["data"]["keyword2"] == {"value": "Request received"}
    assert "Blast freezer alarm" in body["data"]["remark"]["value"]
    assert body["url"] in body["data"]["remark"]["value"]
    [item] = (await sent(world, wo))["items"]
    assert (item["channel"], item["status"], item["address"]) == ("wechat", "sent", "oXyZ…cdef")


async def test_wechat_tokens_are_fetched_with_the_app_secret_and_renewed(
    world: World, stand_in: StandIn
) -> None:
    tokens = StandIn(
        Reply(200, {"access_token": "TOKEN-1", "expires_in": 7200}),
        Reply(200, {"access_token": "TOKEN-2", "expires_in": 7200}),
    )
    stand_in.script(Reply(200, {"errcode": 42001, "errmsg": "access_token expired"}), Reply())
    try:
        await channel(
            world,
            "wechat",
            endpoint=f"{stand_in.url}/send",
            secret="APP-SECRET",
            template_id="TPL",
            app_id="wx0123456789",
            token_endpoint=f"{tokens.url}/cgi-bin/token",
        )
        await set_contacts(world, {"name": "Mr. Li", "wechat_open_id": "oXyZ_0123456789abcdef"})
        wo = await repair(world)
        clock = Clock()
        notify = relay(world, clock)
        await drain(notify)
        clock.advance(30)
        await drain(notify)
        first, _ = tokens.received
        assert first.query == {
            "grant_type": "client_credential",
            "appid": "wx0123456789",
            "secret": "APP-SECRET",
        }
        assert [r.query["access_token"] for r in stand_in.posts("/send")] == ["TOKEN-1", "TOKEN-2"]
        [item] = (await sent(world, wo))["items"]
        assert (item["status"], item["attempts"]) == ("sent", 2)
    finally:
        tokens.stop()


async def test_a_follower_who_left_is_dead_at_once(world: World, stand_in: StandIn) -> None:
    stand_in.script(Reply(200, {"errcode": 43004, "errmsg": "require subscribe"}))
    await channel(
        world, "wechat", endpoint=f"{stand_in.url}/send", secret="TOKEN", template_id="TPL"
    )
    await set_contacts(world, {"name": "Mr. Li", "wechat_open_id": "oXyZ_0123456789abcdef"})
    wo = await repair(world)
    await drain(relay(world, Clock()))
    [item] = (await sent(world, wo))["items"]
    assert (item["status"], item["attempts"]) == ("dead", 1)
    assert "43004" in item["last_error"]


async def test_the_wecom_group_robot_gets_markdown(world: World, stand_in: StandIn) -> None:
    await channel(world, "wecom")
    shown = await robot(world, "wecom", webhook_url=f"{stand_in.url}/cgi-bin/webhook/send?key=K-1")
    assert shown == {**shown, "webhook_host": "127.0.0.1", "has_secret": False}
    await set_contacts(world, {**WANG, "notify": False})
    wo = await repair(world)
    await drain(relay(world, Clock()))
    [request] = stand_in.posts("/cgi-bin/webhook/send")
    assert request.query == {"key": "K-1"}
    body = request.json()
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert content.startswith("**工单 WO-")
    assert "已受理**\n" in content
    assert LINK.search(content)
    [item] = (await sent(world, wo))["items"]
    assert (item["channel"], item["recipient"], item["address"]) == (
        "wecom",
        "Cold Chain Co",
        "wecom group robot",
    )


async def test_the_dingtalk_group_robot_gets_signed_markdown(
    world: World, stand_in: StandIn
) -> None:
    await channel(world, "dingtalk")
    await robot(
        world,
        "dingtalk",
        webhook_url=f"{stand_in.url}/robot/send?access_token=T-1",
        secret=DINGTALK_SECRET,
    )
    wo = await repair(world)
    await drain(relay(world, Clock()))
    [request] = stand_in.posts("/robot/send")
    timestamp, sign = request.query["timestamp"], request.query["sign"]
    message = f"{timestamp}\n{DINGTALK_SECRET}".encode()
    expected = hmac.new(DINGTALK_SECRET.encode(), message, hashlib.sha256).digest()
    assert base64.b64decode(sign) == expected
    assert request.query["access_token"] == "T-1"
    body = request.json()
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"].startswith("工单 WO-")
    assert body["markdown"]["text"].startswith("#### 工单 WO-")
    [item] = (await sent(world, wo))["items"]
    assert (item["channel"], item["status"]) == ("dingtalk", "sent")


async def test_a_robot_refusing_our_signature_is_dead_at_once(
    world: World, stand_in: StandIn
) -> None:
    stand_in.script(Reply(200, {"errcode": 310000, "errmsg": "sign not match"}))
    await channel(world, "dingtalk")
    await robot(world, "dingtalk", webhook_url=f"{stand_in.url}/robot/send?access_token=T-1")
    wo = await repair(world)
    await drain(relay(world, Clock()))
    [item] = (await sent(world, wo))["items"]
    assert (item["status"], item["attempts"]) == ("dead", 1)
    assert [a["kind"] for a in await alerts(world)] == ["dead_letter"]


async def test_two_relays_never_send_a_message_twice(world: World, stand_in: StandIn) -> None:
    await sms(world, stand_in)
    await set_contacts(world, WANG, {"name": "Mr. Li", "phone": "+86 138 5555 0000"})
    orders = [await repair(world) for _ in range(3)]
    clock = Clock()
    first, second = relay(world, clock), relay(world, clock)
    await asyncio.gather(drain(first), drain(second))
    references = [r.json()["reference"] for r in stand_in.posts("/sms")]
    assert len(references) == len(set(references)) == 6
    for wo in orders:
        assert [m["status"] for m in (await sent(world, wo))["items"]] == ["sent", "sent"]


async def test_the_assigned_message_tells_the_eta_in_the_sites_time(
    world: World, stand_in: StandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[dict[str, Any]] = []

    async def estimate(reader: Any, **query: Any) -> Eta:
        asked.append(query)
        return Eta(
            p50_at=datetime(2026, 12, 7, 6, 0, tzinfo=UTC),
            p80_at=datetime(2026, 12, 7, 8, 30, tzinfo=UTC),
            p50_seconds=3600,
            p80_seconds=9000,
            samples=37,
            window_days=90,
            explanation="根据近 90 天 37 次类似维修",
        )

    monkeypatch.setattr(eta_services, "estimate", estimate)
    site = f"/api/v1/sites/{world.site_id}"
    await world.call("admin", "PATCH", site, json={"timezone": "Asia/Shanghai"}, expect=200)
    await sms(world, stand_in)
    await set_contacts(world, WANG)
    wo = await repair(world, site_id=str(world.site_id))
    await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users["eng_a"]))
    await drain(relay(world, Clock()))
    assigned = stand_in.posts("/sms")[1].json()["text"]
    assert "Eng A（电话 +86 138 0000 0000）" in assigned
    assert "预计 12月7日 14:00–16:30 完成（根据近 90 天 37 次类似维修）。查看进度：" in assigned
    assert [(q["work_order_id"], q["locale"]) for q in asked] == [(uuid.UUID(wo), "zh-CN")]
