"""Contract and app versions: named on every answer; too old or foreign clients get 426."""

from collections.abc import Callable

from litestar import Litestar

from mobile_contract import CONTRACT_VERSION
from server.versioning import version_key
from tests.factories import World, running


def test_version_keys_compare_numerically() -> None:
    assert version_key("2.10.1-beta") == (2, 10, 1)
    assert version_key("v1.2") == (1, 2)
    assert version_key("2.10") > version_key("2.9")  # type: ignore[operator]
    assert version_key("nightly") is None


async def test_every_answer_names_the_contract_version(world: World) -> None:
    response = await world.call("dispatcher", "GET", "/api/v1/me", expect=200)
    assert response.headers["x-contract-version"] == CONTRACT_VERSION
    error = await world.call("dispatcher", "GET", "/api/v1/nowhere", expect=404)
    assert error.headers["x-contract-version"] == CONTRACT_VERSION


async def test_a_client_on_another_contract_major_must_upgrade(world: World) -> None:
    major = int(CONTRACT_VERSION.split(".")[0])
    same = await world.call(
        "dispatcher", "GET", "/api/v1/me", headers={"X-Contract-Version": f"{major}.0"}
    )
    assert same.status_code == 200
    other = await world.call(
        "dispatcher",
        "GET",
        "/api/v1/me",
        headers={"X-Contract-Version": f"{major + 1}.0"},
        expect=426,
    )
    assert other.json()["error"]["code"] == "upgrade_required"
    assert other.json()["error"]["details"]["contract_version"] == CONTRACT_VERSION


async def test_apps_older_than_the_minimum_must_upgrade(
    another_app: Callable[..., Litestar],
) -> None:
    async with running(another_app(min_app_version="2.4.0")) as client:
        old = await client.get("/health/live", headers={"X-App-Version": "2.3.9"})
        current = await client.get("/health/live", headers={"X-App-Version": "fieldapp/2.4.0"})
        unknown = await client.get("/health/live")
    assert old.status_code == 426
    assert old.json()["error"]["details"] == {"min_app_version": "2.4.0", "app_version": "2.3.9"}
    assert (current.status_code, unknown.status_code) == (200, 200)
