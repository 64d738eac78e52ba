"""Every class of bad input gets a clear 4xx with a stable code and the error envelope, never a
500, and a refused request leaves nothing half-applied."""

import json
import uuid
from collections.abc import Mapping
from typing import Any

import jwt
from litestar import Litestar

from server.settings import Settings
from tests.factories import World

WORK_ORDERS = "/api/v1/work-orders"


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    """Asserts the status, the envelope's exact shape and the code; returns the error body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["details"], dict)
    return error


def error_fields(error: Mapping[str, Any]) -> list[str]:
    return [item["field"] for item in error["details"]["errors"]]


async def work_order_count(world: World) -> int:
    response = await world.call("dispatcher", "GET", f"{WORK_ORDERS}?limit=200", expect=200)
    return len(response.json()["items"])


async def detail(world: World, work_order_id: str) -> dict[str, Any]:
    response = await world.call("dispatcher", "GET", f"{WORK_ORDERS}/{work_order_id}", expect=200)
    body: dict[str, Any] = response.json()
    return body


async def raw_post(world: World, who: str, url: str, content: bytes, content_type: str) -> Any:
    return await world.client.post(
        url, content=content, headers={**world.headers[who], "Content-Type": content_type}
    )


async def asgi_post_chunked(
    app: Litestar, path: str, headers: Mapping[str, str], chunks: list[bytes]
) -> tuple[int, bytes]:
    """POST with a streamed body and no Content-Length (the test client cannot stream)."""
    messages: list[dict[str, Any]] = [
        {"type": "http.request", "body": chunk, "more_body": True} for chunk in chunks
    ]
    messages.append({"type": "http.request", "body": b"", "more_body": False})
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
        "state": {},
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


# Malformed JSON ----------------------------------------------------------------------------


async def test_malformed_json_is_400_and_creates_nothing(world: World) -> None:
    bodies = [b'{"title": ', b'{"title": "x",}', b"hello", b"{'title': 'x'}", b'{"title": "\xff"}']
    for content in bodies:
        response = await raw_post(world, "dispatcher", WORK_ORDERS, content, "application/json")
        error_of(response, 400, "malformed_json")
    login = await world.client.post(
        "/api/v1/auth/login",
        content=b'{"tenant": "x"',
        headers={"Content-Type": "application/json"},
    )
    error_of(login, 400, "malformed_json")
    assert await work_order_count(world) == 0


# Wrong types, missing fields, unknown enum values, over-long strings ------------------------


async def test_wrong_types_name_the_field(world: World) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": 123}, "title"),
        ({"title": "ok", "tags": "not-a-list"}, "tags"),
        ({"title": "ok", "site_id": "not-a-uuid"}, "site_id"),
        ({"title": "ok", "team_id": 42}, "team_id"),
        ({"title": "ok", "description": None}, "description"),
    ]
    for body, field in cases:
        response = await world.call("dispatcher", "POST", WORK_ORDERS, json=body)
        error = error_of(response, 422, "validation_failed")
        assert error_fields(error) == [field], error
        assert field in error["message"]
    for body in ([], "a string", 17):
        response = await world.call("dispatcher", "POST", WORK_ORDERS, json=body)
        error_of(response, 422, "validation_failed")
    missing = await world.call("dispatcher", "POST", WORK_ORDERS, json={})
    error = error_of(missing, 422, "validation_failed")
    assert "title" in json.dumps(error["details"])
    assert await work_order_count(world) == 0


async def test_unknown_enum_values_are_refused(world: World) -> None:
    for field, value in (("priority", "P9"), ("type", "teleport"), ("channel", "pigeon")):
        response = await world.call(
            "dispatcher", "POST", WORK_ORDERS, json={"title": "ok", field: value}
        )
        error = error_of(response, 422, "validation_failed")
        assert error_fields(error) == [field]
    user = await world.call(
        "admin",
        "POST",
        "/api/v1/users",
        json={"username": "zed", "display_name": "Zed", "password": "long-enough", "role": "god"},
    )
    assert error_fields(error_of(user, 422, "validation_failed")) == ["role"]
    listing = await world.call("dispatcher", "GET", "/api/v1/users?role=god")
    assert error_fields(error_of(listing, 422, "validation_failed")) == ["role"]
    assert await work_order_count(world) == 0


async def test_over_long_strings_are_refused(world: World) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"title": "t" * 201}, "title"),
        ({"title": ""}, "title"),
        ({"title": "ok", "description": "d" * 20_001}, "description"),
        ({"title": "ok", "environment": "e" * 201}, "environment"),
        ({"title": "ok", "tags": ["x" * 61]}, "tags"),
        ({"title": "ok", "tags": [f"t{i}" for i in range(31)]}, "tags"),
    ]
    for body, field in cases:
        response = await world.call("dispatcher", "POST", WORK_ORDERS, json=body)
        error = error_of(response, 422, "validation_failed")
        assert any(f == field or f.startswith(f"{field}[") for f in error_fields(error)), error
    assert await work_order_count(world) == 0
    # The limits themselves are accepted.
    limit = await world.create_work_order(title="t" * 200, description="d" * 20_000)
    assert len(limit["title"]) == 200
    assert len(limit["description"]) == 20_000


async def test_over_long_strings_in_an_update_leave_the_work_order_unchanged(
    world: World,
) -> None:
    work_order = await world.create_work_order()
    before = await detail(world, work_order["id"])
    response = await world.call(
        "dispatcher",
        "PATCH",
        f"{WORK_ORDERS}/{work_order['id']}",
        json={"priority": "P0", "title": "t" * 201},
    )
    error_of(response, 422, "validation_failed")
    assert await detail(world, work_order["id"]) == before


# Body size cap ------------------------------------------------------------------------------


async def test_a_body_over_the_size_cap_is_413(world: World) -> None:
    too_big = json.dumps({"title": "big", "description": "d" * (70 * 1024)}).encode()
    assert len(too_big) > 64 * 1024
    response = await raw_post(world, "dispatcher", WORK_ORDERS, too_big, "application/json")
    error_of(response, 413, "payload_too_large")
    # A streamed body without Content-Length is capped too.
    headers = {**world.headers["dispatcher"], "Content-Type": "application/json"}
    chunks = [too_big[i : i + 4096] for i in range(0, len(too_big), 4096)]
    status, body = await asgi_post_chunked(world.client.app, WORK_ORDERS, headers, chunks)
    assert status == 413
    assert json.loads(body)["error"]["code"] == "payload_too_large"
    # Also before authentication: a public route refuses it the same way.
    login = await world.client.post(
        "/api/v1/auth/login", content=too_big, headers={"Content-Type": "application/json"}
    )
    error_of(login, 413, "payload_too_large")
    assert await work_order_count(world) == 0


# Unknown ids and other tenants' ids -----------------------------------------------------------


async def test_unknown_ids_are_404(world: World) -> None:
    missing = uuid.uuid4()
    for url in (
        f"{WORK_ORDERS}/{missing}",
        f"{WORK_ORDERS}/{missing}/notes",
        f"{WORK_ORDERS}/{missing}/checklist",
        f"/api/v1/users/{missing}",
        f"/api/v1/teams/{missing}",
        f"/api/v1/customers/{missing}",
        f"/api/v1/sites/{missing}",
        f"/api/v1/assets/{missing}",
    ):
        response = await world.call("admin", "GET", url)
        error = error_of(response, 404, "not_found")
        assert error["details"]["id"] == str(missing), url
    transition = await world.transition("dispatcher", str(missing), "cancelled", expect=404)
    error_of(transition, 404, "not_found")
    # A path id that is not a UUID matches no route.
    error_of(await world.call("admin", "GET", f"{WORK_ORDERS}/not-a-uuid"), 404, "route_not_found")


async def test_unknown_references_in_a_body_are_422_and_create_nothing(world: World) -> None:
    for field in ("site_id", "asset_id", "customer_id", "team_id"):
        response = await world.call(
            "dispatcher", "POST", WORK_ORDERS, json={"title": "ok", field: str(uuid.uuid4())}
        )
        assert error_of(response, 422, "invalid_reference")["details"]["field"] == field
    assert await work_order_count(world) == 0
    # Nothing was consumed either: the first real work order gets the first number.
    first = await world.create_work_order()
    assert first["number"].endswith("-000001"), first["number"]


async def test_another_tenants_ids_are_404_and_untouched(world: World, other_world: World) -> None:
    theirs = await other_world.create_work_order()
    before = await detail(other_world, theirs["id"])
    url = f"{WORK_ORDERS}/{theirs['id']}"
    error_of(await world.call("admin", "GET", url), 404, "not_found")
    error_of(
        await world.call("dispatcher", "PATCH", url, json={"title": "hijacked"}), 404, "not_found"
    )
    error_of(
        await world.transition(
            "dispatcher",
            theirs["id"],
            "cancelled",
            expect=404,
            reason="not yours",
        ),
        404,
        "not_found",
    )
    error_of(
        await world.call("dispatcher", "POST", f"{url}/notes", json={"body": "hello"}),
        404,
        "not_found",
    )
    for path in (
        f"/api/v1/users/{other_world.users['eng_a']}",
        f"/api/v1/teams/{other_world.teams['team_a']}",
        f"/api/v1/customers/{other_world.customer_id}",
        f"/api/v1/sites/{other_world.site_id}",
        f"/api/v1/assets/{other_world.asset_id}",
    ):
        error_of(await world.call("admin", "GET", path), 404, "not_found")
    # Their directory ids cannot be referenced from this tenant either.
    for field, value in (
        ("site_id", other_world.site_id),
        ("asset_id", other_world.asset_id),
        ("customer_id", other_world.customer_id),
        ("team_id", other_world.teams["team_a"]),
    ):
        response = await world.call(
            "dispatcher", "POST", WORK_ORDERS, json={"title": "ok", field: str(value)}
        )
        error_of(response, 422, "invalid_reference")
    assigned = await world.call(
        "admin",
        "PATCH",
        f"/api/v1/users/{world.users['eng_a']}",
        json={"team_ids": [str(other_world.teams["team_a"])]},
    )
    error_of(assigned, 422, "invalid_reference")
    assert await work_order_count(world) == 0
    assert await detail(other_world, theirs["id"]) == before
    me = await world.call("admin", "GET", f"/api/v1/users/{world.users['eng_a']}", expect=200)
    assert me.json()["team_ids"] == [str(world.teams["team_a"])]


# Tokens -------------------------------------------------------------------------------------


async def test_expired_and_forged_tokens_are_401(world: World, settings: Settings) -> None:
    real = world.headers["dispatcher"]["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(real, options={"verify_signature": False})
    past = {**claims, "iat": claims["iat"] - 7200, "exp": claims["iat"] - 3600}
    expired = jwt.encode(past, settings.signing_key(), algorithm="HS256")
    response = await world.client.post(
        WORK_ORDERS, json={"title": "ok"}, headers={"Authorization": f"Bearer {expired}"}
    )
    error_of(response, 401, "token_expired")
    forged = jwt.encode(claims, "wrong-key-" + "k" * 40, algorithm="HS256")
    forged_expired = jwt.encode(past, "wrong-key-" + "k" * 40, algorithm="HS256")
    for token in (forged, forged_expired, jwt.encode(claims, None, algorithm="none"), "x.y.z"):
        response = await world.client.post(
            WORK_ORDERS, json={"title": "ok"}, headers={"Authorization": f"Bearer {token}"}
        )
        error_of(response, 401, "token_invalid")
    no_token = await world.client.post(WORK_ORDERS, json={"title": "ok"})
    error_of(no_token, 401, "not_authenticated")
    assert await work_order_count(world) == 0


# Illegal transitions and refused edits --------------------------------------------------------


async def test_illegal_transitions_are_409_and_change_nothing(world: World) -> None:
    work_order = await world.create_work_order()
    wo = work_order["id"]
    before = await detail(world, wo)
    response = await world.transition("dispatcher", wo, "resolved", expect=409)
    error = error_of(response, 409, "illegal_transition")
    assert error["details"]["current"] == "new"
    assert error["details"]["target"] == "resolved"
    assert error["details"]["allowed"] == ["assigned", "cancelled"]
    # The engineer may not assign; the allowed list is theirs (empty here).
    response = await world.transition(
        "eng_a", wo, "assigned", expect=409, assignee_id=str(world.users["eng_a"])
    )
    assert error_of(response, 409, "illegal_transition")["details"]["allowed"] == []
    # Missing requirements and stale versions are refused just as cleanly.
    error_of(
        await world.transition("dispatcher", wo, "assigned", expect=422), 422, "validation_failed"
    )
    error_of(
        await world.transition("dispatcher", wo, "cancelled", expect=422), 422, "validation_failed"
    )
    stale = await world.transition(
        "dispatcher",
        wo,
        "assigned",
        expect=409,
        assignee_id=str(world.users["eng_a"]),
        expected_version=before["work_order"]["version"] + 5,
    )
    error_of(stale, 409, "version_conflict")
    unknown_target = await world.transition("dispatcher", wo, "teleported", expect=422)
    assert error_fields(error_of(unknown_target, 422, "validation_failed")) == ["target"]
    # A refused engineer edit changes nothing either.
    edit = await world.call("eng_a", "PATCH", f"{WORK_ORDERS}/{wo}", json={"title": "mine now"})
    error_of(edit, 403, "field_not_editable")

    after = await detail(world, wo)
    assert after["work_order"]["version"] == before["work_order"]["version"]
    assert after["work_order"]["status"] == "new"
    assert after["timeline"] == before["timeline"]
    assert after == before


# Routing --------------------------------------------------------------------------------------


async def test_unknown_routes_and_wrong_methods(world: World) -> None:
    for url in ("/api/v1/nothing-here", "/api/v2/work-orders", "/nope"):
        error_of(await world.call("dispatcher", "GET", url), 404, "route_not_found")
        # Without a token too: no 500 and no auth noise for a route that does not exist.
        error_of(await world.client.get(url), 404, "route_not_found")
    for method, url in (
        ("DELETE", WORK_ORDERS),
        ("PUT", "/api/v1/me"),
        ("GET", "/api/v1/auth/login"),
        ("DELETE", f"{WORK_ORDERS}/{uuid.uuid4()}"),
    ):
        error_of(await world.call("dispatcher", method, url), 405, "method_not_allowed")


async def test_a_non_json_body_is_refused_with_a_4xx(world: World) -> None:
    for content, content_type in (
        (b"title=Freezer+warm", "application/x-www-form-urlencoded"),
        (b"<workOrder><title>x</title></workOrder>", "application/xml"),
    ):
        response = await raw_post(world, "dispatcher", WORK_ORDERS, content, content_type)
        code = response.json()["error"]["code"]
        assert (response.status_code, code) in {
            (400, "malformed_json"),
            (415, "unsupported_media_type"),
        }, response.text
        error_of(response, response.status_code, code)
    assert await work_order_count(world) == 0


# Query parameters -----------------------------------------------------------------------------


async def test_bad_query_parameters_are_422(world: World) -> None:
    for query, field in (
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("limit=100000", "limit"),
        ("status=flying", "status"),
        ("priority=P7", "priority"),
        ("team_id=zzz", "team_id"),
        ("site_id=1", "site_id"),
        (f"q={'q' * 201}", "q"),
    ):
        response = await world.call("dispatcher", "GET", f"{WORK_ORDERS}?{query}")
        assert error_fields(error_of(response, 422, "validation_failed")) == [field], query
    cursor = await world.call("dispatcher", "GET", f"{WORK_ORDERS}?cursor=garbage")
    assert error_of(cursor, 422, "validation_failed")["details"]["field"] == "cursor"
    teams = await world.call("admin", "GET", "/api/v1/users?team_id=not-a-uuid")
    assert error_fields(error_of(teams, 422, "validation_failed")) == ["team_id"]


# Control characters -------------------------------------------------------------------------


async def test_a_nul_in_login_device_id_is_422_before_any_token(world: World) -> None:
    """PostgreSQL cannot store U+0000: refused by the contract on both databases, naming the
    field, instead of a 500 from the driver."""
    response = await world.client.post(
        "/api/v1/auth/login",
        json={
            "tenant": world.slug,
            "username": "admin",
            "password": "wrong-password",
            "device_id": "phone\x00",
        },
    )
    error = error_of(response, 422, "validation_failed")
    assert error_fields(error) == ["device_id"]
    assert "control characters" in error["details"]["errors"][0]["message"]
    search = await world.call("dispatcher", "GET", f"{WORK_ORDERS}?q=%00")
    assert error_fields(error_of(search, 422, "validation_failed")) == ["q"]
