# ruff: noqa: RUF001  (the zh-CN texts use Chinese punctuation)
"""Queries are counted in the database, per sender and per channel: the eleventh query of a
sender within ten minutes is told to try later (WeChat: a 200 reply, it retries anything else;
generic: 429 with Retry-After), whatever it asks; other senders are not held up."""

import json
import time

import pytest

from chat import queries
from chat.desk import ChatDesk, ChatKeys, Limits
from kernel.statements import Statement
from tests.chat.factories import customer_order, make_channel, reply_content, set_contacts
from tests.conftest import TEST_SECRET
from tests.factories import World

TRY_LATER = "查询太频繁了，请几分钟后再试。"
OUTCOMES = Statement("SELECT outcome FROM chat_query WHERE channel = :channel")


async def test_a_generic_senders_eleventh_query_is_refused_with_retry_after(world: World) -> None:
    await set_contacts(world, {"name": "Wang", "phone": "13800138000"})
    order = await customer_order(world)
    channel = await make_channel(world)
    for counter in range(10):  # numbers that are nobody's count as much as the real one
        response = await channel.generic(f"WO-2099-{counter:06d}", phone="+86 138 0013 8000")
        assert response.status_code == 200, response.text
    refused = await channel.generic(order["number"], phone="13800138000")
    assert refused.status_code == 429, refused.text
    error = refused.json()["error"]
    assert error["code"] == "rate_limited"
    assert error["details"]["text"] == TRY_LATER
    wait = int(refused.headers["retry-after"])
    assert 1 <= wait <= 601
    assert error["details"]["retry_after_seconds"] == wait
    # Another sender, on the same channel, is answered.
    other = await channel.generic(order["number"], phone="13900139000")
    assert (other.status_code, other.json()["card"]) == (200, None)
    db = world.client.app.state.services.db
    async with db.snapshot() as reader:
        outcomes = [row["outcome"] for row in await reader.fetch_rows(OUTCOMES, channel=channel.id)]
    assert sorted(outcomes) == ["not_found"] * 11 + ["rate_limited"]


async def test_a_wechat_follower_over_the_limit_is_answered_to_try_later(world: World) -> None:
    channel = await make_channel(world, "wechat")
    for _ in range(10):
        assert (await channel.wechat("oBusy", "WO-2099-000001")).status_code == 200
    response = await channel.wechat("oBusy", "WO-2099-000001")
    assert response.status_code == 200
    assert reply_content(response) == TRY_LATER
    assert "没有找到" in reply_content(await channel.wechat("oCalm", "WO-2099-000001"))


async def test_a_channel_takes_so_many_queries_a_minute_from_all_senders(world: World) -> None:
    channel = await make_channel(world)
    desk = ChatDesk(
        keys=ChatKeys(TEST_SECRET),
        public_url="https://fieldops.example",
        limits=Limits(per_channel=3),
    )
    db = world.client.app.state.services.db

    async def ask(phone: str) -> queries.Reply:
        body = json.dumps({"from": {"phone": phone}, "text": "WO-2099-000001"}).encode()
        headers = channel.generic_headers(body, timestamp=int(time.time()))
        delivery = queries.Delivery(
            channel=channel.id,
            query={"channel": channel.id},
            timestamp_header=headers["X-Fieldops-Timestamp"],
            signature_header=headers["X-Fieldops-Signature"],
            body=body,
        )
        return await queries.answer(db=db, desk=desk, delivery=delivery)

    for phone in ("13800000001", "13800000002", "13800000003"):
        assert (await ask(phone)).status_code == 200
    with pytest.raises(queries.QueryThrottled) as throttled:
        await ask("13800000004")
    assert 1 <= throttled.value.retry_after <= 61
