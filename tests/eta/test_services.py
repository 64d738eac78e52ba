"""The estimate on both databases: from the tenant's repairs resolved in the window only (not
older ones, not cancelled ones, never another tenant's), falling back to broader groups,
conditioned on the work order's age, and none once it is finished; the staff route."""

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from eta import services
from kernel.db import Database
from kernel.errors import NotFound
from mobile_contract.enums import WorkOrderStatus, WorkOrderType
from mobile_contract.eta import WorkOrderEta
from tests.eta.factories import add_repairs
from tests.factories import World

HOURS = [timedelta(hours=h) for h in range(1, 31)]  # 30 repairs of 1 to 30 hours


def database(world: World) -> Database:
    db: Database = world.client.app.state.services.db
    return db


async def asset(world: World, family: str) -> uuid.UUID:
    body = {"site_id": str(world.site_id), "device_code": f"CH-{uuid.uuid4().hex[:8]}"}
    made = await world.call("admin", "POST", "/api/v1/assets", json={**body, "family": family})
    assert made.status_code == 201, made.text
    return uuid.UUID(made.json()["id"])


async def chiller_repair(world: World, team: str = "team_a") -> dict[str, Any]:
    """A new P2 cold-storage repair of a chiller, for ``team``."""
    return await world.create_work_order(
        asset_id=str(await asset(world, "Chiller")),
        priority="P2",
        team_id=str(world.teams[team]),
    )


async def history(world: World, now: datetime) -> None:
    """30 similar repairs of 1 to 30 hours (closed, verified, resolved) on another chiller
    (its family spelled otherwise); 10 inspections of 50 hours (alike only as the tenant's
    repairs); and what must never count: repairs resolved before the window, cancelled ones."""
    db, tenant = database(world), world.tenant_id
    chiller = await asset(world, " CHILLER ")
    team = world.teams["team_a"]
    recently = now - timedelta(days=3)
    for status, durations in (
        (WorkOrderStatus.CLOSED, HOURS[:10]),
        (WorkOrderStatus.VERIFIED, HOURS[10:20]),
        (WorkOrderStatus.RESOLVED, HOURS[20:]),
    ):
        await add_repairs(
            db,
            tenant,
            durations,
            resolved_at=recently,
            team_id=team,
            asset_id=chiller,
            status=status,
        )
    await add_repairs(
        db,
        tenant,
        [timedelta(hours=50)] * 10,
        resolved_at=recently,
        team_id=team,
        asset_id=chiller,
        type=WorkOrderType.INSPECTION,
    )
    long = [timedelta(hours=200)] * 40
    too_old = now - timedelta(days=91)
    await add_repairs(db, tenant, long, resolved_at=too_old, team_id=team, asset_id=chiller)
    await add_repairs(
        db,
        tenant,
        long,
        resolved_at=recently,
        team_id=team,
        asset_id=chiller,
        status=WorkOrderStatus.CANCELLED,
    )


