"""Device registry: register, rotate, unregister, takeover rules, token uniqueness, scope."""

import uuid
from typing import Any

from tests.factories import World

IOS = {
    "platform": "ios",
    "apns_environment": "sandbox",
    "app_bundle_id": "com.example.fieldops",
    "app_version": "3.2.0",
    "locale": "zh-CN",
    "time_zone": "Asia/Shanghai",
}


def token() -> str:
    return uuid.uuid4().hex + uuid.uuid4().hex  # 64 hex characters, like an APNs token


async def register(world: World, who: str, device_id: str, expect: int = 200, **body: Any) -> Any:
    response = await world.call(
        who, "POST", "/api/v1/devices", json={"id": device_id, **body}, expect=expect
    )
    return response.json()


async def listed(world: World, who: str, **params: str) -> list[dict[str, Any]]:
    response = await world.call(who, "GET", "/api/v1/devices", params=params, expect=200)
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_register_rotate_and_unregister(world: World) -> None:
    device_id, first = str(uuid.uuid4()), token()
    device = await register(world, "eng_a", device_id, **IOS, push_token=first)
    assert device["id"] == device_id
    assert device["enabled"]
    assert device["locale"] == "zh-CN"
    assert device["user_id"] == str(world.users["eng_a"])
    again = await register(world, "eng_a", device_id, **IOS, push_token=first)
    assert again["token_registered_at"] == device["token_registered_at"]  # a safe repeat

    second = token()
    rotated = await register(
        world, "eng_a", device_id, **{**IOS, "app_version": "3.3.0"}, push_token=second
    )
    assert rotated["push_token_suffix"] == second[-6:]
    assert "push_token" not in rotated
    assert rotated["app_version"] == "3.3.0"
    assert rotated["token_registered_at"] > device["token_registered_at"]
    assert [d["id"] for d in await listed(world, "eng_a")] == [device_id]

    await world.call("eng_a", "DELETE", f"/api/v1/devices/{device_id}", expect=204)
    await world.call("eng_a", "DELETE", f"/api/v1/devices/{device_id}", expect=204)
    (gone,) = await listed(world, "eng_a")
    assert not gone["enabled"]
    assert gone["disabled_reason"] == "unregistered"


