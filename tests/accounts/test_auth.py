"""Login, refresh rotation with reuse detection, logout, token checks and session revocation."""

import uuid
from datetime import timedelta
from typing import Any

import jwt
from litestar import Litestar
from litestar.testing import AsyncTestClient

from accounts.tokens import TokenConfig, issue_access_token
from kernel.clock import utcnow
from server.settings import Settings
from tests.factories import PASSWORD, World

Client = AsyncTestClient[Litestar]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def error_of(response: Any) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    error: dict[str, Any] = body["error"]
    return error


async def login(
    client: Client, tenant: str, username: str, password: str, device_id: str = "dev-1"
) -> Any:
    return await client.post(
        "/api/v1/auth/login",
        json={
            "tenant": tenant,
            "username": username,
            "password": password,
            "device_id": device_id,
        },
    )


async def refresh(client: Client, refresh_token: str, device_id: str = "dev-1") -> Any:
    return await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": refresh_token, "device_id": device_id}
    )


async def me_status(client: Client, access_token: str) -> tuple[int, str | None]:
    response = await client.get("/api/v1/me", headers=bearer(access_token))
    code = None if response.status_code == 200 else error_of(response)["code"]
    return response.status_code, code


def session_of(access_token: str) -> uuid.UUID:
    claims = jwt.decode(access_token, options={"verify_signature": False})
    return uuid.UUID(claims["sid"])


# Login -------------------------------------------------------------------------------------


