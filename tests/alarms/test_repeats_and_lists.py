"""Repeats of an open fault (debounce windows, occurrence counts), the terminals' sync
collections, and the staff's alarm lists (filters, scope)."""

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec

from alarms import ingest
from kernel.context import TerminalCaller
from mobile_contract import iot
from tests.factories import Terminal, World, alarm

WINDOW = timedelta(seconds=10)


def caller(world: World, terminal: Terminal) -> TerminalCaller:
    return TerminalCaller(
        tenant_id=world.tenant_id,
        terminal_id=uuid.UUID(terminal.id),
        device_code=terminal.device_code,
        asset_id=uuid.UUID(terminal.asset_id),
        site_id=world.site_id,
    )


async def ingest_at(
    world: World, terminal: Terminal, at: datetime, *alarms: dict[str, Any]
) -> iot.AlarmBatchResult:
    """The ingest as the HTTP route runs it, received at ``at`` (the debounce's clock)."""
    decoded = [msgspec.convert({**a, "occurred_at": at.isoformat()}, iot.AlarmIn) for a in alarms]
    return await ingest.ingest(
        db=world.client.app.state.services.db,
        terminal=caller(world, terminal),
        alarms=decoded,
        via=iot.AlarmVia.HTTP,
        rules=ingest.IntakeRules(debounce=WINDOW),
        received_at=at,
    )


async def timeline(world: World, work_order_id: str) -> list[dict[str, Any]]:
    url = f"/api/v1/work-orders/{work_order_id}"
    entries: list[dict[str, Any]] = (await world.call("dispatcher", "GET", url)).json()["timeline"]
    return entries


async def test_a_flood_adds_one_timeline_entry_per_debounce_window(world: World) -> None:
    """Ten alarms a second for a minute, by the ingest's own clock: one work order, and a
    repeat entry at most once per window, carrying the count so far."""
    terminal = await world.register_terminal()
    start = datetime.now(UTC)
    opened: set[uuid.UUID | None] = set()
    for tick in range(600):
        result = await ingest_at(world, terminal, start + timedelta(seconds=tick / 10), alarm())
        opened |= {o.work_order_id for o in result.outcomes}
    (work_order_id,) = opened
    entries = await timeline(world, str(work_order_id))
    repeats = [e for e in entries if e["action"] == "alarm_repeated"]
    assert next(e["action"] for e in entries) == "created"
    assert 1 <= len(repeats) <= 60 / WINDOW.total_seconds()
    times = [datetime.fromisoformat(e["server_time"]) for e in entries]
    assert all(b - a >= WINDOW for a, b in itertools.pairwise(times))
    counts = [e["after"]["occurrences"] for e in repeats]
    assert counts == sorted(counts)
    assert counts[-1] <= 600
    url = f"/api/v1/work-orders/{work_order_id}"
    summary = (await world.call("dispatcher", "GET", url)).json()["work_order"]["alarm"]
    assert summary["occurrences"] == counts[-1]
    page = await world.call(
        "dispatcher", "GET", f"{url}/alarms", params={"limit": "200"}, expect=200
    )
    assert len(page.json()["items"]) == 200  # the list is live: all 600 are there
    assert page.json()["next_cursor"]


async def test_a_repeat_after_the_window_refreshes_the_summary(world: World) -> None:
    terminal = await world.register_terminal()
    start = datetime.now(UTC)
    first = await ingest_at(world, terminal, start, alarm(value=-10.0))
    work_order_id = str(first.outcomes[0].work_order_id)
    await ingest_at(world, terminal, start + timedelta(seconds=1), alarm(value=-9.0))
    await ingest_at(world, terminal, start + WINDOW + timedelta(seconds=1), alarm(value=-8.0))
    entries = await timeline(world, work_order_id)
    assert [e["action"] for e in entries] == ["created", "alarm_repeated"]
    assert entries[1]["after"]["occurrences"] == 3
    assert entries[1]["after"]["value"] == -8.0


