"""The webhook takes only what its channel signed: WeChat's query signature or the generic HMAC
over timestamp and body, a timestamp within five minutes, a nonce never seen in that window.
Anything else is a 401 with a stable code, and nothing is recorded."""

import dataclasses
import time
import uuid
from datetime import timedelta
from typing import Any

import httpx

from kernel.clock import utcnow
from kernel.statements import Statement
from tests.chat.factories import URL, Channel, make_channel, reply_content, wechat_body
from tests.factories import World

QUERIES = Statement("SELECT COUNT(*) AS n FROM chat_query WHERE channel = :channel")
NONCES = Statement("SELECT nonce FROM chat_nonce WHERE channel = :channel")
AGE_NONCES = Statement("UPDATE chat_nonce SET seen_at = :at WHERE channel = :channel")


async def recorded(channel: Channel) -> int:
    db = channel.world.client.app.state.services.db
    async with db.snapshot() as reader:
        (row,) = await reader.fetch_rows(QUERIES, channel=channel.id)
    return int(row["n"])


def refused(response: httpx.Response, code: str) -> dict[str, Any]:
    assert response.status_code == 401, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    return error


async def test_a_wechat_query_signed_with_the_token_is_answered(world: World) -> None:
    channel = await make_channel(world, "wechat")
    response = await channel.wechat("oFollower1", "WO-2026-000001")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    assert response.headers["cache-control"] == "no-store"
    assert "没有找到" in reply_content(response)
    assert await recorded(channel) == 1


async def test_wechat_signatures_that_are_not_the_channels_are_refused(world: World) -> None:
    channel = await make_channel(world, "wechat")
    other = await make_channel(world, "wechat")
    body = wechat_body("oFollower1", "WO-2026-000001")
    hour_ago = int(time.time()) - 3600
    attempts = {
        "another channel's token": channel.wechat_params(secret=other.secret),
        "a made-up token": channel.wechat_params(secret="not-the-token"),
        "signed for another nonce": {**channel.wechat_params(), "nonce": "other"},
        "no signature": {k: v for k, v in channel.wechat_params().items() if k != "signature"},
    }
    for what, params in attempts.items():
        response = await world.client.post(URL, params=params, content=body)
        assert response.status_code == 401, what
        assert response.json()["error"]["code"] == "signature_invalid", what
    stale = await world.client.post(
        URL, params=channel.wechat_params(timestamp=hour_ago), content=body
    )
    refused(stale, "timestamp_out_of_window")
    garbled = {**channel.wechat_params(), "timestamp": "soon"}
    refused(await world.client.post(URL, params=garbled, content=body), "timestamp_out_of_window")
    assert await recorded(channel) == 0


async def test_a_replayed_wechat_nonce_is_refused_even_with_another_body(world: World) -> None:
    """WeChat signs no body: the nonce is what keeps a captured request from being reused."""
    channel = await make_channel(world, "wechat")
    params = channel.wechat_params()
    first = await world.client.post(URL, params=params, content=wechat_body("oA", "hi"))
    assert first.status_code == 200, first.text
    again = await world.client.post(URL, params=params, content=wechat_body("oB", "WO-2026-1"))
    refused(again, "request_replayed")
    assert await recorded(channel) == 1


async def test_a_generic_query_signs_its_timestamp_and_body(world: World) -> None:
    channel = await make_channel(world)
    response = await channel.generic("WO-2026-000001", phone="13800138000")
    assert response.status_code == 200, response.text
    assert response.json()["card"] is None
    body = b'{"from": {"phone": "13800138000"}, "text": "WO-2026-000001"}'
    other_body = b'{"from": {"phone": "13900139000"}, "text": "WO-2026-000001"}'
    hour_ahead = int(time.time()) + 3600
    attempts = {
        "a wrong secret": (body, channel.generic_headers(body, secret="wrong")),
        "another body's signature": (other_body, channel.generic_headers(body)),
        "no signature": (body, {"Content-Type": "application/json"}),
    }
    for what, (content, headers) in attempts.items():
        answer = await world.client.post(
            URL, params={"channel": channel.id}, content=content, headers=headers
        )
        assert answer.status_code == 401, what
        assert answer.json()["error"]["code"] == "signature_invalid", what
    future = await world.client.post(
        URL,
        params={"channel": channel.id},
        content=body,
        headers=channel.generic_headers(body, timestamp=hour_ahead),
    )
    refused(future, "timestamp_out_of_window")
    assert await recorded(channel) == 1