async def test_login_returns_an_access_and_a_refresh_token(world: World) -> None:
    response = await login(world.client, world.slug, "eng_a", PASSWORD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["access_token"]
    assert body["refresh_token"]
    assert body["access_token"] != body["refresh_token"]
    assert body["expires_in"] > 0
    assert body["refresh_expires_in"] > body["expires_in"]
    assert await me_status(world.client, body["access_token"]) == (200, None)


async def test_every_failed_login_gives_the_same_answer(
    world: World, other_world: World, client: Client
) -> None:
    await world.call(
        "admin",
        "PATCH",
        f"/api/v1/users/{world.users['eng_b']}",
        json={"is_active": False},
        expect=200,
    )
    attempts = {
        "wrong password": (world.slug, "eng_a", "not-the-password"),
        "unknown user": (world.slug, "nobody", PASSWORD),
        "unknown tenant": (f"no-such-{uuid.uuid4().hex[:8]}", "eng_a", PASSWORD),
        "user of another tenant": (world.slug, "ghost_user", PASSWORD),
        "disabled user": (world.slug, "eng_b", PASSWORD),
    }
    # A user that exists only in the other tenant is unknown here.
    await other_world.call(
        "admin",
        "POST",
        "/api/v1/users",
        json={
            "username": "ghost_user",
            "display_name": "Ghost",
            "password": PASSWORD,
            "role": "engineer",
        },
        expect=201,
    )
    answers = set()
    for label, (tenant, username, password) in attempts.items():
        response = await login(client, tenant, username, password)
        assert response.status_code == 401, f"{label}: {response.text}"
        error = error_of(response)
        assert error["code"] == "invalid_credentials", label
        answers.add((error["message"], repr(error["details"])))
    assert len(answers) == 1, answers


# Refresh rotation --------------------------------------------------------------------------


async def test_refresh_rotates_and_a_replayed_token_revokes_the_whole_session(
    world: World,
) -> None:
    client = world.client
    first = (await login(client, world.slug, "eng_a", PASSWORD)).json()
    second_response = await refresh(client, first["refresh_token"])
    assert second_response.status_code == 200, second_response.text
    second = second_response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert session_of(second["access_token"]) == session_of(first["access_token"])
    # The newest refresh token works and keeps rotating.
    third_response = await refresh(client, second["refresh_token"])
    assert third_response.status_code == 200, third_response.text
    third = third_response.json()
    assert await me_status(client, third["access_token"]) == (200, None)

    # Replaying a spent token: refused, and the whole session ends.
    replay = await refresh(client, first["refresh_token"])
    assert replay.status_code == 401
    assert error_of(replay)["code"] == "refresh_token_reused"

    newest = await refresh(client, third["refresh_token"])
    assert newest.status_code == 401
    assert error_of(newest)["code"] in {"refresh_token_invalid", "refresh_token_reused"}
    assert await me_status(client, third["access_token"]) == (401, "token_invalid")
    assert await me_status(client, first["access_token"]) == (401, "token_invalid")
    # Other sessions of the user are untouched.
    assert (await world.call("eng_a", "GET", "/api/v1/me")).status_code == 200


async def test_refresh_from_another_device_is_refused_and_ends_the_session(world: World) -> None:
    client = world.client
    tokens = (await login(client, world.slug, "eng_a", PASSWORD, device_id="phone-1")).json()
    stolen = await refresh(client, tokens["refresh_token"], device_id="attacker-laptop")
    assert stolen.status_code == 401
    assert error_of(stolen)["code"] in {"refresh_token_reused", "refresh_token_invalid"}
    # The rightful device cannot continue the session either: it was revoked.
    rightful = await refresh(client, tokens["refresh_token"], device_id="phone-1")
    assert rightful.status_code == 401
    assert error_of(rightful)["code"] in {"refresh_token_invalid", "refresh_token_reused"}
    assert await me_status(client, tokens["access_token"]) == (401, "token_invalid")


async def test_an_unknown_refresh_token_is_refused(client: Client) -> None:
    response = await refresh(client, "not-a-token-we-issued")
    assert response.status_code == 401
    assert error_of(response)["code"] == "refresh_token_invalid"


# Logout ------------------------------------------------------------------------------------


async def test_logout_ends_only_that_session(world: World) -> None:
    client = world.client
    phone = (await login(client, world.slug, "eng_a", PASSWORD, device_id="phone")).json()
    tablet = (await login(client, world.slug, "eng_a", PASSWORD, device_id="tablet")).json()
    response = await client.post(
        "/api/v1/auth/logout", json={}, headers=bearer(phone["access_token"])
    )
    assert response.status_code == 204, response.text
    assert await me_status(client, phone["access_token"]) == (401, "token_invalid")
    assert (await refresh(client, phone["refresh_token"], "phone")).status_code == 401
    # The same user's other session keeps working, including its refresh token.
    assert await me_status(client, tablet["access_token"]) == (200, None)
    assert (await refresh(client, tablet["refresh_token"], "tablet")).status_code == 200


async def test_logout_all_devices_ends_every_session_of_the_user(world: World) -> None:
    client = world.client
    phone = (await login(client, world.slug, "eng_a", PASSWORD, device_id="phone")).json()
    tablet = (await login(client, world.slug, "eng_a", PASSWORD, device_id="tablet")).json()
    response = await client.post(
        "/api/v1/auth/logout",
        json={"all_devices": True},
        headers=bearer(phone["access_token"]),
    )
    assert response.status_code == 204, response.text
    for tokens, device in ((phone, "phone"), (tablet, "tablet")):
        assert await me_status(client, tokens["access_token"]) == (401, "token_invalid")
        assert (await refresh(client, tokens["refresh_token"], device)).status_code == 401
    # The factory's session of eng_a is gone too; other users are untouched.
    assert (await world.call("eng_a", "GET", "/api/v1/me")).status_code == 401
    assert (await world.call("eng_a2", "GET", "/api/v1/me")).status_code == 200


# Access token checks -----------------------------------------------------------------------


async def test_an_expired_access_token_is_refused_as_expired(
    world: World, settings: Settings
) -> None:
    tokens = await world.login("eng_a")
    config = TokenConfig(
        signing_key=settings.signing_key(),
        access_ttl_seconds=settings.access_token_ttl_seconds,
        refresh_ttl_seconds=settings.refresh_token_ttl_seconds,
    )
    expired = issue_access_token(
        config=config,
        user_id=world.users["eng_a"],
        tenant_id=world.tenant_id,
        session_id=session_of(tokens["access_token"]),  # a live session
        now=utcnow() - timedelta(seconds=settings.access_token_ttl_seconds + 60),
    )
    assert await me_status(world.client, expired) == (401, "token_expired")
    # The same claims, freshly issued, are accepted: only the expiry differs.
    fresh = issue_access_token(
        config=config,
        user_id=world.users["eng_a"],
        tenant_id=world.tenant_id,
        session_id=session_of(tokens["access_token"]),
        now=utcnow(),
    )
    assert await me_status(world.client, fresh) == (200, None)


async def test_forged_access_tokens_are_refused(world: World) -> None:
    real = (await world.login("eng_a"))["access_token"]
    claims = jwt.decode(real, options={"verify_signature": False})
    forged = {
        "other key": jwt.encode(claims, "another-key-" + "x" * 40, algorithm="HS256"),
        "alg none": jwt.encode(claims, None, algorithm="none"),
        "garbage": "this.is.garbage",
        "not a jwt": "abc",
        "tampered claims": jwt.encode(
            {**claims, "sub": str(world.users["admin"])}, "guess-" + "y" * 40, algorithm="HS256"
        ),
        "refresh as access": (await world.login("eng_a"))["refresh_token"],
    }
    for label, token in forged.items():
        assert await me_status(world.client, token) == (401, "token_invalid"), label
    assert await me_status(world.client, real) == (200, None)


async def test_missing_or_malformed_authorization_is_not_authenticated(client: Client) -> None:
    variants: list[dict[str, str]] = [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer    "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Token abc.def.ghi"},
    ]
    for headers in variants:
        response = await client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401, headers
        assert error_of(response)["code"] == "not_authenticated", headers


