"""The customer's web page at ``/p/{token}``: the repair in the customer's words and language,
one friendly page for every link that does not work, headers that keep the token in, and
every opening counted."""

import logging
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest

from kernel.clock import utcnow
from kernel.statements import Statement
from portal import texts
from server.pages import MaskPortalTokens
from tests.factories import World

EXPIRE = Statement("UPDATE portal_link SET expires_at = :now WHERE id = :id")


async def issue(world: World, wo: str) -> dict[str, Any]:
    url = f"/api/v1/work-orders/{wo}/portal-links"
    body = {"contact_name": "陈女士", "valid_days": 7}
    issued: dict[str, Any] = (
        await world.call("dispatcher", "POST", url, json=body, expect=201)
    ).json()
    return issued


async def open_page(
    world: World, token: str, language: str = "zh-CN,zh;q=0.9", **params: str
) -> Any:
    return await world.client.get(
        f"/p/{token}", headers={"Accept-Language": language}, params=params
    )


async def test_the_page_shows_the_repair_in_the_customers_words_and_language(
    world: World,
) -> None:
    wo = await world.create_work_order(title="冷库3号温度超标")
    token = (await issue(world, wo["id"]))["token"]
    page = await open_page(world, token)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["content-language"] == "zh-CN"
    html = page.text
    assert "冷库3号温度超标" in html
    assert wo["number"] in html
    assert "我们已收到您的报修" in html  # what is happening now, in plain words
    assert "已收到报修" in html  # the first step of the timeline, reached
    for internal in ("in_progress", "en_route", "new<", "P2"):
        assert internal not in html
    # Assigned: the engineer's name and phone appear, the step moves on.
    await world.transition(
        "dispatcher", wo["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    html = (await open_page(world, token)).text
    assert "负责工程师" in html
    assert "已为您安排工程师" in html
    english = await open_page(world, token, language="en-GB,en;q=0.8")
    assert english.headers["content-language"] == "en"
    assert "An engineer has been assigned" in english.text
    assert "Your engineer" in english.text
    # The page's switch overrides the browser.
    switched = await open_page(world, token, language="en", lang="zh-CN")
    assert switched.headers["content-language"] == "zh-CN"


async def test_the_page_keeps_its_token_in(world: World) -> None:
    wo = await world.create_work_order()
    token = (await issue(world, wo["id"]))["token"]
    page = await open_page(world, token)
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "noindex" in page.headers["x-robots-tag"]
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert '<meta name="referrer" content="no-referrer">' in page.text
    # Only our own script and styles, from our own address.
    assert re.findall(r'<script src="([^"]+)"', page.text) == ["/assets/portal/portal.js"]
    script = await world.client.get("/assets/portal/portal.js")
    assert script.status_code == 200
    assert "Bearer" in script.text


async def test_every_link_that_does_not_work_gets_the_same_friendly_page(world: World) -> None:
    wo = await world.create_work_order(title="Secret compressor room")
    revoked, expired, good = [await issue(world, wo["id"]) for _ in range(3)]
    await world.call(
        "dispatcher", "POST", f"/api/v1/portal-links/{revoked['link']['id']}/revoke", expect=200
    )
    db = world.client.app.state.services.db
    await db.execute(
        EXPIRE, now=utcnow() - timedelta(seconds=1), id=uuid.UUID(expired["link"]["id"])
    )
    tampered = good["token"][:-4] + ("AAAA" if not good["token"].endswith("AAAA") else "BBBB")
    bodies = set()
    for token in (
        revoked["token"],
        expired["token"],
        tampered,
        "fpt_",
        "not-a-token",
        "fpt_" + "x" * 500,
    ):
        page = await open_page(world, token)
        assert page.status_code == 404, token
        assert "Secret compressor room" not in page.text
        assert wo["number"] not in page.text
        assert "链接无法打开" in page.text
        bodies.add(page.text)
    assert len(bodies) == 1  # nothing tells a revoked link from an expired or a made-up one
    assert (await open_page(world, good["token"])).status_code == 200


async def test_every_opening_is_counted_for_the_visit_rate(
    world: World, other_world: World
) -> None:
    start = utcnow().date()
    seen, unseen = await world.create_work_order(), await world.create_work_order()
    await world.create_work_order()  # no link sent: not counted either way
    link = await issue(world, seen["id"])
    await issue(world, unseen["id"])
    for _ in range(3):
        assert (await open_page(world, link["token"])).status_code == 200
    end = start + timedelta(days=1)
    rate = (
        await world.call(
            "supervisor",
            "GET",
            "/api/v1/portal-links/visit-rate",
            params={"start": start.isoformat(), "end": end.isoformat()},
            expect=200,
        )
    ).json()
    assert (rate["work_orders_with_link"], rate["visited"], rate["rate"]) == (2, 1, 0.5)
    assert rate["target"] == 0.6
    listed = (
        await world.call(
            "dispatcher", "GET", f"/api/v1/work-orders/{seen['id']}/portal-links", expect=200
        )
    ).json()
    assert listed["items"][0]["views"] == 3
    assert listed["items"][0]["last_visited_at"] is not None
    # Another tenant's rate knows nothing of these.
    theirs = (
        await other_world.call(
            "dispatcher",
            "GET",
            "/api/v1/portal-links/visit-rate",
            params={"start": start.isoformat(), "end": end.isoformat()},
            expect=200,
        )
    ).json()
    assert (theirs["work_orders_with_link"], theirs["rate"]) == (0, None)
    await world.call(
        "eng_a",
        "GET",
        "/api/v1/portal-links/visit-rate",
        params={"start": start.isoformat(), "end": end.isoformat()},
        expect=403,
    )


@pytest.mark.parametrize(
    ("accept", "override", "default", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "", "en", "zh-CN"),
        ("en-US,en;q=0.9", "", "zh-CN", "en"),
        ("fr-FR,fr;q=0.9,en;q=0.5", "", "zh-CN", "en"),
        ("fr-FR", "", "en", "en"),
        ("fr-FR", "", "zh-CN", "zh-CN"),
        ("en;q=0.2,zh-TW;q=0.8", "", "en", "zh-CN"),
        ("zh;q=0,en", "", "zh-CN", "en"),
        ("", "", "", "zh-CN"),
        ("en", "zh-CN", "en", "zh-CN"),
        ("zh", "xx", "en", "zh-CN"),
        ("en;q=abc,zh", "", "en", "zh-CN"),
    ],
)
def test_the_language_is_the_browsers_then_the_tenants(
    accept: str, override: str, default: str, expected: str
) -> None:
    assert (
        texts.choose_language(accept_language=accept, override=override, tenant_default=default)
        == expected
    )


def test_the_access_log_never_prints_a_token() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/p/fpt_AbC-d_e123?lang=en", "1.1", 200),
        None,
    )
    assert MaskPortalTokens().filter(record)
    assert "fpt_AbC" not in record.getMessage()
    assert "/p/fpt_…?lang=en" in record.getMessage()


async def test_the_pages_form_holds_a_message_to_the_apis_limits(world: World) -> None:
    """The form without the page's script: a message is sent and the page comes back; what the
    JSON route refuses (nothing, control characters, too long) is refused the same, nothing
    saved."""
    wo = await world.create_work_order()
    token = (await issue(world, wo["id"]))["token"]
    sent = await world.client.post(f"/p/{token}/messages", data={"body": "门口结霜很厚"})
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/p/{token}#messages"
    for body in ("", "   ", "bad\x00byte", "x" * 20_001):
        refused = await world.client.post(f"/p/{token}/messages", data={"body": body})
        assert refused.status_code == 422, body[:20]
        assert refused.json()["error"]["code"] == "validation_failed"
    listed = await world.call("dispatcher", "GET", f"/api/v1/work-orders/{wo['id']}/messages")
    assert [m["body"] for m in listed.json()["items"]] == ["门口结霜很厚"]
