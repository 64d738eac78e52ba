"""Fixtures of the notify tests: a relay on a clock the test drives, stand-in providers on
127.0.0.1, and a customer whose contacts want to hear of their repairs."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kernel.db import Database
from kernel.statements import Statement
from notify.providers import Outgoing, Route
from notify.relay import NotifyRelay
from notify.secrets import Sealer
from push.providers import Answer, Verdict
from push.retry import RetryPolicy
from tests.conftest import TEST_SECRET
from tests.factories import Client, World
from tests.notify.servers import StandIn

PUBLIC_URL = "https://fieldops.example.com"
WANG = {"name": "王经理", "phone": "+86 139 1234 5678", "locale": "zh-CN"}
SMITH = {"name": "Ann Smith", "phone": "+44 20 7946 0958", "locale": "en"}
SET_TENANT_LOCALE = Statement("UPDATE accounts_tenant SET locale = :locale WHERE id = :id")


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Taken:
    """Takes everything: settles what earlier tests left in the shared database."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def send(self, item: Outgoing, route: Route) -> Answer:
        return Answer(Verdict.DELIVERED)


async def rows_of(db: Database, statement: Statement, **params: Any) -> list[dict[str, Any]]:
    async with db.snapshot() as reader:
        return await reader.fetch_rows(statement, **params)


def relay(world: World, clock: Callable[[], datetime], **options: Any) -> NotifyRelay:
    return NotifyRelay(
        db=world.client.app.state.services.db,
        sealer=Sealer(TEST_SECRET),
        public_url=PUBLIC_URL,
        clock=clock,
        rand=lambda: 0.5,  # no jitter: retries at the nominal delays
        **options,
    )


async def drain(notify_relay: NotifyRelay) -> int:
    handled = 0
    while done := await notify_relay.run_once():
        handled += done
    return handled


@pytest.fixture(autouse=True)
async def empty_notify_queue(client: Client) -> None:
    """A relay takes every due message of every tenant: what earlier tests left (pending, or
    due within the hour) is settled first, so a test's relay sees only its own."""
    later = NotifyRelay(
        db=client.app.state.services.db,
        sealer=Sealer(TEST_SECRET),
        public_url=PUBLIC_URL,
        providers={kind: Taken(kind) for kind in ("sms", "wechat", "wecom", "dingtalk")},
        clock=lambda: datetime.now(UTC) + timedelta(hours=1),
        policy=RetryPolicy(max_retries=0),
    )
    while await later.run_once():
        pass
    await later.close()


@pytest.fixture
async def stand_in() -> AsyncIterator[StandIn]:
    server = StandIn()
    yield server
    server.stop()


async def set_contacts(world: World, *contacts: dict[str, Any]) -> None:
    await world.call(
        "admin",
        "PATCH",
        f"/api/v1/customers/{world.customer_id}",
        json={"contacts": list(contacts)},
        expect=200,
    )


async def repair(world: World, **fields: Any) -> str:
    """A work order of the world's customer (an inspection: it resolves without evidence)."""
    body = {"customer_id": str(world.customer_id), "type": "inspection", **fields}
    return str((await world.create_work_order(**body))["id"])


async def to_resolved(world: World, work_order_id: str) -> None:
    """Assigned to eng_a, then through the engineer's steps to resolved."""
    await world.transition(
        "dispatcher", work_order_id, "assigned", assignee_id=str(world.users["eng_a"])
    )
    for target in ("accepted", "en_route", "on_site", "in_progress", "resolved"):
        await world.transition("eng_a", work_order_id, target)


async def sent(world: World, work_order_id: str) -> dict[str, Any]:
    url = f"/api/v1/work-orders/{work_order_id}/customer-notifications"
    shown: dict[str, Any] = (await world.call("dispatcher", "GET", url, expect=200)).json()
    return shown


async def channel(world: World, kind: str, **body: Any) -> dict[str, Any]:
    url = f"/api/v1/notify/channels/{kind}"
    saved: dict[str, Any] = (await world.call("admin", "PUT", url, json=body, expect=200)).json()
    return saved


async def robot(world: World, kind: str, **body: Any) -> dict[str, Any]:
    url = f"/api/v1/notify/customers/{world.customer_id}/robots/{kind}"
    saved: dict[str, Any] = (await world.call("admin", "PUT", url, json=body, expect=200)).json()
    return saved
