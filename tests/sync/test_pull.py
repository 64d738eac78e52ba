"""Pull: commit order, scope (assigned work orders, tombstones after reassignment), bad input."""

import asyncio
import base64
from typing import Any

from kernel.clock import utcnow
from sync import changelog
from tests.factories import World


async def pull(
    world: World, who: str, collection: str, checkpoint: str | None = None, limit: int = 100
) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit}
    if checkpoint:
        params["checkpoint"] = checkpoint
    response = await world.call(
        who, "GET", f"/api/v1/sync/{collection}/pull", params=params, expect=200
    )
    body: dict[str, Any] = response.json()
    return body


async def pull_all(
    world: World, who: str, collection: str, checkpoint: str | None = None
) -> tuple[dict[str, dict[str, Any]], str | None]:
    """Pull in small pages until caught up, applying documents like a client does."""
    state: dict[str, dict[str, Any]] = {}
    while True:
        page = await pull(world, who, collection, checkpoint, limit=2)
        for document in page["documents"]:
            state[document["id"]] = document
        checkpoint = page["checkpoint"] or checkpoint
        if len(page["documents"]) < 2:
            return state, checkpoint


async def test_dispatcher_pulls_every_work_order_then_only_changes(world: World) -> None:
    created = [await world.create_work_order(title=f"WO {i}") for i in range(5)]
    state, checkpoint = await pull_all(world, "dispatcher", "work_orders")
    assert set(state) == {wo["id"] for wo in created}
    assert all(doc["_deleted"] is False for doc in state.values())
    assert state[created[0]["id"]]["title"] == "WO 0"

    again = await pull(world, "dispatcher", "work_orders", checkpoint)
    assert again == {"documents": [], "checkpoint": checkpoint}

    await world.call(
        "dispatcher",
        "PATCH",
        f"/api/v1/work-orders/{created[2]['id']}",
        json={"title": "Changed"},
        expect=200,
    )
    page = await pull(world, "dispatcher", "work_orders", checkpoint)
    assert [(d["id"], d["title"], d["version"]) for d in page["documents"]] == [
        (created[2]["id"], "Changed", 2)
    ]


async def test_engineer_pulls_only_assigned_and_loses_what_is_reassigned(world: World) -> None:
    mine = await world.create_work_order(site_id=str(world.site_id), asset_id=str(world.asset_id))
    await world.create_work_order(title="Team's, unassigned")
    await world.transition(
        "dispatcher", mine["id"], "assigned", assignee_id=str(world.users["eng_a"])
    )
    await world.call(
        "eng_a",
        "POST",
        f"/api/v1/work-orders/{mine['id']}/notes",
        json={"body": "on my way"},
        expect=201,
    )

    state_a, cp_a = await pull_all(world, "eng_a", "work_orders")
    assert list(state_a) == [mine["id"]]
    notes_a, notes_cp_a = await pull_all(world, "eng_a", "work_order_notes")
    assert [n["body"] for n in notes_a.values()] == ["on my way"]
    sites_a, _ = await pull_all(world, "eng_a", "sites")
    assert list(sites_a) == [str(world.site_id)]
    state_b, cp_b = await pull_all(world, "eng_b", "work_orders")
    assert state_b == {}

    await world.transition(
        "dispatcher", mine["id"], "assigned", assignee_id=str(world.users["eng_b"])
    )

    page_a = await pull(world, "eng_a", "work_orders", cp_a)
    assert page_a["documents"] == [{"id": mine["id"], "_deleted": True}]
    notes_page_a = await pull(world, "eng_a", "work_order_notes", notes_cp_a)
    assert [d["_deleted"] for d in notes_page_a["documents"]] == [True]
    state_b, _ = await pull_all(world, "eng_b", "work_orders", cp_b)
    assert state_b[mine["id"]]["assignee_id"] == str(world.users["eng_b"])
    notes_b, _ = await pull_all(world, "eng_b", "work_order_notes")
    assert [n["body"] for n in notes_b.values()] == ["on my way"]
    sites_b, _ = await pull_all(world, "eng_b", "sites")
    assert list(sites_b) == [str(world.site_id)]
    assets_b, _ = await pull_all(world, "eng_b", "assets")
    assert [a["device_code"] for a in assets_b.values()] == ["CS-FR-0012"]