async def test_terminals_push_alarms_through_sync_with_the_same_dedup(world: World) -> None:
    terminal = await world.register_terminal()
    rows = [{"newDocumentState": alarm(f"s-{n}")} for n in range(3)]
    pushed = await terminal.send("POST", "/api/v1/iot/sync/alarms/push", rows, expect=200)
    assert pushed.json() == []
    again = await terminal.send("POST", "/api/v1/iot/sync/alarms/push", rows, expect=200)
    assert again.json() == []
    over_http = await terminal.post_alarms(rows[0]["newDocumentState"])
    assert over_http["outcomes"][0]["outcome"] == "duplicate"
    listed = await world.call(
        "dispatcher", "GET", "/api/v1/alarms", params={"terminal_id": terminal.id}
    )
    items = listed.json()["items"]
    assert sorted(a["alarm_id"] for a in items) == ["s-0", "s-1", "s-2"]
    assert {a["via"] for a in items} == {"sync"}
    bad = [{"newDocumentState": {**alarm("s-9"), "type": "nope"}}]
    response = await terminal.send("POST", "/api/v1/iot/sync/alarms/push", bad)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["alarms"][0]["id"] == "s-9"


async def test_staff_filter_alarms_by_asset_type_state_and_time(world: World) -> None:
    terminal = await world.register_terminal()
    now = datetime.now(UTC)
    await terminal.post_alarms(
        alarm("t-1", occurred_at=(now - timedelta(hours=2)).isoformat()),
        alarm("t-2", type="door_open", occurred_at=(now - timedelta(hours=1)).isoformat()),
        alarm("t-3", state="cleared", occurred_at=now.isoformat()),
    )

    async def ids(**params: str) -> list[str]:
        listed = await world.call(
            "supervisor", "GET", "/api/v1/alarms", params={"terminal_id": terminal.id, **params}
        )
        assert listed.status_code == 200, listed.text
        return [a["alarm_id"] for a in listed.json()["items"]]

    assert await ids() == ["t-3", "t-2", "t-1"]  # newest first
    assert await ids(type="door_open") == ["t-2"]
    assert await ids(state="cleared") == ["t-3"]
    assert await ids(asset_id=str(world.asset_id)) == ["t-3", "t-2", "t-1"]
    assert await ids(since=(now - timedelta(minutes=90)).isoformat()) == ["t-3", "t-2"]
    assert await ids(until=(now - timedelta(minutes=90)).isoformat()) == ["t-1"]
    first = await world.call(
        "dispatcher", "GET", "/api/v1/alarms", params={"terminal_id": terminal.id, "limit": "2"}
    )
    cursor = first.json()["next_cursor"]
    rest = await ids(cursor=cursor)
    assert rest == ["t-1"]
    bad = await world.call("dispatcher", "GET", "/api/v1/alarms", params={"type": "meltdown"})
    assert bad.status_code == 422
    await world.call("eng_a", "GET", "/api/v1/alarms", expect=403)


async def test_engineers_see_the_alarms_of_their_own_work_orders_only(world: World) -> None:
    terminal = await world.register_terminal()
    answer = await terminal.post_alarms(alarm())
    work_order_id = answer["outcomes"][0]["work_order_id"]
    url = f"/api/v1/work-orders/{work_order_id}/alarms"
    await world.call("eng_a", "GET", url, expect=404)  # not theirs: as if it did not exist
    await world.call(
        "dispatcher",
        "PATCH",
        f"/api/v1/work-orders/{work_order_id}",
        json={"team_id": str(world.teams["team_a"])},
        expect=200,
    )
    items = (await world.call("eng_a", "GET", url, expect=200)).json()["items"]
    assert len(items) == 1
    await world.call("eng_b", "GET", url, expect=404)


async def test_another_tenant_sees_none_of_our_alarms(world: World, other_world: World) -> None:
    terminal = await world.register_terminal()
    answer = await terminal.post_alarms(alarm())
    work_order_id = answer["outcomes"][0]["work_order_id"]
    theirs = await other_world.call("dispatcher", "GET", "/api/v1/alarms", expect=200)
    assert theirs.json()["items"] == []
    await other_world.call(
        "dispatcher", "GET", f"/api/v1/work-orders/{work_order_id}/alarms", expect=404
    )
    await other_world.call("admin", "GET", f"/api/v1/iot/terminals/{terminal.id}", expect=404)
