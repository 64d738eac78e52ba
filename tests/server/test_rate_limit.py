"""Login is throttled per client address: the guessable door cannot be hammered."""

from collections.abc import Iterator

import pytest
from litestar import Litestar

from server.app import create_app
from server.settings import Settings
from server.tables import ALL_TABLES
from tests.factories import running


@pytest.fixture
def rebind_session_app(app: Litestar) -> Iterator[None]:
    """A second app binds the (global) Piccolo tables to its engine; give them back."""
    yield
    app.state.services.db.bind(ALL_TABLES)


async def test_login_attempts_beyond_the_limit_get_429_rate_limited(
    settings: Settings, rebind_session_app: None
) -> None:
    limited = create_app(
        Settings(
            dev_mode=True,
            database_url=settings.database_url,
            secret_key=settings.secret_key,
            var_dir=settings.var_dir,
            auth_rate_limit_per_minute=3,
        )
    )
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
