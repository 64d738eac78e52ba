"""Portal links: dispatch roles make, list and revoke them; a link's token opens the portal
routes of its one work order and nothing else, until it is revoked or expires."""

import uuid
from datetime import datetime, timedelta
from typing import Any

from kernel.clock import utcnow
from kernel.statements import Statement
from tests.factories import World

EXPIRE = Statement("UPDATE portal_link SET expires_at = :now WHERE id = :id")


async def issue(world: World, wo: str, who: str = "dispatcher", expect: int = 201) -> Any:
    url = f"/api/v1/work-orders/{wo}/portal-links"
    body = {"contact_name": "Ms. Chen", "contact_phone": "+86 21 5555 0101", "valid_days": 7}
    return (await world.call(who, "POST", url, json=body, expect=expect)).json()


async def portal_get(world: World, token: str, expect: int = 200) -> Any:
    response = await world.client.get(
        "/api/v1/portal/work-order", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == expect, response.text
    return response.json()


async def test_a_dispatcher_sends_a_link_and_the_customer_follows_the_work_order(
    world: World,
) -> None:
    wo = await world.create_work_order(title="Blast freezer 3 alarms")
    issued = await issue(world, wo["id"])
    token, link = issued["token"], issued["link"]
    assert token.startswith("fpt_")
    assert len(token) > 40
    assert (link["contact_name"], link["active"], link["revoked_at"]) == ("Ms. Chen", True, None)
    valid_for = datetime.fromisoformat(link["expires_at"]) - utcnow()
    assert timedelta(days=7) - timedelta(minutes=1) < valid_for <= timedelta(days=7)
    shown = await portal_get(world, token)
    assert (shown["id"], shown["number"], shown["title"]) == (
        wo["id"],
        wo["number"],
        "Blast freezer 3 alarms",
    )
    assert shown["status"] == "new"
    assert shown["uploads"] == []
    assert shown["uploads_left"] == 30
    assert shown["link_expires_at"] == link["expires_at"]
    # The dispatcher's list shows the link, never its token; the timeline records who sent it.
    listed = await world.call(
        "supervisor", "GET", f"/api/v1/work-orders/{wo['id']}/portal-links", expect=200
    )
    assert [item["id"] for item in listed.json()["items"]] == [link["id"]]
    assert token not in listed.text
    detail = await world.call("dispatcher", "GET", f"/api/v1/work-orders/{wo['id']}", expect=200)
    actions = [event["action"] for event in detail.json()["timeline"]]
    assert "portal_link_issued" in actions
    assert token not in detail.text


async def test_only_dispatch_roles_send_links(world: World) -> None:
    wo = await world.create_work_order()
    await world.transition(
        "dispatcher", wo["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    refused = await issue(world, wo["id"], who="eng_a", expect=403)
    assert refused["error"]["code"] == "forbidden"
    url = f"/api/v1/work-orders/{wo['id']}/portal-links"
    await world.call("eng_a", "GET", url, expect=403)


async def test_a_revoked_or_expired_link_stops_at_once(world: World) -> None:
    wo = await world.create_work_order()
    revoked, expired = await issue(world, wo["id"]), await issue(world, wo["id"])
    await portal_get(world, revoked["token"])
    url = f"/api/v1/portal-links/{revoked['link']['id']}/revoke"
    first = (await world.call("dispatcher", "POST", url, expect=200)).json()
    assert first["active"] is False
    assert first["revoked_at"] is not None
    again = (await world.call("dispatcher", "POST", url, expect=200)).json()
    assert again["revoked_at"] == first["revoked_at"]  # revoking twice changes nothing
    gone = await portal_get(world, revoked["token"], expect=401)
    assert gone["error"]["code"] == "token_invalid"
    assert "new one" in gone["error"]["message"]

    await world.client.app.state.services.db.execute(
        EXPIRE, now=utcnow() - timedelta(seconds=1), id=uuid.UUID(expired["link"]["id"])
    )
    late = await portal_get(world, expired["token"], expect=401)
    assert late["error"]["code"] == "token_expired"
    listed = await world.call(
        "dispatcher", "GET", f"/api/v1/work-orders/{wo['id']}/portal-links", expect=200
    )
    assert [item["active"] for item in listed.json()["items"]] == [False, False]


async def test_a_portal_token_and_a_staff_token_never_open_each_others_routes(
    world: World,
) -> None:
    wo = await world.create_work_order()
    portal = (await issue(world, wo["id"]))["token"]
    # The customer's token on staff routes, even those about the same work order.
    for method, url in [
        ("GET", f"/api/v1/work-orders/{wo['id']}"),
        ("GET", f"/api/v1/work-orders/{wo['id']}/evidence"),
        ("GET", "/api/v1/me"),
        ("POST", f"/api/v1/work-orders/{wo['id']}/portal-links"),
    ]:
        response = await world.client.request(
            method, url, headers={"Authorization": f"Bearer {portal}"}, json={}
        )
        assert response.status_code == 401, (url, response.text)
        assert response.json()["error"]["code"] == "token_invalid"
        assert "portal" in response.json()["error"]["message"]
    # A staff token (even an admin's) on the portal's routes.
    response = await world.call("admin", "GET", "/api/v1/portal/work-order")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "token_invalid"
    # No token, or a made-up one with the portal prefix.
    response = await world.client.get("/api/v1/portal/work-order")
    assert response.json()["error"]["code"] == "not_authenticated"
    fake = await portal_get(world, "fpt_" + "A" * 43, expect=401)
    assert fake["error"]["code"] == "token_invalid"


async def test_another_tenants_dispatcher_cannot_reach_the_work_orders_links(
    world: World, other_world: World
) -> None:
    wo = await world.create_work_order()
    link = (await issue(world, wo["id"]))["link"]
    missing = await issue(other_world, wo["id"], expect=404)
    assert missing["error"]["code"] == "not_found"
    await other_world.call(
        "admin", "GET", f"/api/v1/work-orders/{wo['id']}/portal-links", expect=404
    )
    await other_world.call("admin", "POST", f"/api/v1/portal-links/{link['id']}/revoke", expect=404)
    listed = await world.call(
        "dispatcher", "GET", f"/api/v1/work-orders/{wo['id']}/portal-links", expect=200
    )
    assert listed.json()["items"][0]["active"] is True
