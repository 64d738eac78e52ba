# ruff: noqa: RUF001  (Chinese punctuation is the point of the zh-CN texts)
"""The texts per tenant and language, checked when saved; the channels and robots admins
manage, their secrets never answered back; one tenant's settings never reach another's."""

import logging
from typing import Any

import pytest

from kernel.statements import Statement
from tests.factories import World
from tests.notify.conftest import (
    SET_TENANT_LOCALE,
    SMITH,
    WANG,
    Clock,
    channel,
    drain,
    relay,
    repair,
    rows_of,
    sent,
    set_contacts,
)
from tests.notify.servers import StandIn

SEALED = Statement("SELECT sealed_secret FROM notify_channel WHERE tenant = :tenant")


async def save_text(
    world: World, milestone: str, locale: str, text: str, expect: int = 200, who: str = "admin"
) -> Any:
    url = f"/api/v1/notify/templates/{milestone}/{locale}"
    return (await world.call(who, "PUT", url, json={"text": text}, expect=expect)).json()


async def test_each_contact_reads_the_tenants_text_in_their_language(
    world: World, stand_in: StandIn
) -> None:
    await channel(world, "sms", endpoint=f"{stand_in.url}/sms", secret="s")
    await save_text(world, "created", "zh-CN", "【{company}】已收到 {number}，进度：{portal_link}")
    await set_contacts(world, WANG, SMITH, {"name": "No language", "phone": "+86 21 5555 0101"})
    wo = await repair(world)
    await drain(relay(world, Clock()))
    texts = {r.json()["phone"]: r.json()["text"] for r in stand_in.posts("/sms")}
    number = (await world.call("dispatcher", "GET", f"/api/v1/work-orders/{wo}")).json()
    number = number["work_order"]["number"]
    assert texts["+86 139 1234 5678"].startswith(
        f"【Tenant {world.slug}】已收到 {number}，进度：https://"
    )
    assert texts["+44 20 7946 0958"].startswith(f"Tenant {world.slug}: we received your repair")
    # A contact without a language reads the tenant's (zh-CN unless it says otherwise).
    assert texts["+86 21 5555 0101"] == texts["+86 139 1234 5678"].replace(
        _link(texts["+86 139 1234 5678"]), _link(texts["+86 21 5555 0101"])
    )
    # Each person has a link of their own.
    assert len({_link(text) for text in texts.values()}) == 3


async def test_the_tenants_language_is_the_default(world: World, stand_in: StandIn) -> None:
    db = world.client.app.state.services.db
    async with db.transaction() as tx:
        await tx.execute(SET_TENANT_LOCALE, locale="en", id=world.tenant_id)
    await channel(world, "sms", endpoint=f"{stand_in.url}/sms", secret="s")
    await set_contacts(world, {"name": "No language", "phone": "+86 21 5555 0101"})
    await repair(world)
    await drain(relay(world, Clock()))
    [request] = stand_in.posts("/sms")
    assert request.json()["text"].startswith(f"Tenant {world.slug}: we received")


async def test_the_texts_list_the_built_in_ones_until_a_tenant_saves_its_own(
    world: World, other_world: World
) -> None:
    saved = await save_text(world, "resolved", "en", "Done: {number}. {portal_link}")
    assert (saved["custom"], saved["text"]) == (True, "Done: {number}. {portal_link}")
    shown = (await world.call("admin", "GET", "/api/v1/notify/templates", expect=200)).json()
    assert len(shown["items"]) == 10
    own = [t for t in shown["items"] if t["custom"]]
    assert [(t["milestone"], t["locale"]) for t in own] == [("resolved", "en")]
    assert "portal_link" in shown["placeholders"]
    assert shown["required"] == {"created": ["portal_link"], "closed": ["report_link"]}
    theirs = (await other_world.call("admin", "GET", "/api/v1/notify/templates")).json()
    assert not any(t["custom"] for t in theirs["items"])  # another tenant's stays built-in
    reset = await save_text(world, "resolved", "en", "")
    assert reset["custom"] is False
    assert reset["text"].startswith("{company}: the repair {number} is done")


