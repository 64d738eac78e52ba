"""Business calendars and SLA policies through the API: saved and read back, refused when they
cannot work (naming the part, nothing saved), scoped to the tenant and its editors; and the
precedence the clocks resolve a work order's policy by."""

from datetime import date
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest

from mobile_contract import sla as contract
from mobile_contract.enums import CustomerTier, Priority
from sla import standard
from sla.policies import check_policy, policy_for, to_calendar
from tests.factories import World

CALENDARS = "/api/v1/sla/calendars"
POLICIES = "/api/v1/sla/policies"
LUNCH_BREAK = [{"start": 540, "end": 720}, {"start": 780, "end": 1080}]  # 09-12, 13-18


def office(**fields: Any) -> dict[str, Any]:
    """Mon-Fri 09:00-12:00 and 13:00-18:00 in Shanghai, National Day off, a Sunday worked."""
    return {
        "name": "Office / 办公时间",
        "timezone": "Asia/Shanghai",
        "week": [LUNCH_BREAK] * 5 + [[], []],
        "holidays": ["2026-10-01"],
        "working_days": ["2026-09-27"],
        "makeup_weekday": 0,
        **fields,
    }


def policy(priority: str = "P0", **fields: Any) -> dict[str, Any]:
    return {
        "name": f"{priority} gold",
        "priority": priority,
        "response_seconds": 600,
        "arrival_seconds": 3600,
        "resolution_seconds": 4 * 3600,
        "warn_at_percent": [50, 90],
        "escalation": [
            {"after_seconds": 600, "recipients": [{"kind": "supervisors"}], "strong": True}
        ],
        **fields,
    }


async def save_calendar(world: World, **fields: Any) -> dict[str, Any]:
    made = await world.call("admin", "POST", CALENDARS, json=office(**fields), expect=201)
    body: dict[str, Any] = made.json()
    return body


async def save_policy(world: World, priority: str = "P0", **fields: Any) -> dict[str, Any]:
    made = await world.call("admin", "POST", POLICIES, json=policy(priority, **fields), expect=201)
    body: dict[str, Any] = made.json()
    return body


async def listed(world: World, url: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await world.call("dispatcher", "GET", url, expect=200)).json()[
        "items"
    ]
    return items


def error(response: Any, code: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    found: dict[str, Any] = response.json()["error"]
    assert found["code"] == code, found
    return found


# Calendars -------------------------------------------------------------------------------------


async def test_a_calendar_is_saved_and_read_back(world: World) -> None:
    made = await save_calendar(world)
    assert made["week"] == [LUNCH_BREAK] * 5 + [[], []]
    assert (made["holidays"], made["working_days"]) == (["2026-10-01"], ["2026-09-27"])
    shown = await world.call("dispatcher", "GET", f"{CALENDARS}/{made['id']}", expect=200)
    assert shown.json() == made
    assert await listed(world, CALENDARS) == [made]
    changed = await world.call(
        "supervisor",
        "PUT",
        f"{CALENDARS}/{made['id']}",
        json=office(name="Office 2", holidays=["2026-10-02", "2026-10-01", "2026-10-02"]),
        expect=200,
    )
    assert changed.json()["name"] == "Office 2"
    assert changed.json()["holidays"] == ["2026-10-01", "2026-10-02"]  # sorted, once each
    assert changed.json()["created_at"] == made["created_at"]
    converted = to_calendar(msgspec.convert(office(), contract.CalendarIn))
    assert converted.hours[0] == ((540, 720), (780, 1080))
    assert converted.hours[5] == ()
    assert converted.holidays == frozenset({date(2026, 10, 1)})
    assert converted.working_days == frozenset({date(2026, 9, 27)})


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"week": [[{"start": 540, "end": 720}, {"start": 700, "end": 1080}]] * 7}, "week[0]"),
        ({"week": [LUNCH_BREAK] * 2 + [[{"start": 1080, "end": 540}]] + [[]] * 4}, "week[2]"),
        (
            {
                "week": [LUNCH_BREAK] * 4
                + [[{"start": 780, "end": 1080}, LUNCH_BREAK[0]]]
                + [[], []]
            },
            "week[4]",
        ),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ({"holidays": ["2026-10-01"], "working_days": ["2026-10-01"]}, "holidays"),
        ({"week": [[]] * 7}, "week"),
    ],
    ids=["overlap", "inverted", "out of order", "timezone", "holiday worked", "never runs"],
)
async def test_a_calendar_that_cannot_work_is_refused_naming_the_part(
    world: World, fields: dict[str, Any], path: str
) -> None:
    refused = await world.call("admin", "POST", CALENDARS, json=office(**fields))
    assert error(refused, "config_invalid")["details"]["path"] == path
    assert await listed(world, CALENDARS) == []
    made = await save_calendar(world)
    again = await world.call("admin", "PUT", f"{CALENDARS}/{made['id']}", json=office(**fields))
    assert error(again, "config_invalid")["details"]["path"] == path
    assert await listed(world, CALENDARS) == [made]


