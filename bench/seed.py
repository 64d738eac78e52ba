"""Bulk data for benchmarks: a tenant with engineers and many work orders, written straight to
the tables (with their change-log rows) so seeding 10,000 work orders takes seconds."""

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from accounts import services as accounts
from kernel.db import Database
from mobile_contract import auth as auth_contract
from mobile_contract.enums import Role
from sync.tables import SyncChange, SyncCounter
from workorders.tables import WorkOrder

PASSWORD = "bench-password-1"


@dataclass
class Seeded:
    slug: str
    tenant_id: uuid.UUID
    engineers: list[uuid.UUID]
    dispatcher: str = "dispatcher"


async def seed(db: Database, *, work_orders: int, engineers: int = 1, chunk: int = 1000) -> Seeded:
    slug = f"bench-{uuid.uuid4().hex[:8]}"
    tenant = await accounts.create_tenant(db=db, slug=slug, name="Benchmark tenant")
    team = (
        await accounts.create_team(
            db=db, tenant_id=tenant, data=auth_contract.TeamCreate(name="Bench team")
        )
    ).id
    await accounts.create_user(
        db=db,
        tenant_id=tenant,
        data=auth_contract.UserCreate(
            username="dispatcher",
            display_name="Dispatcher",
            password=PASSWORD,
            role=Role.DISPATCHER,
        ),
    )
    engineer_ids = []
    for index in range(engineers):
        user = await accounts.create_user(
            db=db,
            tenant_id=tenant,
            data=auth_contract.UserCreate(
                username=f"eng{index}",
                display_name=f"Engineer {index}",
                password=PASSWORD,
                role=Role.ENGINEER,
                team_ids=[team],
            ),
        )
        engineer_ids.append(user.id)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    seq = 0
    for offset in range(0, work_orders, chunk):
        rows, changes = [], []
        for index in range(offset, min(offset + chunk, work_orders)):
            seq += 1
            wo_id = uuid.uuid4()
            assignee = engineer_ids[index % engineers]
            at = start + timedelta(seconds=index)
            rows.append(
                WorkOrder(
                    id=wo_id,
                    tenant=tenant,
                    number=f"WO-2026-{index + 1:06d}",
                    title=f"Freezer room {index % 40} temperature alarm",
                    description="Room warming above setpoint; check compressor and door seals.",
                    type="cold_storage_repair",
                    priority="P2",
                    status="assigned",
                    channel="iot",
                    team=team,
                    assignee=assignee,
                    environment="prod",
                    tags=["bench", "cold"],
                    metadata={},
                    created_at=at,
                    updated_at=at,
                    version=2,
                )
            )
            changes.append(
                SyncChange(
                    tenant=tenant,
                    collection="work_orders",
                    document_id=wo_id,
                    seq=seq,
                    deleted=False,
                    owner=assignee,
                    changed_at=at,
                )
            )
        async with db.transaction():
            await WorkOrder.insert(*rows)
            await SyncChange.insert(*changes)
    async with db.transaction():
        await SyncCounter.insert(SyncCounter(tenant=tenant, value=seq))
    return Seeded(slug=slug, tenant_id=tenant, engineers=engineer_ids)
