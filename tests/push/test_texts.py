"""Pushes speak the device's language: one assignment reaches a Chinese and an English phone
of the same engineer each in its own words."""

import uuid

from push import texts
from push.providers import Answer, Verdict
from tests.factories import World
from tests.push.test_outbox_and_relay import Clock, Scripted, relay


def test_locales_map_to_the_catalogue_languages() -> None:
    for chinese in ("zh-CN", "zh_CN", "zh-Hans-CN", "zh", "zh-TW"):
        assert texts.language_of(chinese) == texts.CHINESE
    for other in ("en", "en-GB", "de-DE", ""):
        assert texts.language_of(other) == texts.ENGLISH


def test_an_assignment_renders_in_each_language_and_unknown_kinds_fall_back() -> None:
    params = {"priority": "P0", "number": "WO-20261206-0007", "title": "冷库温度超标"}
    assert texts.render("assignment", params, "zh-CN") == (
        "P0 工单 WO-20261206-0007 已派给您",
        "冷库温度超标",
    )
    assert texts.render("assignment", params, "en-US") == (
        "P0 WO-20261206-0007 assigned to you",
        "冷库温度超标",
    )
    assert texts.render("assignment", {"number": "x"}, "en") is None  # a value missing
    assert texts.render("backlog", params, "en") is None  # not in the catalogue


async def register(world: World, platform: str, locale: str) -> str:
    token = uuid.uuid4().hex * 2
    body = {
        "id": str(uuid.uuid4()),
        "platform": platform,
        "push_token": token,
        "app_bundle_id": "com.example.fieldops",
        "locale": locale,
    }
    await world.call("eng_a", "POST", "/api/v1/devices", json=body, expect=200)
    return token


async def test_each_device_gets_the_assignment_in_its_own_language(world: World) -> None:
    chinese = await register(world, "ios", "zh-CN")
    english = await register(world, "android", "en-GB")
    wo = await world.create_work_order(priority="P1", title="Compressor stopped")
    await world.transition(
        "dispatcher", wo["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    provider = Scripted(Answer(Verdict.DELIVERED, 200))
    await relay(world, provider, Clock()).run_once()
    sent = {item.push_token: item for item in provider.sent}
    assert sent[chinese].title == f"P1 工单 {wo['number']} 已派给您"
    assert sent[english].title == f"P1 {wo['number']} assigned to you"
    assert sent[chinese].body == sent[english].body == "Compressor stopped"
    # What the API lists is the stored (English) text.
    listed = await world.call(
        "dispatcher", "GET", "/api/v1/push/deliveries", params={"subject_id": wo["id"]}
    )
    assert {d["title"] for d in listed.json()["items"]} == {f"P1 {wo['number']} assigned to you"}