async def test_unknown_fields_are_refused_not_ignored(world: World) -> None:
    for url, body in (
        (CALENDARS, {**office(), "colour": "red"}),
        (CALENDARS, office(week=[[{"start": 540, "end": 600, "lunch": True}]] * 7)),
        (POLICIES, {**policy(), "reponse_seconds": 60}),
        (POLICIES, policy(escalation=[{"after_seconds": 60, "recipients": [], "loud": 1}])),
    ):
        error(await world.call("admin", "POST", url, json=body), "validation_failed")
    assert await listed(world, CALENDARS) == []
    assert all(item["id"] is None for item in await listed(world, POLICIES))


# Policies --------------------------------------------------------------------------------------


async def test_the_list_shows_the_standard_policies_at_first(world: World) -> None:
    items = await listed(world, POLICIES)
    assert [(item["priority"], item["id"], item["calendar_id"]) for item in items] == [
        (priority, None, None) for priority in ("P0", "P1", "P2", "P3")
    ]
    p0 = items[0]
    assert p0["name"] == "P0 critical / 紧急"
    assert (p0["response_seconds"], p0["arrival_seconds"], p0["resolution_seconds"]) == (
        900,
        7200,
        28800,
    )
    assert p0["warn_at_percent"] == [50, 80]
    assert [(s["after_seconds"], s["clock"], s["strong"]) for s in p0["escalation"]] == [
        (900, "response", True),
        (3600, "arrival", True),
    ]
    assert [r["kind"] for r in p0["escalation"][0]["recipients"]] == [
        "team_leads",
        "supervisors",
        "on_call",
    ]
    assert [(i["response_seconds"], i["resolution_seconds"]) for i in items[1:]] == [
        (3600, 86400),
        (14400, 259200),
        (86400, 864000),
    ]
    assert items[3]["escalation"] == []


def test_the_standard_policies_pass_their_own_checks() -> None:
    for priority in Priority:
        found = standard.policy(priority)
        assert found.priority is priority
        assert found.id is None
        check_policy(found)
    standard.policy(Priority.P0).escalation.clear()  # a copy: the next caller is unharmed
    assert len(standard.policy(Priority.P0).escalation) == 2


async def test_saved_policies_replace_the_standard_one_and_tiers_coexist(world: World) -> None:
    mine = await save_policy(world, "P0")
    assert mine["id"] is not None
    items = await listed(world, POLICIES)
    assert [(item["priority"], item["name"]) for item in items][:2] == [
        ("P0", "P0 gold"),
        ("P1", "P1 high / 高"),
    ]
    assert len(items) == 4
    strategic = await save_policy(world, "P0", name="P0 strategic", customer_tier="strategic")
    items = await listed(world, POLICIES)
    assert [(item["name"], item["customer_tier"]) for item in items][:2] == [
        ("P0 gold", None),
        ("P0 strategic", "strategic"),
    ]
    # A tier-specific policy alone leaves the standard policy for the other tiers.
    await save_policy(world, "P2", name="P2 premium", customer_tier="premium")
    names = [item["name"] for item in await listed(world, POLICIES)]
    assert names == [
        "P0 gold",
        "P0 strategic",
        "P1 high / 高",
        "P2 normal / 普通",
        "P2 premium",
        "P3 low / 低",
    ]
    twin = await world.call("admin", "POST", POLICIES, json=policy("P0", name="Twin"))
    assert "P0 gold" in error(twin, "config_invalid")["message"]
    assert error(twin, "config_invalid")["details"]["path"] == "priority"
    onto = await world.call(
        "admin", "PUT", f"{POLICIES}/{strategic['id']}", json=policy("P0", name="Onto")
    )
    assert error(onto, "config_invalid")["details"]["path"] == "priority"
    # Saving a policy onto its own priority and tier is no duplicate.
    renamed = await world.call(
        "supervisor", "PUT", f"{POLICIES}/{mine['id']}", json=policy("P0", name="P0 renamed")
    )
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["id"], renamed.json()["name"]) == (mine["id"], "P0 renamed")
    await world.call("admin", "DELETE", f"{POLICIES}/{mine['id']}", expect=204)
    assert (await listed(world, POLICIES))[0]["name"] == "P0 critical / 紧急"
    await world.call("admin", "POST", POLICIES, json=policy("P0", name="Twin"), expect=201)