@pytest.mark.parametrize(
    ("milestone", "text", "problem"),
    [
        ("assigned", "Hello {name}", "unknown placeholder {name}"),
        ("created", "We got {number}", "must contain {portal_link}"),
        ("closed", "Closed {number}: {portal_link}", "must contain {report_link}"),
        ("created", "{portal_link} {report_link}", "{report_link} exists only once"),
        ("assigned", "{number!r}", "bare"),
        ("assigned", "{number:>30}", "bare"),
        ("assigned", "{number.__class__}", "unknown placeholder"),
        ("assigned", "{0}", "unknown placeholder"),
        ("assigned", "{}", "unknown placeholder"),
        ("assigned", "a { brace", "brace"),
        ("assigned", "a } brace", "brace"),
    ],
)
async def test_a_text_that_cannot_be_filled_in_is_refused(
    world: World, milestone: str, text: str, problem: str
) -> None:
    error = (await save_text(world, milestone, "en", text, expect=422))["error"]
    assert error["code"] == "config_invalid"
    assert error["details"]["path"] == "text"
    assert problem in error["details"]["problem"]


async def test_only_admins_change_texts_and_channels(world: World) -> None:
    for who in ("dispatcher", "eng_a"):
        refused = await save_text(world, "created", "en", "{portal_link}", expect=403, who=who)
        assert refused["error"]["code"] == "forbidden"
        await world.call(who, "GET", "/api/v1/notify/channels", expect=403)
        await world.call(who, "PUT", "/api/v1/notify/channels/sms", json={}, expect=403)


async def test_secrets_are_sealed_write_only_and_kept_when_left_out(world: World) -> None:
    listed = (await world.call("admin", "GET", "/api/v1/notify/channels", expect=200)).json()
    assert [(c["kind"], c["configured"], c["enabled"]) for c in listed["items"]] == [
        ("sms", False, False),
        ("wechat", False, False),
        ("wecom", False, False),
        ("dingtalk", False, False),
    ]
    saved = await channel(
        world, "sms", endpoint="https://sms.example.com/send", secret="top-secret-1", sign_name="X"
    )
    assert saved["has_secret"] is True
    assert "top-secret-1" not in str(saved)
    again = await channel(world, "sms", endpoint="https://sms.example.com/v2", sign_name="Y")
    assert (again["has_secret"], again["endpoint"], again["sign_name"]) == (
        True,
        "https://sms.example.com/v2",
        "Y",
    )
    listed = (await world.call("admin", "GET", "/api/v1/notify/channels")).json()
    assert "top-secret-1" not in str(listed)
    db = world.client.app.state.services.db
    [row] = await rows_of(db, SEALED, tenant=world.tenant_id)
    assert row["sealed_secret"]
    assert "top-secret-1" not in row["sealed_secret"]


