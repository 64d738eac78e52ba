"""The caller of a token is remembered for a few seconds: a change made in this process counts
at once, one made in another process within ``caller_cache_seconds``."""

import asyncio
import uuid
from collections.abc import Callable

from litestar import Litestar

from accounts.callers import Caller, Callers
from mobile_contract.enums import Role
from tests.accounts.test_auth import bearer
from tests.factories import World, running

ENGINEER = Caller(role=Role.ENGINEER, display_name="Eng", team_ids=frozenset())


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_answer_is_kept_for_its_seconds_then_asked_again() -> None:
    clock = Clock()
    callers = Callers(seconds=5, clock=clock)
    tenant, user, session = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    callers.remember(tenant_id=tenant, user_id=user, session_id=session, caller=ENGINEER)
    clock.now += 4.9
    assert callers.get(tenant_id=tenant, user_id=user, session_id=session) == ENGINEER
    assert callers.get(tenant_id=tenant, user_id=user, session_id=uuid.uuid4()) is None
    clock.now += 0.1
    assert callers.get(tenant_id=tenant, user_id=user, session_id=session) is None


def test_forgetting_a_user_or_a_tenant_drops_only_theirs() -> None:
    callers = Callers(seconds=5, clock=Clock())
    tenant, other_tenant = uuid.uuid4(), uuid.uuid4()
    user, other_user = uuid.uuid4(), uuid.uuid4()
    sessions = [uuid.uuid4() for _ in range(3)]
    for who, session in ((user, sessions[0]), (user, sessions[1]), (other_user, sessions[2])):
        callers.remember(tenant_id=tenant, user_id=who, session_id=session, caller=ENGINEER)
    callers.remember(tenant_id=other_tenant, user_id=user, session_id=sessions[0], caller=ENGINEER)
    callers.forget_user(tenant_id=tenant, user_id=user)
    assert callers.get(tenant_id=tenant, user_id=user, session_id=sessions[0]) is None
    assert callers.get(tenant_id=tenant, user_id=user, session_id=sessions[1]) is None
    assert callers.get(tenant_id=tenant, user_id=other_user, session_id=sessions[2]) == ENGINEER
    assert callers.get(tenant_id=other_tenant, user_id=user, session_id=sessions[0]) == ENGINEER
    callers.forget_tenant(tenant)
    assert callers.get(tenant_id=tenant, user_id=other_user, session_id=sessions[2]) is None
    assert callers.get(tenant_id=other_tenant, user_id=user, session_id=sessions[0]) == ENGINEER


def test_a_full_memory_drops_the_stale_answers_first_and_never_grows_past_its_capacity() -> None:
    clock = Clock()
    callers = Callers(seconds=5, capacity=3, clock=clock)
    tenant = uuid.uuid4()
    old = [uuid.uuid4() for _ in range(2)]
    for user in old:
        callers.remember(tenant_id=tenant, user_id=user, session_id=user, caller=ENGINEER)
    clock.now += 3
    fresh = uuid.uuid4()
    callers.remember(tenant_id=tenant, user_id=fresh, session_id=fresh, caller=ENGINEER)
    clock.now += 3  # the first two are stale now, the third is not
    newest = uuid.uuid4()
    callers.remember(tenant_id=tenant, user_id=newest, session_id=newest, caller=ENGINEER)
    assert callers.get(tenant_id=tenant, user_id=fresh, session_id=fresh) == ENGINEER
    assert callers.get(tenant_id=tenant, user_id=newest, session_id=newest) == ENGINEER
    for _ in range(10):
        user = uuid.uuid4()
        callers.remember(tenant_id=tenant, user_id=user, session_id=user, caller=ENGINEER)
        assert len(callers._entries) <= 3


def test_zero_seconds_remembers_nothing() -> None:
    callers = Callers(seconds=0, clock=Clock())
    tenant, user = uuid.uuid4(), uuid.uuid4()
    callers.remember(tenant_id=tenant, user_id=user, session_id=user, caller=ENGINEER)
    assert callers.get(tenant_id=tenant, user_id=user, session_id=user) is None


async def test_a_logout_in_another_process_takes_effect_within_the_cache_seconds(
    world: World, another_app: Callable[..., Litestar]
) -> None:
    """Two apps on one database stand for two server processes."""
    tokens = await world.login("eng_a", device_id="phone")
    other = another_app(caller_cache_seconds=1)
    uncached = another_app(caller_cache_seconds=0)
    async with running(other) as elsewhere, running(uncached) as everywhere:
        headers = bearer(tokens["access_token"])
        assert (await elsewhere.get("/api/v1/me", headers=headers)).status_code == 200
        ended = await world.client.post("/api/v1/auth/logout", json={}, headers=headers)
        assert ended.status_code == 204
        # This process forgot at once; a process that asked a moment ago still knows the
        # caller for at most its cache seconds; one without a cache refuses at once.
        assert (await world.client.get("/api/v1/me", headers=headers)).status_code == 401
        assert (await everywhere.get("/api/v1/me", headers=headers)).status_code == 401
        assert (await elsewhere.get("/api/v1/me", headers=headers)).status_code == 200
        await asyncio.sleep(1.1)
        refused = await elsewhere.get("/api/v1/me", headers=headers)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "token_invalid"


async def test_new_teams_and_roles_reach_the_next_call_in_the_same_process(world: World) -> None:
    assert (await world.call("eng_a", "GET", "/api/v1/me", expect=200)).json()["teams"]
    await world.call(
        "admin",
        "PATCH",
        f"/api/v1/teams/{world.teams['team_a']}",
        json={"member_ids": []},
        expect=200,
    )
    await world.call(
        "admin",
        "PATCH",
        f"/api/v1/users/{world.users['eng_a']}",
        json={"role": "dispatcher"},
        expect=200,
    )
    me = (await world.call("eng_a", "GET", "/api/v1/me", expect=200)).json()
    assert me["teams"] == []
    assert me["role"] == "dispatcher"
    # The role the server acts on is the new one too: a dispatcher lists users.
    await world.call("eng_a", "GET", "/api/v1/users", expect=200)
