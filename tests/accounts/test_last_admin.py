"""A tenant keeps at least one active admin: the API alone can always manage its users."""

from tests.factories import PASSWORD, World


async def test_the_last_active_admin_may_not_demote_or_deactivate_itself(world: World) -> None:
    url = f"/api/v1/users/{world.users['admin']}"
    for change in ({"role": "dispatcher"}, {"is_active": False}, {"role": "engineer"}):
        response = await world.call("admin", "PATCH", url, json=change, expect=409)
        error = response.json()["error"]
        assert error["code"] == "last_admin"
        assert "last active admin" in error["message"]
    me = (await world.call("admin", "GET", "/api/v1/me", expect=200)).json()
    assert me["role"] == "admin"
    # Harmless changes to the last admin go through.
    await world.call(
        "admin", "PATCH", url, json={"display_name": "Chief", "role": "admin"}, expect=200
    )


async def test_another_admin_may_step_down_but_not_the_last_one(world: World) -> None:
    second = await world.call(
        "admin",
        "POST",
        "/api/v1/users",
        json={
            "username": "admin2",
            "display_name": "Second",
            "password": PASSWORD,
            "role": "admin",
        },
        expect=201,
    )
    second_id = second.json()["id"]
    # Two active admins: the first may be demoted by the second ...
    tokens = await world.login("admin2")
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    demoted = await world.client.patch(
        f"/api/v1/users/{world.users['admin']}", json={"role": "supervisor"}, headers=headers
    )
    assert demoted.status_code == 200, demoted.text
    # ... and now the second is the last: neither it nor anyone may remove it.
    for change in ({"is_active": False}, {"role": "dispatcher"}):
        refused = await world.client.patch(
            f"/api/v1/users/{second_id}", json=change, headers=headers
        )
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["code"] == "last_admin"


async def test_an_inactive_admin_does_not_count(world: World) -> None:
    second = await world.call(
        "admin",
        "POST",
        "/api/v1/users",
        json={"username": "admin3", "display_name": "Third", "password": PASSWORD, "role": "admin"},
        expect=201,
    )
    url = f"/api/v1/users/{second.json()['id']}"
    await world.call("admin", "PATCH", url, json={"is_active": False}, expect=200)
    own = f"/api/v1/users/{world.users['admin']}"
    await world.call("admin", "PATCH", own, json={"role": "dispatcher"}, expect=409)