def created(work_order: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(work_order["created_at"])


async def assess(
    world: World, work_order: dict[str, Any], now: datetime, locale: str = "en"
) -> Any:
    async with database(world).snapshot() as reader:
        return await services.assess(
            reader,
            tenant_id=world.tenant_id,
            work_order_id=uuid.UUID(work_order["id"]),
            now=now,
            locale=locale,
        )


async def test_similar_repairs_of_the_window_only(world: World, other_world: World) -> None:
    work_order = await chiller_repair(world)
    now = created(work_order)
    await history(world, now)
    await add_repairs(
        database(other_world),
        other_world.tenant_id,
        [timedelta(hours=300)] * 40,
        resolved_at=now - timedelta(days=1),
        team_id=world.teams["team_a"],
        asset_id=None,
    )

    async with database(world).snapshot() as reader:
        eta = await services.estimate(
            reader, tenant_id=world.tenant_id, work_order_id=uuid.UUID(work_order["id"]), now=now
        )

    assert eta is not None
    # Interpolated over 1..30 hours: P50 at 15.5 hours, P80 at 1 + 0.8 · 29 = 24.2 hours.
    assert (eta.p50_seconds, eta.p80_seconds) == (55800, 87120)
    assert (eta.p50_at, eta.p80_at) == (
        now + timedelta(hours=15.5),
        now + timedelta(hours=24.2),
    )
    assert (eta.samples, eta.window_days, eta.same_stage) == (30, 90, True)
    assert eta.basis == ["type", "asset_family", "team", "priority"]
    assert eta.explanation == "Based on 30 similar repairs in the last 90 days."
    chinese = await assess(world, work_order, now, locale="zh-CN")
    assert chinese.eta.explanation == "根据最近 90 天 30 次类似维修估算。"


async def test_falls_back_to_broader_groups_and_follows_the_age(world: World) -> None:
    work_order = await chiller_repair(world, team="team_b")
    now = created(work_order)
    await history(world, now)

    fresh = (await assess(world, work_order, now)).eta
    # Open 25.5 hours: of the 30, those of 26 to 30 hours had 0.5 to 4.5 hours left; too few,
    # so the inspections count too (24.5 hours left each).
    later = (await assess(world, work_order, now + timedelta(hours=25.5))).eta
    last = (await assess(world, work_order, now + timedelta(hours=49.5))).eta
    beyond = await assess(world, work_order, now + timedelta(hours=50))

    # No repair of team_b: the same type, family and priority, whatever the team.
    assert (fresh.basis, fresh.samples) == (["type", "asset_family", "priority"], 30)
    assert (later.basis, later.samples, later.same_stage) == ([], 15, False)
    assert (later.p50_seconds, later.p80_seconds) == (24.5 * 3600, 24.5 * 3600)
    assert later.explanation == (
        "Based on only 15 repairs in the last 90 days, so only a rough guess."
    )
    assert (last.basis, last.samples, last.p50_seconds) == ([], 10, 1800)
    assert (beyond.eta, beyond.reason) == (None, "beyond_history")


async def test_finished_or_without_history_there_is_none(world: World, other_world: World) -> None:
    work_order = await chiller_repair(world)
    now = created(work_order)
    await history(other_world, now)  # another tenant's repairs never count

    assert await assess(world, work_order, now) == WorkOrderEta(
        work_order_id=uuid.UUID(work_order["id"]), eta=None, reason="no_history"
    )
    await history(world, now)
    await world.transition("dispatcher", work_order["id"], "cancelled", reason="duplicate")
    finished = await assess(world, work_order, now)
    assert (finished.eta, finished.reason) == (None, "finished")


async def test_another_tenants_work_order_is_not_found(world: World, other_world: World) -> None:
    work_order = await chiller_repair(world)
    async with database(world).snapshot() as reader:
        with pytest.raises(NotFound):
            await services.estimate(
                reader,
                tenant_id=other_world.tenant_id,
                work_order_id=uuid.UUID(work_order["id"]),
                now=created(work_order),
            )


async def test_staff_route(world: World, other_world: World) -> None:
    work_order = await chiller_repair(world)
    url = f"/api/v1/work-orders/{work_order['id']}/eta"
    await history(world, datetime.now(created(work_order).tzinfo))

    answer = (await world.call("eng_a", "GET", url, expect=200)).json()
    chinese = (await world.call("dispatcher", "GET", url, params={"locale": "zh-CN"})).json()

    assert (answer["work_order_id"], answer["reason"]) == (work_order["id"], "")
    assert answer["eta"]["samples"] == 30
    # Counted from the work order's creation, whenever it is asked.
    p50_at = datetime.fromisoformat(answer["eta"]["p50_at"])
    assert abs(p50_at - (created(work_order) + timedelta(hours=15.5))) <= timedelta(seconds=1)
    assert chinese["eta"]["explanation"] == "根据最近 90 天 30 次类似维修估算。"
    await world.call("eng_b", "GET", url, expect=404)  # team_b's engineer does not see it
    await other_world.call("admin", "GET", url, expect=404)
    await world.call("dispatcher", "GET", url, params={"locale": "fr"}, expect=422)
    await world.transition("dispatcher", work_order["id"], "cancelled", reason="duplicate")
    finished = (await world.call("dispatcher", "GET", url, expect=200)).json()
    assert (finished["eta"], finished["reason"]) == (None, "finished")