# Identity ----------------------------------------------------------------------------------


async def test_me_returns_the_user_and_their_teams(world: World) -> None:
    body = (await world.call("eng_a", "GET", "/api/v1/me", expect=200)).json()
    assert body["id"] == str(world.users["eng_a"])
    assert body["tenant_id"] == str(world.tenant_id)
    assert body["tenant"] == world.slug
    assert body["username"] == "eng_a"
    assert body["display_name"] == "Eng A"
    assert body["role"] == "engineer"
    assert body["teams"] == [{"id": str(world.teams["team_a"]), "name": "team_a"}]
    dispatcher = (await world.call("dispatcher", "GET", "/api/v1/me", expect=200)).json()
    assert dispatcher["role"] == "dispatcher"
    assert dispatcher["teams"] == []


# Revocation by an administrator -------------------------------------------------------------


async def test_disabling_a_user_revokes_their_sessions(world: World) -> None:
    client = world.client
    tokens = await world.login("eng_a", device_id="phone")
    response = await world.call(
        "admin",
        "PATCH",
        f"/api/v1/users/{world.users['eng_a']}",
        json={"is_active": False},
        expect=200,
    )
    assert response.json()["is_active"] is False
    assert await me_status(client, tokens["access_token"]) == (401, "token_invalid")
    assert (await world.call("eng_a", "GET", "/api/v1/me")).status_code == 401
    assert (await refresh(client, tokens["refresh_token"], "phone")).status_code == 401
    login_again = await login(client, world.slug, "eng_a", PASSWORD)
    assert error_of(login_again)["code"] == "invalid_credentials"
    # Re-enabling lets them log in again, but the old sessions stay dead.
    await world.call(
        "admin",
        "PATCH",
        f"/api/v1/users/{world.users['eng_a']}",
        json={"is_active": True},
        expect=200,
    )
    assert (await login(client, world.slug, "eng_a", PASSWORD)).status_code == 200
    assert await me_status(client, tokens["access_token"]) == (401, "token_invalid")
    assert (await world.call("eng_a2", "GET", "/api/v1/me")).status_code == 200


async def test_a_password_change_revokes_sessions(world: World) -> None:
    client = world.client
    tokens = await world.login("eng_a", device_id="phone")
    await world.call(
        "admin",
        "PATCH",
        f"/api/v1/users/{world.users['eng_a']}",
        json={"password": "a-brand-new-password"},
        expect=200,
    )
    assert await me_status(client, tokens["access_token"]) == (401, "token_invalid")
    assert (await refresh(client, tokens["refresh_token"], "phone")).status_code == 401
    old = await login(client, world.slug, "eng_a", PASSWORD)
    assert old.status_code == 401
    assert error_of(old)["code"] == "invalid_credentials"
    new = await login(client, world.slug, "eng_a", "a-brand-new-password")
    assert new.status_code == 200, new.text
    assert await me_status(client, new.json()["access_token"]) == (200, None)
