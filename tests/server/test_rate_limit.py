"""Login is throttled per client address: the guessable door cannot be hammered."""

from collections.abc import Callable

from litestar import Litestar

from tests.factories import running


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