@pytest.mark.parametrize(
    ("fields", "code", "path"),
    [
        ({"response_seconds": 0}, "validation_failed", None),
        ({"resolution_seconds": -60}, "validation_failed", None),
        ({"arrival_seconds": 300}, "config_invalid", "arrival_seconds"),
        ({"resolution_seconds": 1800}, "config_invalid", "resolution_seconds"),
        ({"warn_at_percent": [50, 80, 50]}, "config_invalid", "warn_at_percent[2]"),
        ({"warn_at_percent": [100]}, "validation_failed", None),
        (
            {
                "escalation": [
                    {"after_seconds": 900, "recipients": [{"kind": "supervisors"}]},
                    {"after_seconds": 900, "recipients": [{"kind": "on_call"}]},
                ]
            },
            "config_invalid",
            "escalation[1].after_seconds",
        ),
        (
            {"escalation": [{"after_seconds": 60, "recipients": [{"kind": "users"}]}]},
            "config_invalid",
            "escalation[0].recipients[0].user_ids",
        ),
        (
            {
                "escalation": [
                    {
                        "after_seconds": 60,
                        "recipients": [
                            {"kind": "assignee"},
                            {"kind": "team_leads", "user_ids": [str(uuid4())]},
                        ],
                    }
                ]
            },
            "config_invalid",
            "escalation[0].recipients[1].user_ids",
        ),
    ],
    ids=[
        "no response time",
        "negative resolution",
        "arrival before response",
        "resolution before arrival",
        "warning twice",
        "warning at 100%",
        "stages out of order",
        "users without ids",
        "ids without users",
    ],
)
async def test_targets_that_cannot_work_are_refused(
    world: World, fields: dict[str, Any], code: str, path: str | None
) -> None:
    refused = await world.call("admin", "POST", POLICIES, json=policy(**fields))
    found = error(refused, code)
    if path is not None:
        assert found["details"]["path"] == path
        assert found["message"].startswith(f"{path}: ")
    if path in ("arrival_seconds", "resolution_seconds"):
        assert "impossible" in found["message"]
    assert all(item["id"] is None for item in await listed(world, POLICIES))


async def test_references_stay_in_the_tenant(world: World, other_world: World) -> None:
    theirs = await save_calendar(other_world)
    refused = await world.call("admin", "POST", POLICIES, json=policy(calendar_id=theirs["id"]))
    assert error(refused, "invalid_reference")["details"] == {
        "field": "calendar_id",
        "id": theirs["id"],
    }
    # Escalation recipients from another tenant: refused at save.
    outsider = str(other_world.users["supervisor"])
    paged: list[dict[str, Any]] = [
        {
            "after_seconds": 600,
            "recipients": [
                {"kind": "supervisors"},
                {"kind": "users", "user_ids": [str(world.users["supervisor"]), outsider]},
            ],
        }
    ]
    refused = await world.call("admin", "POST", POLICIES, json=policy(escalation=paged))
    assert error(refused, "invalid_reference")["details"] == {
        "field": "escalation[0].recipients[1].user_ids",
        "id": outsider,
    }
    assert all(item["id"] is None for item in await listed(world, POLICIES))
    mine = await save_calendar(world)
    paged[0]["recipients"][1]["user_ids"] = [str(world.users["supervisor"])]
    saved = await save_policy(world, calendar_id=mine["id"], escalation=paged)
    assert saved["calendar_id"] == mine["id"]
    assert saved["escalation"][0]["recipients"][1]["user_ids"] == [str(world.users["supervisor"])]
    moved = await world.call(
        "admin", "PUT", f"{POLICIES}/{saved['id']}", json=policy(calendar_id=theirs["id"])
    )
    error(moved, "invalid_reference")
    assert (await listed(world, POLICIES))[0]["calendar_id"] == mine["id"]