async def test_a_user_may_hold_several_devices_and_dispatchers_can_look(world: World) -> None:
    phone, tablet = str(uuid.uuid4()), str(uuid.uuid4())
    await register(world, "eng_a", phone, **IOS, push_token=token())
    await register(world, "eng_a", tablet, platform="android", push_token="fcm:" + token())
    assert {d["id"] for d in await listed(world, "eng_a")} == {phone, tablet}
    seen = await listed(world, "dispatcher", user_id=str(world.users["eng_a"]))
    assert {d["id"] for d in seen} == {phone, tablet}
    # An engineer sees only their own devices.
    assert {d["id"] for d in await listed(world, "eng_a", user_id=str(world.users["eng_a"]))} == {
        phone,
        tablet,
    }
    refused = await world.call(
        "eng_b", "GET", "/api/v1/devices", params={"user_id": str(world.users["eng_a"])}
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"


async def test_a_token_addresses_one_installation(world: World) -> None:
    shared, old, new = token(), str(uuid.uuid4()), str(uuid.uuid4())
    await register(world, "eng_a", old, **IOS, push_token=shared)
    await register(world, "eng_b", new, **IOS, push_token=shared)
    (before,) = await listed(world, "eng_a")
    assert not before["enabled"]
    assert "another installation" in before["disabled_reason"]
    (after,) = await listed(world, "eng_b")
    assert after["enabled"]


async def test_no_answer_reveals_a_push_token(world: World) -> None:
    """A dispatcher looking at an engineer's devices sees which phone, never its token."""
    device_id, secret = str(uuid.uuid4()), token()
    registered = await register(world, "eng_a", device_id, **IOS, push_token=secret)
    seen = await listed(world, "dispatcher", user_id=str(world.users["eng_a"]))
    own = await listed(world, "eng_a")
    for device in (registered, *seen, *own):
        assert "push_token" not in device
        assert device["push_token_suffix"] == secret[-6:]
        assert secret not in repr(device)


async def test_takeover_needs_the_owner_to_let_go_whatever_token_is_presented(
    world: World,
) -> None:
    device_id, current = str(uuid.uuid4()), token()
    await register(world, "eng_a", device_id, **IOS, push_token=current)
    refused = await register(world, "eng_b", device_id, expect=409, **IOS, push_token=token())
    assert refused["error"]["code"] == "already_exists"
    assert refused["error"]["details"]["reason"] == "registered_to_another_user"
    assert "log out" in refused["error"]["message"].lower()
    # Even with the current token (which a dispatcher used to be shown): refused, for
    # another engineer and for the dispatcher alike.
    for who in ("eng_b", "dispatcher"):
        hijack = await register(world, who, device_id, expect=409, **IOS, push_token=current)
        assert hijack["error"]["code"] == "already_exists"
    (kept,) = await listed(world, "eng_a")
    assert kept["enabled"]
    assert kept["user_id"] == str(world.users["eng_a"])
    assert kept["push_token_suffix"] == current[-6:]

    # After the owner's logout (unregister) another user may take it ...
    await world.call("eng_a", "DELETE", f"/api/v1/devices/{device_id}", expect=204)
    moved = await register(world, "eng_b", device_id, **IOS, push_token=current)
    assert moved["user_id"] == str(world.users["eng_b"])
    assert moved["enabled"]
    assert await listed(world, "eng_a") == []
    # ... and back again only after that user lets go too.
    await register(world, "eng_a", device_id, expect=409, **IOS, push_token=token())
    await world.call("eng_b", "DELETE", f"/api/v1/devices/{device_id}", expect=204)
    back = await register(world, "eng_a", device_id, **IOS, push_token=token())
    assert back["user_id"] == str(world.users["eng_a"])
    assert back["enabled"]


async def test_a_deactivated_users_installation_may_be_taken_over(world: World) -> None:
    """The phone of someone who left: an admin deactivates them, the next engineer signs in."""
    device_id = str(uuid.uuid4())
    await register(world, "eng_a2", device_id, **IOS, push_token=token())
    await register(world, "eng_a", device_id, expect=409, **IOS, push_token=token())
    await world.call(
        "admin",
        "PATCH",
        f"/api/v1/users/{world.users['eng_a2']}",
        json={"is_active": False},
        expect=200,
    )
    taken = await register(world, "eng_a", device_id, **IOS, push_token=token())
    assert taken["user_id"] == str(world.users["eng_a"])


async def test_another_tenant_neither_sees_nor_touches_devices(
    world: World, other_world: World
) -> None:
    device_id, mine = str(uuid.uuid4()), token()
    await register(world, "eng_a", device_id, **IOS, push_token=mine)
    # The same installation id and even the same token in another tenant: a separate row.
    theirs = await register(other_world, "eng_a", device_id, **IOS, push_token=mine)
    assert theirs["user_id"] == str(other_world.users["eng_a"])
    (still,) = await listed(world, "eng_a")
    assert still["enabled"]
    assert still["user_id"] == str(world.users["eng_a"])
    foreign = await other_world.call(
        "dispatcher", "GET", "/api/v1/devices", params={"user_id": str(world.users["eng_a"])}
    )
    assert foreign.json()["items"] == []


async def test_bad_registrations_name_the_field(world: World) -> None:
    device_id = str(uuid.uuid4())
    no_topic = await register(
        world, "eng_a", device_id, expect=422, platform="ios", push_token=token()
    )
    assert no_topic["error"]["details"]["field"] == "app_bundle_id"
    for body in (
        {**IOS, "push_token": "has spaces in it"},
        {**IOS, "push_token": token(), "platform": "windows"},
        {**IOS, "push_token": token(), "locale": "!!"},
        {**IOS},
    ):
        bad = await register(world, "eng_a", device_id, expect=422, **body)
        assert bad["error"]["code"] == "validation_failed"
    await world.call("eng_a", "DELETE", f"/api/v1/devices/{uuid.uuid4()}", expect=404)
    assert await listed(world, "eng_a") == []
