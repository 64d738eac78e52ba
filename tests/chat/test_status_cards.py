# ruff: noqa: RUF001  (the zh-CN texts use Chinese punctuation)
"""A registered contact asking for one of their customer's repairs gets its progress card: the
state in plain words, the handler, the promise and what is left of it, the latest message and
a portal link of their own; in their language (else the tenant's)."""

import re
from datetime import datetime, timedelta
from typing import Any

import pytest

from kernel.clock import utcnow
from portal import texts as portal_texts
from tests.chat.factories import customer_order, make_channel, reply_content, set_contacts
from tests.chat.factories import set_tenant_locale as tenant_speaks
from tests.factories import World

WANG = {
    "name": "王经理",
    "phone": "+86 138 0013 8000",
    "wechat_open_id": "oWang",
    "locale": "zh-CN",
}
SMITH = {"name": "Ann Smith", "phone": "+44 20 7946 0958", "locale": "en"}
LINK = re.compile(r"/p/(fpt_[A-Za-z0-9_-]+)")


async def assigned_order(world: World, title: str) -> dict[str, Any]:
    order = await customer_order(world, title=title)
    await world.transition(
        "dispatcher", order["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    return order


async def portal_view(world: World, token: str) -> dict[str, Any]:
    response = await world.client.get(
        "/api/v1/portal/work-order", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    shown: dict[str, Any] = response.json()
    return shown


async def test_a_wechat_follower_gets_the_card_in_chinese(world: World) -> None:
    await set_contacts(world, WANG, SMITH)
    order = await assigned_order(world, "冷库温度过高")
    await world.call(
        "eng_a",
        "POST",
        f"/api/v1/work-orders/{order['id']}/messages",
        json={"body": "我大约 30 分钟后到达，请留人开门。"},
        expect=201,
    )
    channel = await make_channel(world, "wechat")
    response = await channel.wechat("oWang", f"查询 {order['number'].lower()}")
    assert response.status_code == 200, response.text
    text = reply_content(response)
    lines = text.split("\n")
    assert lines[0] == f"工单 {order['number']}：冷库温度过高"
    assert lines[1] == "进度：" + portal_texts.texts("zh-CN")["now.assigned"]
    assert lines[2] == "负责工程师：Eng A +86 138 0000 0000"
    assert lines[3].startswith("承诺修复时间：")
    assert "剩余" in lines[3]
    assert "最新留言（Eng A）：我大约 30 分钟后到达，请留人开门。" in lines
    assert lines[-1].startswith("查看详情：http")
    (token,) = LINK.findall(lines[-1])
    shown = await portal_view(world, token)
    assert (shown["id"], shown["number"]) == (order["id"], order["number"])
    # The link is the contact's, valid for a week, and the timeline says chat sent it.
    url = f"/api/v1/work-orders/{order['id']}/portal-links"
    links = (await world.call("dispatcher", "GET", url, expect=200)).json()["items"]
    assert [(link["contact_name"], link["contact_phone"]) for link in links] == [
        ("王经理", "+86 138 0013 8000")
    ]
    valid_for = datetime.fromisoformat(links[0]["expires_at"]) - utcnow()
    assert timedelta(days=7) - timedelta(minutes=1) < valid_for <= timedelta(days=7)
    detail = (await world.call("dispatcher", "GET", f"/api/v1/work-orders/{order['id']}")).json()
    issued = [e for e in detail["timeline"] if e["action"] == "portal_link_issued"]
    assert len(issued) == 1
    assert token not in str(detail)


@pytest.mark.parametrize(
    "phone", ["8613800138000", "+86 138 0013 8000", "13800138000", "0086 138-0013-8000"]
)
async def test_a_generic_channel_matches_the_phone_in_any_spelling(
    world: World, phone: str
) -> None:
    await set_contacts(world, {**WANG, "wechat_open_id": ""})
    order = await assigned_order(world, "Freezer room too warm")
    channel = await make_channel(world)
    response = await channel.generic(order["number"], phone=phone)
    assert response.status_code == 200, response.text
    card = response.json()["card"]
    assert card is not None, response.text
    assert (card["number"], card["language"], card["step"]) == (
        order["number"],
        "zh-CN",
        "assigned",
    )


async def test_an_english_contact_reads_the_card_in_english(world: World) -> None:
    await set_contacts(world, WANG, SMITH)
    order = await assigned_order(world, "Blast freezer 3 alarms")
    link = await world.portal_link(order["id"])
    await world.client.post(
        "/api/v1/portal/messages", json={"body": "The door seal is torn " * 10}, headers=link
    )
    channel = await make_channel(world)
    answer = (await channel.generic(f"status {order['number']}?", phone="442079460958")).json()
    card = answer["card"]
    english = portal_texts.texts("en")
    assert card["language"] == "en"
    assert card["state"] == english["now.assigned"]
    assert card["handler"] == {"name": "Eng A", "phone": "+86 138 0000 0000"}
    assert card["promise"]["due_at"] is not None
    assert card["promise_words"].endswith(" left)")
    message = card["latest_message"]
    assert (message["side"], message["author"]) == ("customer", "You")
    assert len(message["text"]) == 100
    assert message["text"].startswith("The door seal is torn The door")
    assert message["text"].endswith("…")
    lines = answer["text"].split("\n")
    assert lines[0] == f"Work order {order['number']}: Blast freezer 3 alarms"
    assert lines[1] == f"Progress: {english['now.assigned']}"
    assert f"Latest message (You): {message['text']}" in lines
    assert lines[-1] == f"Details: {card['portal_link']}"
    (token,) = LINK.findall(card["portal_link"])
    assert (await portal_view(world, token))["id"] == order["id"]


async def test_without_a_contact_language_the_tenants_is_used(world: World) -> None:
    await tenant_speaks(world, "en")
    await set_contacts(world, {"name": "Li", "wechat_open_id": "oLi"})
    order = await customer_order(world, title="Door heater")
    channel = await make_channel(world, "wechat")
    text = reply_content(await channel.wechat("oLi", order["number"]))
    assert text.startswith(f"Work order {order['number']}: Door heater\n")
    # Not assigned yet: no handler line; what happens now says so.
    assert f"Progress: {portal_texts.texts('en')['now.new']}" in text
    assert "Your engineer" not in text


async def test_each_answer_issues_a_new_link(world: World) -> None:
    await set_contacts(world, WANG)
    order = await customer_order(world)
    channel = await make_channel(world)
    first = (await channel.generic(order["number"], open_id="oWang")).json()["card"]
    second = (await channel.generic(order["number"], open_id="oWang")).json()["card"]
    assert first["portal_link"] != second["portal_link"]
    url = f"/api/v1/work-orders/{order['id']}/portal-links"
    links = (await world.call("dispatcher", "GET", url, expect=200)).json()["items"]
    assert len(links) == 2