@pytest.mark.parametrize(
    ("kind", "body", "path"),
    [
        ("sms", {"endpoint": "https://sms.example.com"}, "secret"),
        ("sms", {"secret": "s"}, "endpoint"),
        (
            "sms",
            {"endpoint": "https://s.example.com", "secret": "s", "template_id": "T"},
            "template_id",
        ),
        ("wechat", {"endpoint": "https://api.weixin.qq.com/x", "secret": "t"}, "template_id"),
        (
            "wechat",
            {
                "endpoint": "https://w.example.com",
                "secret": "t",
                "template_id": "T",
                "token_endpoint": "https://t.example.com",
            },
            "token_endpoint",
        ),
        (
            "wecom",
            {"endpoint": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"},
            "endpoint",
        ),
        ("dingtalk", {"secret": "SECabc"}, "secret"),
    ],
)
async def test_a_channel_that_cannot_work_is_refused(
    world: World, kind: str, body: dict[str, Any], path: str
) -> None:
    url = f"/api/v1/notify/channels/{kind}"
    error = (await world.call("admin", "PUT", url, json=body, expect=422)).json()["error"]
    assert (error["code"], error["details"]["path"]) == ("config_invalid", path)


async def test_a_switched_off_channel_sends_to_the_log(
    world: World, stand_in: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    await channel(world, "sms", endpoint=f"{stand_in.url}/sms", secret="s", enabled=False)
    await set_contacts(world, WANG)
    wo = await repair(world)
    with caplog.at_level(logging.INFO, logger="fieldops.notify"):
        await drain(relay(world, Clock()))
    assert stand_in.posts() == []
    [item] = (await sent(world, wo))["items"]
    assert (item["channel"], item["status"]) == ("log", "logged")


async def test_robots_are_checked_and_their_keys_never_shown(
    world: World, other_world: World
) -> None:
    url = f"/api/v1/notify/customers/{world.customer_id}/robots"
    cases = [
        ("wecom", {}, "webhook_url"),
        (
            "wecom",
            {"webhook_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"},
            "webhook_url",
        ),
        (
            "wecom",
            {"webhook_url": "https://qyapi.weixin.qq.com/x?key=k", "secret": "SECx"},
            "secret",
        ),
        (
            "dingtalk",
            {
                "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=t",
                "secret": "not-a-dingtalk-secret",
            },
            "secret",
        ),
    ]
    for kind, body, path in cases:
        error = (await world.call("admin", "PUT", f"{url}/{kind}", json=body, expect=422)).json()
        assert (error["error"]["code"], error["error"]["details"]["path"]) == (
            "config_invalid",
            path,
        )
    body = {"webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=SECRET-TOKEN"}
    saved = (await world.call("admin", "PUT", f"{url}/dingtalk", json=body, expect=200)).json()
    assert (saved["webhook_host"], saved["has_secret"]) == ("oapi.dingtalk.com", False)
    kept = (
        await world.call(
            "admin", "PUT", f"{url}/dingtalk", json={"enabled": False, "secret": "SEC123"}
        )
    ).json()
    assert (kept["webhook_host"], kept["has_secret"], kept["enabled"]) == (
        "oapi.dingtalk.com",
        True,
        False,
    )
    listed = (await world.call("admin", "GET", url, expect=200)).json()
    assert [r["kind"] for r in listed["items"]] == ["dingtalk"]
    assert "SECRET-TOKEN" not in str(listed)
    # Another tenant's customer: not found, the same as a random id.
    refused = await other_world.call("admin", "PUT", f"{url}/dingtalk", json=body, expect=404)
    assert refused.json()["error"]["code"] == "not_found"
    await other_world.call("admin", "GET", url, expect=404)


async def test_one_tenants_channel_never_reaches_another_tenants_customers(
    world: World, other_world: World, stand_in: StandIn
) -> None:
    await channel(world, "sms", endpoint=f"{stand_in.url}/sms", secret="s")
    await set_contacts(other_world, WANG)
    theirs = await repair(other_world)
    await drain(relay(world, Clock()))
    assert stand_in.posts() == []
    [item] = (await sent(other_world, theirs))["items"]
    assert (item["channel"], item["status"]) == ("log", "logged")


def _link(text: str) -> str:
    return text[text.index("https://") :].split()[0]


async def test_the_routes_document_the_refusals_they_raise(world: World) -> None:
    paths = (await world.client.get("/schema/openapi.json")).json()["paths"]

    def codes(path: str, method: str) -> dict[str, set[str]]:
        responses = paths[path][method]["responses"]
        return {
            status: set(response["content"]["application/json"]["examples"])
            for status, response in responses.items()
            if int(status) >= 400
        }

    robots = "/api/v1/notify/customers/{customer_id}/robots"
    for path in (
        "/api/v1/notify/channels/{kind}",
        f"{robots}/{{robot_kind}}",
        "/api/v1/notify/templates/{milestone}/{locale}",
    ):
        assert {"config_invalid", "validation_failed"} <= codes(path, "put")["422"], path
        assert "forbidden" in codes(path, "put")["403"], path
    assert "not_found" in codes(f"{robots}/{{robot_kind}}", "put")["404"]
    assert "not_found" in codes(robots, "get")["404"]
    notifications = "/api/v1/work-orders/{work_order_id}/customer-notifications"
    assert "not_found" in codes(notifications, "get")["404"]