async def test_the_same_generic_request_twice_is_a_replay(world: World) -> None:
    channel = await make_channel(world)
    body = b'{"from": {"phone": "13800138000"}, "text": "WO-2026-000001"}'
    headers = channel.generic_headers(body)
    first = await world.client.post(
        URL, params={"channel": channel.id}, content=body, headers=headers
    )
    assert first.status_code == 200, first.text
    upper = {**headers, "X-Fieldops-Signature": headers["X-Fieldops-Signature"].upper()}
    for replayed_headers in (headers, upper):
        again = await world.client.post(
            URL, params={"channel": channel.id}, content=body, headers=replayed_headers
        )
        refused(again, "request_replayed")
    assert await recorded(channel) == 1


async def test_unknown_and_malformed_channels_get_the_bad_signature_answer(world: World) -> None:
    channel = await make_channel(world)
    body = b'{"text": "WO-2026-000001"}'
    headers = channel.generic_headers(body)
    errors = []
    for params in ({"channel": str(uuid.uuid4())}, {"channel": "not-a-uuid"}, {}):
        response = await world.client.post(URL, params=params, content=body, headers=headers)
        errors.append(refused(response, "signature_invalid"))
    assert errors[0] == errors[1] == errors[2]
    # A channel of one style does not take the other's signature.
    as_wechat = await world.client.post(URL, params=channel.wechat_params(), content=body)
    refused(as_wechat, "signature_invalid")


async def test_a_signed_body_that_is_not_a_query_is_refused_with_a_4xx(world: World) -> None:
    generic = await make_channel(world)
    for body, code in (
        (b"{not json", "malformed_json"),
        (b'{"text": 5}', "validation_failed"),
        (b'{"from": {"phone": "call me"}}', "validation_failed"),
        (b"\xff\xfe", "malformed_json"),
    ):
        response = await world.client.post(
            URL, params={"channel": generic.id}, content=body, headers=generic.generic_headers(body)
        )
        assert 400 <= response.status_code < 500, response.text
        assert response.json()["error"]["code"] == code, body
    wechat = await make_channel(world, "wechat")
    entity = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaa">]>'
        b"<xml><FromUserName>oA</FromUserName><Content>&a;</Content></xml>"
    )
    for body in (b"<xml>", entity, b"<other><FromUserName>oA</FromUserName></other>"):
        response = await world.client.post(URL, params=wechat.wechat_params(), content=body)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "validation_failed"
    assert await recorded(generic) == 0
    assert await recorded(wechat) == 0


async def test_wechat_events_are_taken_without_an_answer(world: World) -> None:
    channel = await make_channel(world, "wechat")
    response = await world.client.post(
        URL,
        params=channel.wechat_params(),
        content=wechat_body("oFollower1", "", kind="event"),
    )
    assert (response.status_code, response.text) == (200, "success")
    assert await recorded(channel) == 0


async def test_wechat_checks_the_address_with_a_signed_echo(world: World) -> None:
    channel = await make_channel(world, "wechat")
    params = {**channel.wechat_params(), "echostr": "5837397520418795421"}
    echoed = await world.client.get(URL, params=params)
    assert (echoed.status_code, echoed.text) == (200, "5837397520418795421")
    wrong = {**channel.wechat_params(secret="wrong"), "echostr": "1"}
    refused(await world.client.get(URL, params=wrong), "signature_invalid")
    generic = await make_channel(world)
    as_generic = {**dataclasses.replace(channel, id=generic.id).wechat_params(), "echostr": "1"}
    refused(await world.client.get(URL, params=as_generic), "signature_invalid")


async def test_nonces_are_forgotten_once_their_window_has_passed(world: World) -> None:
    channel = await make_channel(world, "wechat")
    first = await channel.wechat("oA", "hi", nonce="n-old")
    assert first.status_code == 200, first.text
    db = world.client.app.state.services.db
    await db.execute(AGE_NONCES, at=utcnow() - timedelta(minutes=11), channel=channel.id)
    assert (await channel.wechat("oA", "hi", nonce="n-new")).status_code == 200
    async with db.snapshot() as reader:
        nonces = {row["nonce"] for row in await reader.fetch_rows(NONCES, channel=channel.id)}
    assert nonces == {"n-new"}
