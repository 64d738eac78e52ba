"""Closing a work order makes its report due; the worker makes the PDF and stores it; staff
download it, and so does the customer through the portal link of that work order only.
A store that keeps failing is tried again later, then given up with an on-call alert; two
workers make one PDF."""

import asyncio
from collections.abc import AsyncGenerator
from datetime import timedelta
from typing import Any

from kernel.context import PortalCaller, RequestMeta
from media.store import ObjectStore
from portal import links
from push.alert_texts import REPORT_FAILED
from reports import services
from reports.worker import MAX_ATTEMPTS
from tests.factories import World
from tests.reports.factories import (
    FIELDS,
    ROOT_CAUSE,
    WO_URL,
    Clock,
    closed_repair,
    pdf_images,
    pdf_text,
    repair,
    report,
    set_locale,
    to_verified,
    worker,
)

PORTAL_PDF = "/api/v1/portal/report.pdf"


async def link(world: World, wo: str) -> dict[str, str]:
    return await world.portal_link(wo)


async def test_closing_makes_the_report_and_staff_download_it(
    world: World, each_store: str
) -> None:
    """On each object store: the evidence read from it, the PDF written to it."""
    wo = await closed_repair(world, FIELDS)
    pending = await report(world, wo)
    assert pending["status"] == "pending"
    assert pending["download_url"] == ""
    refused = await world.call("dispatcher", "GET", f"{WO_URL}/{wo}/report.pdf", expect=404)
    assert refused.json()["error"]["details"] == {"resource": "report", "status": "pending"}
    assert await worker(world).run_once() == 1
    ready = await report(world, wo, "eng_a")
    assert ready["status"] == "ready"
    assert ready["download_url"] == f"{WO_URL}/{wo}/report.pdf"
    assert ready["generated_at"] is not None
    response = await world.call("eng_a", "GET", ready["download_url"], expect=200)
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    number = pending["number"]
    assert response.headers["content-disposition"] == f'inline; filename="{number}.pdf"'
    assert len(response.content) == ready["size"]
    text = pdf_text(response.content)
    for shown in ("维修完成报告", number, ROOT_CAUSE, "冷库温度过高", "更换启动电容", "工单关闭"):
        assert shown in text, shown
    # The photos before and after, the temperature display and the customer's signature.
    assert pdf_images(response.content) == 4
    assert await worker(world).run_once() == 0  # made once


async def test_an_english_tenant_s_report_says_what_is_missing(world: World) -> None:
    await set_locale(world, "en")
    wo = await closed_repair(world)
    assert (await report(world, wo))["missing"] == ["root_cause", "prevention"]
    await worker(world).run_once()
    response = await world.call("dispatcher", "GET", f"{WO_URL}/{wo}/report.pdf", expect=200)
    text = pdf_text(response.content)
    assert "Repair report" in text
    assert "Not recorded: root cause" in text
    assert "Not recorded: prevention advice" in text


