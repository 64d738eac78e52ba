"""Per-account login throttling (guesses spread over many addresses at one account) and one
on-call alert for a burst of failures across a tenant's accounts."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import msgspec
import pytest
from litestar import Litestar

from accounts import auth
from accounts.throttle import LoginPolicy, delay_after
from kernel.clock import utcnow
from push.alert_texts import render
from push.tables import Alert
from tests.factories import PASSWORD, World, running


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(auth, "utcnow", fake)
    return fake


async def attempt(
    world: World, username: str, password: str, address: str = "198.51.100.1", **kw: Any
) -> Any:
    client = kw.get("client", world.client)
    return await client.post(
        "/api/v1/auth/login",
        json={"tenant": world.slug, "username": username, "password": password, "device_id": "d"},
        headers={"X-Forwarded-For": address},
    )


def test_the_delay_doubles_after_five_failures_and_is_capped() -> None:
    policy = LoginPolicy()
    assert [delay_after(n, policy) for n in range(1, 5)] == [None] * 4
    seconds = [delay_after(n, policy).total_seconds() for n in range(5, 16)]  # type: ignore[union-attr]
    assert seconds == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]
    assert delay_after(10_000, policy) == timedelta(seconds=900)


async def test_guesses_at_one_account_wait_longer_and_longer(world: World, clock: Clock) -> None:
    # From ten addresses: the account counts, not the address.
    for n in range(5):
        response = await attempt(world, "eng_a", f"wrong-guess-{n}", f"203.0.113.{n}")
        assert response.status_code == 401, response.text
    for address in ("203.0.113.50", "203.0.113.51"):
        waiting = await attempt(world, "eng_a", PASSWORD, address)  # even the right one waits
        assert waiting.status_code == 429
        assert waiting.headers["Retry-After"] == "1"
        error = waiting.json()["error"]
        assert error["code"] == "rate_limited"
        assert error["details"] == {"reason": "login_delay", "retry_after_seconds": 1}
    clock.advance(1)
    assert (await attempt(world, "eng_a", "wrong-guess-5")).status_code == 401
    second = await attempt(world, "eng_a", "wrong-guess-6")
    assert second.status_code == 429
    assert second.headers["Retry-After"] == "2"
    clock.advance(2)
    assert (await attempt(world, "eng_a", "wrong-guess-7")).status_code == 401
    assert (await attempt(world, "eng_a", PASSWORD)).headers["Retry-After"] == "4"
    # Other accounts of the tenant are not slowed down.
    assert (await attempt(world, "eng_b", PASSWORD)).status_code == 200
    # Not a lock: after the delay the right password logs in and the count starts again.
    clock.advance(4)
    assert (await attempt(world, "eng_a", PASSWORD)).status_code == 200
    for n in range(5):
        assert (await attempt(world, "eng_a", f"again-and-{n}")).status_code == 401
    # The same account typed in capitals is the same account.
    assert (await attempt(world, "ENG_A", PASSWORD)).status_code == 429


async def test_an_unknown_account_is_throttled_alike(world: World, clock: Clock) -> None:
    """A delay must not tell which accounts exist."""
    del clock
    answers = []
    for name in ("eng_a2", "nobody_here"):
        codes = [(await attempt(world, name, f"guess-no-{n}")).status_code for n in range(6)]
        answers.append(codes)
    assert answers[0] == answers[1] == [401] * 5 + [429]


async def test_failures_are_forgotten_after_the_window(world: World, clock: Clock) -> None:
    for n in range(5):
        await attempt(world, "supervisor", f"guess-no-{n}")
    clock.advance(3600 + 1)
    assert (await attempt(world, "supervisor", "guess-again")).status_code == 401
    assert (await attempt(world, "supervisor", PASSWORD)).status_code == 200


async def test_a_burst_across_a_tenants_accounts_raises_one_alert(
    world: World, another_app: Callable[..., Litestar], clock: Clock
) -> None:
    del clock
    app = another_app(login_burst_failures=6, login_burst_window_seconds=300)
    async with running(app) as client:
        for n in range(12):  # two guesses each at six names, then more
            name = ("eng_a", "eng_a2", "eng_b", "dispatcher", "ghost", "supervisor")[n % 6]
            response = await attempt(world, name, f"spray-no-{n}", client=client)
            assert response.status_code == 401
        alerts = await Alert.select(Alert.kind, Alert.details, Alert.message).where(
            Alert.tenant == world.tenant_id
        )
    assert [alert["kind"] for alert in alerts] == ["login_burst"]
    details = (
        msgspec.json.decode(alerts[0]["details"])
        if isinstance(alerts[0]["details"], str)
        else alerts[0]["details"]
    )
    assert details["failures"] == 6
    assert details["accounts"] == 6
    assert "6 failed logins within 5 min across 6 account names" in render(
        "login_burst", details, "en"
    )
    assert "登录失败 6 次" in render("login_burst", details, "zh-CN")
