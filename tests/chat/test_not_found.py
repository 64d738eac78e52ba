# ruff: noqa: RUF001  (the zh-CN texts use Chinese punctuation)
"""Numbers cannot be enumerated: an unknown number, another customer's, another tenant's, a
cancelled one, a sender who is nobody's contact and text without a number all get the very
same answer, byte for byte; each is recorded without the sender's phone or open id."""

import time
from typing import Any

from kernel.statements import Statement
from tests.chat.factories import (
    Channel,
    customer_order,
    make_channel,
    reply_content,
    set_contacts,
)
from tests.factories import World

WANG = {"name": "王经理", "phone": "+86 138 0013 8000", "wechat_open_id": "oWang"}
NOT_FOUND = "没有找到与您关联的工单。请核对单号（例如 WO-2026-000123），或联系客服。"
RECORDED = Statement(
    "SELECT sender_hash, asked, work_order, outcome FROM chat_query WHERE channel = :channel"
    " ORDER BY at, asked"
)


async def numbers_nobody_may_see(world: World, other_world: World) -> dict[str, str]:
    """Texts that must all be answered "not found" for Wang, and a number that must not."""
    await set_contacts(world, WANG)
    live = await customer_order(world, title="Freezer room too warm")
    cancelled = await customer_order(world, title="Duplicate")
    await world.transition("dispatcher", cancelled["id"], "cancelled", reason="duplicate")
    other_customer = (
        await world.call(
            "admin",
            "POST",
            "/api/v1/customers",
            json={"name": "Other Co", "contacts": [{"name": "Zhao", "phone": "13900001111"}]},
            expect=201,
        )
    ).json()
    theirs = await world.create_work_order(customer_id=other_customer["id"])
    # Another tenant where Wang is a contact too, with more work orders than this one has.
    await set_contacts(other_world, WANG)
    for _ in range(4):
        elsewhere = await other_world.create_work_order(customer_id=str(other_world.customer_id))
    search = await world.call("dispatcher", "GET", f"/api/v1/work-orders?q={elsewhere['number']}")
    assert search.json()["items"] == [], "the other tenant's number must not exist here"
    return {
        "live": live["number"],
        "unknown": "WO-2099-999999",
        "another customer's": theirs["number"],
        "another tenant's": elsewhere["number"],
        "cancelled": cancelled["number"],
        "no number": "你好，我的冷库坏了",
        "a bad format": "WO-12",
        "nothing": "",
    }


async def recorded(channel: Channel) -> list[dict[str, Any]]:
    db = channel.world.client.app.state.services.db
    async with db.snapshot() as reader:
        return await reader.fetch_rows(RECORDED, channel=channel.id)


async def test_a_generic_channel_answers_every_other_number_the_same(
    world: World, other_world: World
) -> None:
    texts = await numbers_nobody_may_see(world, other_world)
    channel = await make_channel(world)
    answered = await channel.generic(texts.pop("live"), phone="8613800138000")
    assert answered.json()["card"] is not None, answered.text
    answers = {
        what: await channel.generic(text, phone="8613800138000") for what, text in texts.items()
    }
    answers["a stranger asking for Wang's number"] = await channel.generic(
        answered.json()["card"]["number"], phone="13700000000", open_id="oStranger"
    )
    bodies = {(r.status_code, r.content) for r in answers.values()}
    assert bodies == {(200, ('{"card":null,"text":"' + NOT_FOUND + '"}').encode())}, bodies
    assert {r.headers["content-type"] for r in answers.values()} == {"application/json"}
    rows = await recorded(channel)
    assert len(rows) == len(answers) + 1
    assert sorted(row["outcome"] for row in rows) == ["answered"] + ["not_found"] * len(answers)
    assert {row["asked"] for row in rows} >= {"WO-2099-999999", "", texts["cancelled"]}
    for row in rows:
        assert len(row["sender_hash"]) == 64
        assert "13800138000" not in row["sender_hash"]
    assert sum(row["work_order"] is not None for row in rows) == 1


async def test_a_wechat_channel_answers_every_other_number_the_same(
    world: World, other_world: World
) -> None:
    texts = await numbers_nobody_may_see(world, other_world)
    channel = await make_channel(world, "wechat")
    moment = int(time.time())
    answered = await channel.wechat("oWang", texts.pop("live"), timestamp=moment)
    assert "查看详情" in reply_content(answered)
    answers = [await channel.wechat("oWang", text, timestamp=moment) for text in texts.values()]
    assert len({(r.status_code, r.content) for r in answers}) == 1
    assert answers[0].status_code == 200
    assert reply_content(answers[0]) == NOT_FOUND
    # A stranger is answered the same words (the reply is addressed to them).
    stranger = await channel.wechat("oStranger", texts["unknown"])
    assert reply_content(stranger) == NOT_FOUND


async def test_the_not_found_answer_speaks_the_tenants_language(world: World) -> None:
    db = world.client.app.state.services.db
    await db.execute(
        Statement("UPDATE accounts_tenant SET locale = 'en' WHERE id = :id"), id=world.tenant_id
    )
    channel = await make_channel(world)
    answer = (await channel.generic("WO-2099-999999", phone="13800138000")).json()
    assert answer == {
        "card": None,
        "text": "We found no work order of yours with this number. Please check it (for "
        "example WO-2026-000123) or contact customer service.",
    }