async def test_the_customer_gets_the_report_of_their_own_work_order_only(
    world: World, other_world: World
) -> None:
    wo = await closed_repair(world, FIELDS)
    headers = await link(world, wo)
    refused = await world.client.get(PORTAL_PDF, headers=headers)
    assert refused.status_code == 404, refused.text
    assert refused.json()["error"]["details"]["status"] == "pending"
    await worker(world).run_once()
    response = await world.client.get(PORTAL_PDF, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline; filename=")
    assert ROOT_CAUSE in pdf_text(response.content)
    # Another repair's link (the same customer's, still open) does not reach it.
    other = await link(world, await repair(world))
    assert (await world.client.get(PORTAL_PDF, headers=other)).status_code == 404
    # Nor does another tenant's staff, nor a staff token on the portal route.
    await other_world.call("dispatcher", "GET", f"{WO_URL}/{wo}/report.pdf", expect=404)
    await other_world.call("dispatcher", "GET", f"{WO_URL}/{wo}/report", expect=404)
    staff = await world.client.get(PORTAL_PDF, headers=world.headers["dispatcher"])
    assert staff.status_code == 401


async def test_the_portal_page_s_services(world: World) -> None:
    """What the portal's web page calls: the report once closed, ready or not, and its bytes."""
    db = world.client.app.state.services.db
    store = world.client.app.state.services.media
    wo = await repair(world)
    await world.call("dispatcher", "PUT", f"{WO_URL}/{wo}/report", json=FIELDS, expect=200)
    holder = await _caller(world, wo)
    assert await services.report_for_portal(db=db, caller=holder) is None  # a draft is staff's
    async with db.snapshot() as reader:
        assert not await services.ready_for_portal(reader, caller=holder)
    await to_verified(world, wo)
    await world.transition("dispatcher", wo, "closed")
    shown = await services.report_for_portal(db=db, caller=holder)
    assert shown is not None
    assert (shown.status, shown.download_url) == ("pending", "")
    await worker(world).run_once()
    shown = await services.report_for_portal(db=db, caller=holder)
    assert shown is not None
    assert (shown.status, shown.download_url) == ("ready", PORTAL_PDF)
    assert shown.root_cause == ROOT_CAUSE
    assert shown.filled_by_id is None  # staff's names are not the customer's business
    async with db.snapshot() as reader:
        assert await services.ready_for_portal(reader, caller=holder)
    data, filename = await services.pdf_bytes(
        db=db, store=store, tenant_id=world.tenant_id, work_order_id=holder.work_order_id
    )
    assert filename == f"{shown.number}.pdf"
    assert data.startswith(b"%PDF-")


async def _caller(world: World, wo: str) -> PortalCaller:
    """The portal caller of a fresh link to ``wo`` (as the page authenticates it)."""
    token = (await link(world, wo))["Authorization"].removeprefix("Bearer ")
    db = world.client.app.state.services.db
    return await links.authenticate(db=db, token=token, meta=RequestMeta())


class FailingStore:
    """The app's store, but every write fails (an outage)."""

    def __init__(self, store: ObjectStore) -> None:
        self.store, self.puts = store, 0

    def read(self, *, key: str, chunk_size: int = 1 << 20) -> AsyncGenerator[bytes, None]:
        return self.store.read(key=key, chunk_size=chunk_size)

    async def put(self, *, key: str, data: bytes, content_type: str) -> None:
        self.puts += 1
        raise OSError("the object store is unreachable")


async def test_a_failing_store_is_tried_again_then_given_up_with_an_alert(world: World) -> None:
    wo = await closed_repair(world, FIELDS)
    clock, store = Clock(), FailingStore(world.client.app.state.services.media)
    failing = worker(world, store=store, clock=clock)  # type: ignore[arg-type]
    assert await failing.run_once() == 1
    waiting = await report(world, wo)
    assert waiting["status"] == "pending"
    assert "unreachable" in waiting["problem"]
    assert await failing.run_once() == 0  # not before its retry is due
    for _ in range(MAX_ATTEMPTS - 1):
        clock.advance(timedelta(hours=1))
        assert await failing.run_once() == 1
    assert store.puts == MAX_ATTEMPTS
    failed = await report(world, wo)
    assert failed["status"] == "failed"
    assert "OSError" in failed["problem"]
    clock.advance(timedelta(days=1))
    assert await failing.run_once() == 0
    response = await world.call("supervisor", "GET", "/api/v1/push/alerts", expect=200)
    alerts = [a for a in response.json()["items"] if a["kind"] == REPORT_FAILED]
    assert [a["subject_id"] for a in alerts] == [wo]
    assert failed["number"] in alerts[0]["message"]
    refused = await world.call("dispatcher", "GET", f"{WO_URL}/{wo}/report.pdf", expect=404)
    assert refused.json()["error"]["details"]["status"] == "failed"


class CountingStore:
    def __init__(self, store: ObjectStore) -> None:
        self.store, self.keys = store, list[str]()

    def read(self, *, key: str, chunk_size: int = 1 << 20) -> AsyncGenerator[bytes, None]:
        return self.store.read(key=key, chunk_size=chunk_size)

    async def put(self, *, key: str, data: bytes, content_type: str) -> None:
        self.keys.append(key)
        await self.store.put(key=key, data=data, content_type=content_type)


async def test_two_workers_make_one_pdf(world: World) -> None:
    wo = await closed_repair(world, FIELDS)
    store = CountingStore(world.client.app.state.services.media)
    first, second = (worker(world, store=store) for _ in range(2))  # type: ignore[arg-type]
    done = await asyncio.gather(first.run_once(), second.run_once())
    assert sorted(done) == [0, 1]
    assert len(store.keys) == 1
    assert (await report(world, wo))["status"] == "ready"


async def test_a_worker_that_died_leaves_the_report_to_another_after_its_lease(
    world: World,
) -> None:
    wo = await closed_repair(world, FIELDS)
    clock = Clock()
    dead = worker(world, clock=clock)
    assert await dead._claim() is not None  # claimed, then the process died
    assert await worker(world, clock=clock).run_once() == 0  # held by the lease
    clock.advance(timedelta(minutes=6))
    assert await worker(world, clock=clock).run_once() == 1
    shown: dict[str, Any] = await report(world, wo)
    assert shown["status"] == "ready"
