"""Login is throttled per client address: the guessable door cannot be hammered."""

from collections.abc import Callable

from litestar import Litestar

from tests.factories import World, running


async def test_login_attempts_beyond_the_limit_get_429_rate_limited(
    another_app: Callable[..., Litestar],
) -> None:
    limited = another_app(auth_rate_limit_per_minute=3)
    attempt = {
        "tenant": "nobody",
        "username": "nobody",
        "password": "wrong-password",
        "device_id": "d",
    }
    async with running(limited) as client:
        codes = [
            (await client.post("/api/v1/auth/login", json=attempt)).status_code for _ in range(3)
        ]
        blocked = await client.post("/api/v1/auth/login", json=attempt)
        health = await client.get("/health/live")
    assert codes == [401, 401, 401]
    assert blocked.status_code == 429
    assert blocked.json()["error"]["code"] == "rate_limited"
    assert health.status_code == 200  # other routes are not throttled


async def test_the_customer_portal_is_throttled_per_client_address(
    another_app: Callable[..., Litestar],
) -> None:
    limited = another_app(portal_rate_limit_per_minute=2)
    guess = {"Authorization": "Bearer fpt_" + "A" * 43}
    async with running(limited) as client:
        codes = [
            (await client.get("/api/v1/portal/work-order", headers=guess)).status_code
            for _ in range(3)
        ]
        staff = await client.get("/api/v1/me")
    assert codes == [401, 401, 429]
    assert staff.status_code == 401  # staff routes are not under the portal's limit


async def test_behind_a_proxy_the_audit_and_the_limit_agree_on_the_client(
    another_app: Callable[..., Litestar], world: World
) -> None:
    """With FIELDOPS_TRUST_FORWARDED_FOR the client is the address our proxy appended (the
    right-most entry): what the client itself puts in front neither changes the audited
    address nor escapes the login limit."""
    behind_proxy = another_app(trust_forwarded_for=True, auth_rate_limit_per_minute=3)

    def via_proxy(claimed: str, real: str) -> dict[str, str]:
        return {"X-Forwarded-For": f"{claimed}, {real}"}

    async with running(behind_proxy) as client:
        created = await client.post(
            "/api/v1/work-orders",
            json={"title": "Audited", "team_id": str(world.teams["team_a"])},
            headers={**world.headers["dispatcher"], **via_proxy("10.9.9.9", "203.0.113.7")},
        )
        attempt = {"tenant": "nobody", "password": "wrong-password", "device_id": "d"}
        codes = [
            (
                await client.post(
                    "/api/v1/auth/login",
                    json={**attempt, "username": f"user{n}"},
                    headers=via_proxy(f"10.0.0.{n}", "203.0.113.7"),  # a new lie each time
                )
            ).status_code
            for n in range(4)
        ]
        other_client = await client.post(
            "/api/v1/auth/login",
            json={**attempt, "username": "user9"},
            headers=via_proxy("10.0.0.1", "203.0.113.8"),
        )
    assert created.status_code == 201, created.text
    assert created.json()["work_order"]["metadata"]["ip"] == "203.0.113.7"
    assert codes == [401, 401, 401, 429]
    assert other_client.status_code == 401  # another real client has its own budget