async def test_a_change_that_commits_late_is_never_skipped(world: World) -> None:
    """T1 changes a work order first but commits last; T2 commits in between. A pull between
    the commits sees T2's change, and the pull after T1's commit still gets T1's change: the
    sequence is taken at commit, so commit order is sequence order."""
    db = world.client.app.state.services.db
    first, second = (await world.create_work_order(), await world.create_work_order())
    _, checkpoint = await pull_all(world, "dispatcher", "work_orders")
    t1_changed, release_t1 = asyncio.Event(), asyncio.Event()

    async def t1() -> None:
        async with db.transaction() as tx:
            await changelog.record(
                tx,
                tenant_id=world.tenant_id,
                collection="work_orders",
                document_id=first["id"],
                now=utcnow(),
            )
            t1_changed.set()
            await release_t1.wait()

    async def t2() -> None:
        async with db.transaction() as tx:
            await changelog.record(
                tx,
                tenant_id=world.tenant_id,
                collection="work_orders",
                document_id=second["id"],
                now=utcnow(),
            )

    task1 = asyncio.create_task(t1())
    await t1_changed.wait()
    assert (await pull(world, "dispatcher", "work_orders", checkpoint))["documents"] == []
    if db.is_sqlite:
        # One writer at a time: T2 waits for T1's commit, so the orders cannot even cross.
        task2 = asyncio.create_task(t2())
        done, _ = await asyncio.wait({task2}, timeout=0.3)
        assert not done
        release_t1.set()
        await task1
        await task2
        page = await pull(world, "dispatcher", "work_orders", checkpoint)
        assert [d["id"] for d in page["documents"]] == [first["id"], second["id"]]
        return
    await t2()  # PostgreSQL: T2 commits while T1 is still open
    between = await pull(world, "dispatcher", "work_orders", checkpoint)
    assert [d["id"] for d in between["documents"]] == [second["id"]]
    release_t1.set()
    await task1
    after = await pull(world, "dispatcher", "work_orders", between["checkpoint"])
    assert [d["id"] for d in after["documents"]] == [first["id"]]


async def test_pull_bad_input_is_refused_clearly(world: World) -> None:
    unknown = await world.call("dispatcher", "GET", "/api/v1/sync/invoices/pull", expect=404)
    assert unknown.json()["error"]["code"] == "unknown_collection"
    bad = await world.call(
        "dispatcher",
        "GET",
        "/api/v1/sync/work_orders/pull",
        params={"checkpoint": "not-ours"},
        expect=422,
    )
    assert bad.json()["error"]["details"] == {"field": "checkpoint"}
    for limit in ("0", "1001", "x"):
        response = await world.call(
            "dispatcher", "GET", "/api/v1/sync/work_orders/pull", params={"limit": limit}
        )
        assert response.status_code == 422
        assert response.json()["error"]["details"]["errors"][0]["field"] == "limit"


async def test_another_tenant_pulls_nothing_of_this_one(world: World, other_world: World) -> None:
    await world.create_work_order()
    for who in ("admin", "dispatcher", "eng_a"):
        state, _ = await pull_all(other_world, who, "work_orders")
        assert state == {}


async def test_a_page_is_short_only_when_caught_up_even_after_back_and_forth(
    world: World,
) -> None:
    """A work order reassigned away and back is in the engineer's feed once: as the live
    document. A page that counted it twice would come back short, and a client (RxDB) would
    take the short page for "caught up" and miss what follows."""
    engineer = str(world.users["eng_a"])
    first, moved = await world.create_work_order(), await world.create_work_order()
    for wo in (first, moved):
        await world.transition("dispatcher", wo["id"], "assigned", assignee_id=engineer)
    await world.transition(
        "dispatcher", moved["id"], "assigned", assignee_id=str(world.users["eng_b"])
    )
    await world.transition("dispatcher", moved["id"], "assigned", assignee_id=engineer)
    last = await world.create_work_order()
    await world.transition("dispatcher", last["id"], "assigned", assignee_id=engineer)
    page = await pull(world, "eng_a", "work_orders", limit=3)
    assert [d["id"] for d in page["documents"]] == [first["id"], moved["id"], last["id"]]
    assert all(d["_deleted"] is False for d in page["documents"])


async def test_a_checkpoint_beyond_any_sequence_is_refused(world: World) -> None:
    checkpoint = base64.urlsafe_b64encode(b"s1:99999999999999999999").decode().rstrip("=")
    response = await world.call(
        "dispatcher",
        "GET",
        "/api/v1/sync/work_orders/pull",
        params={"checkpoint": checkpoint},
        expect=422,
    )
    assert response.json()["error"]["details"]["field"] == "checkpoint"
