"""Chat channels: admins add them (the secret shown once, kept sealed), list them without
secrets, rotate the secret (the old one stops at once) and disable them; nobody else may, and
no tenant reaches another's."""

import dataclasses
import uuid

import pytest

from kernel.statements import Statement
from tests.chat.factories import make_channel
from tests.factories import World

SEALED = Statement("SELECT sealed_secret FROM chat_channel WHERE id = :id")
BASE = "/api/v1/chat/channels"


async def test_an_admin_adds_a_channel_and_its_secret_is_shown_once(world: World) -> None:
    created = (
        await world.call(
            "admin", "POST", BASE, json={"name": "WeChat 公众号", "style": "wechat"}, expect=201
        )
    ).json()
    channel, secret = created["channel"], created["secret"]
    assert len(secret) == 32  # WeChat takes a Token of at most 32 letters and digits
    assert secret.isalnum()
    assert (channel["name"], channel["style"], channel["enabled"]) == (
        "WeChat 公众号",
        "wechat",
        True,
    )
    assert channel["webhook_url"].endswith(f"/api/v1/chat/status-query?channel={channel['id']}")
    listed = await world.call("admin", "GET", BASE, expect=200)
    assert [item["id"] for item in listed.json()["items"]] == [channel["id"]]
    assert listed.json()["items"][0] == channel
    assert secret not in listed.text
    # At rest it is sealed, not the secret itself.
    db = world.client.app.state.services.db
    async with db.snapshot() as reader:
        (row,) = await reader.fetch_rows(SEALED, id=channel["id"])
    assert secret not in row["sealed_secret"]
    assert len(row["sealed_secret"]) > len(secret)


async def test_rotation_answers_a_new_secret_and_the_old_one_stops_at_once(world: World) -> None:
    channel = await make_channel(world)
    assert (await channel.generic("hello", phone="13800138000")).status_code == 200
    rotated = (await world.call("admin", "POST", f"{BASE}/{channel.id}/rotate", expect=200)).json()
    assert rotated["channel"]["id"] == channel.id
    assert rotated["secret"] != channel.secret
    refused = await channel.generic("hello", phone="13800138000")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "signature_invalid"
    accepted = await channel.generic("hello", phone="13800138000", secret=rotated["secret"])
    assert accepted.status_code == 200, accepted.text


async def test_a_disabled_channel_is_answered_as_no_channel_at_all(world: World) -> None:
    channel = await make_channel(world)
    disabled = (
        await world.call("admin", "POST", f"{BASE}/{channel.id}/disable", expect=200)
    ).json()
    assert (disabled["enabled"], disabled["disabled_at"] is not None) == (False, True)
    again = (await world.call("admin", "POST", f"{BASE}/{channel.id}/disable", expect=200)).json()
    assert again == disabled
    refused = await channel.generic("WO-2026-000001", phone="13800138000")
    unknown = dataclasses.replace(channel, id=str(uuid.uuid4()))
    nobody = await unknown.generic("WO-2026-000001", phone="13800138000")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "signature_invalid"
    assert nobody.json()["error"] == refused.json()["error"]


@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "eng_a"])
async def test_only_admins_manage_channels(world: World, role: str) -> None:
    channel = await make_channel(world)
    answers = [
        await world.call(role, "POST", BASE, json={"name": "Mine"}),
        await world.call(role, "GET", BASE),
        await world.call(role, "POST", f"{BASE}/{channel.id}/rotate"),
        await world.call(role, "POST", f"{BASE}/{channel.id}/disable"),
    ]
    for response in answers:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"
        assert channel.secret not in response.text
    # Nothing changed: the secret still signs.
    assert (await channel.generic("hi", phone="13800138000")).status_code == 200


async def test_another_tenant_neither_sees_nor_changes_a_channel(
    world: World, other_world: World
) -> None:
    channel = await make_channel(world)
    for action in ("rotate", "disable"):
        response = await other_world.call("admin", "POST", f"{BASE}/{channel.id}/{action}")
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "not_found"
    listed = await other_world.call("admin", "GET", BASE, expect=200)
    assert channel.id not in listed.text
    assert (await channel.generic("hi", phone="13800138000")).status_code == 200


async def test_a_channel_needs_a_name_and_a_known_style(world: World) -> None:
    for body in ({"name": ""}, {"name": "x", "style": "telegram"}, {"style": "wechat"}):
        response = await world.call("admin", "POST", BASE, json=body)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["code"] == "validation_failed"