async def test_a_calendar_in_use_cannot_be_deleted(world: World) -> None:
    calendar = await save_calendar(world)
    used = await save_policy(world, "P1", name="Office hours P1", calendar_id=calendar["id"])
    refused = await world.call("admin", "DELETE", f"{CALENDARS}/{calendar['id']}")
    found = error(refused, "config_invalid")
    assert found["details"]["path"] == "calendar"
    assert "Office hours P1" in found["message"]
    assert await listed(world, CALENDARS) == [calendar]
    await world.call("admin", "DELETE", f"{POLICIES}/{used['id']}", expect=204)
    await world.call("admin", "DELETE", f"{CALENDARS}/{calendar['id']}", expect=204)
    assert await listed(world, CALENDARS) == []
    await world.call("admin", "GET", f"{CALENDARS}/{calendar['id']}", expect=404)


async def test_only_admins_and_supervisors_change_and_engineers_do_not_read(world: World) -> None:
    calendar = await save_calendar(world)
    mine = await save_policy(world)
    for who in ("dispatcher", "eng_a"):
        await world.call(who, "POST", CALENDARS, json=office(), expect=403)
        await world.call(who, "PUT", f"{CALENDARS}/{calendar['id']}", json=office(), expect=403)
        await world.call(who, "DELETE", f"{CALENDARS}/{calendar['id']}", expect=403)
        await world.call(who, "POST", POLICIES, json=policy("P1"), expect=403)
        await world.call(who, "PUT", f"{POLICIES}/{mine['id']}", json=policy(), expect=403)
        await world.call(who, "DELETE", f"{POLICIES}/{mine['id']}", expect=403)
    for url in (CALENDARS, f"{CALENDARS}/{calendar['id']}", POLICIES):
        await world.call("eng_a", "GET", url, expect=403)
        await world.call("dispatcher", "GET", url, expect=200)
    await world.call("supervisor", "POST", POLICIES, json=policy("P1"), expect=201)
    await world.call("supervisor", "POST", CALENDARS, json=office(), expect=201)


async def test_another_tenant_cannot_read_change_or_delete(
    world: World, other_world: World
) -> None:
    calendar = await save_calendar(world)
    mine = await save_policy(world)
    calendar_url, policy_url = f"{CALENDARS}/{calendar['id']}", f"{POLICIES}/{mine['id']}"
    for method, url, body in (
        ("GET", calendar_url, None),
        ("PUT", calendar_url, office()),
        ("DELETE", calendar_url, None),
        ("PUT", policy_url, policy()),
        ("DELETE", policy_url, None),
    ):
        answer = await other_world.call("admin", method, url, json=body, expect=404)
        assert answer.json()["error"]["code"] == "not_found"
    assert await listed(other_world, CALENDARS) == []
    assert all(item["id"] is None for item in await listed(other_world, POLICIES))
    assert await listed(world, CALENDARS) == [calendar]
    assert (await listed(world, POLICIES))[0] == mine


async def test_policy_for_prefers_the_tier_then_any_tier_then_the_standard(
    world: World, other_world: World
) -> None:
    calendar = await save_calendar(world)
    any_tier = await save_policy(world, "P1", name="P1 office", calendar_id=calendar["id"])
    strategic = await save_policy(world, "P1", name="P1 strategic", customer_tier="strategic")
    await save_policy(other_world, "P2", name="P2 of another tenant")
    db = world.client.app.state.services.db

    async def resolve(priority: Priority, tier: CustomerTier | None) -> Any:
        async with db.snapshot() as reader:
            return await policy_for(reader, tenant_id=world.tenant_id, priority=priority, tier=tier)

    found = await resolve(Priority.P1, CustomerTier.STRATEGIC)
    assert (found.policy.id, found.calendar, found.calendar_name) == (
        UUID(strategic["id"]),
        None,
        "24x7",
    )
    for tier in (CustomerTier.PREMIUM, None):
        found = await resolve(Priority.P1, tier)
        assert found.policy.id == UUID(any_tier["id"])
        assert found.calendar_name == "Office / 办公时间"
        assert found.calendar is not None
        assert found.calendar.timezone == "Asia/Shanghai"
        assert found.calendar.hours[0] == ((540, 720), (780, 1080))
        assert found.calendar.holidays == frozenset({date(2026, 10, 1)})
    found = await resolve(Priority.P2, CustomerTier.STRATEGIC)
    assert found.policy == standard.policy(Priority.P2)
    assert (found.calendar, found.calendar_name) == (None, "24x7")
    assert (await resolve(Priority.P0, None)).policy.name == "P0 critical / 紧急"
    # Deleting the tier's policy hands its work orders to the any-tier one.
    await world.call("admin", "DELETE", f"{POLICIES}/{strategic['id']}", expect=204)
    found = await resolve(Priority.P1, CustomerTier.STRATEGIC)
    assert found.policy.id == UUID(any_tier["id"])
