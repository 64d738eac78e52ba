# ruff: noqa: RUF001  (Chinese punctuation is the point of the texts)
"""A repair walked through the API up to its close, the report worker of a test's own tenant,
and helpers to read a PDF back."""

import io
import re
from datetime import datetime, timedelta
from typing import Any

from pypdf import PdfReader

from accounts.tables import Tenant
from kernel.clock import utcnow
from media.store import ObjectStore
from reports.worker import ReportWorker
from tests.factories import World

WO_URL = "/api/v1/work-orders"
DRAW_IMAGE = re.compile(rb"/I\d+ Do")
ROOT_CAUSE = "压缩机启动电容老化，压缩机无法启动。"
PREVENTION = "每季度检查启动电容，夏季前清洗冷凝器。"
FIELDS: dict[str, Any] = {
    "root_cause": ROOT_CAUSE,
    "prevention": PREVENTION,
    "parts_used": [{"name": "启动电容 35µF", "quantity": 1, "note": "P/N C-35"}],
}


class Clock:
    """The worker's clock, moved on by the test (retries wait)."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def worker(world: World, *, store: ObjectStore | None = None, **options: Any) -> ReportWorker:
    """A report worker for this world's tenant only (other tests' reports are theirs)."""
    services = world.client.app.state.services
    return ReportWorker(
        db=services.db, store=store or services.media, tenant_id=world.tenant_id, **options
    )


async def repair(world: World) -> str:
    """A cold-storage repair of the world's asset, worked on by eng_a up to in_progress, with
    two notes (the report's steps)."""
    created = await world.create_work_order(
        title="冷库温度过高",
        description="冷库温度升到 -5°C，压缩机不停机。",
        site_id=str(world.site_id),
        asset_id=str(world.asset_id),
        customer_id=str(world.customer_id),
    )
    wo = str(created["id"])
    await world.transition("dispatcher", wo, "assigned", assignee_id=str(world.users["eng_a"]))
    for target in ("accepted", "en_route", "on_site", "in_progress"):
        await world.transition("eng_a", wo, target)
    for body in ("检查压缩机，发现启动电容鼓包。", "更换启动电容，温度恢复到 -18°C。"):
        await world.call("eng_a", "POST", f"{WO_URL}/{wo}/notes", json={"body": body}, expect=201)
    return wo


async def to_verified(world: World, wo: str) -> None:
    await world.add_required_evidence(wo)
    await world.transition("eng_a", wo, "resolved")
    await world.transition("dispatcher", wo, "verified")


async def closed_repair(world: World, fields: dict[str, Any] | None = None) -> str:
    """A repair closed after staff filled its report's ``fields`` (none: left unfilled)."""
    wo = await repair(world)
    await to_verified(world, wo)
    if fields is not None:
        await world.call("dispatcher", "PUT", f"{WO_URL}/{wo}/report", json=fields, expect=200)
    await world.transition("dispatcher", wo, "closed")
    return wo


async def set_locale(world: World, locale: str) -> None:
    await Tenant.update({Tenant.locale: locale}).where(Tenant.id == world.tenant_id)


async def report(world: World, wo: str, who: str = "dispatcher") -> dict[str, Any]:
    response = await world.call(who, "GET", f"{WO_URL}/{wo}/report", expect=200)
    body: dict[str, Any] = response.json()
    return body


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def pdf_images(data: bytes) -> int:
    """How many pictures are drawn (the same picture twice is stored once, drawn twice)."""
    drawn = 0
    for page in PdfReader(io.BytesIO(data)).pages:
        contents = page.get_contents()
        drawn += len(DRAW_IMAGE.findall(contents.get_data())) if contents is not None else 0
    return drawn
