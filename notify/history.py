"""What a work order's customer was sent: the milestones reached and each message's fate,
for the staff who can see the work order (addresses masked)."""

from uuid import UUID

import msgspec

from kernel.context import Actor
from kernel.db import Database
from mobile_contract import notify as contract
from notify import sql
from notify.texts import RANK, mask_address
from workorders import queries


async def of_work_order(
    *, db: Database, actor: Actor, work_order_id: UUID
) -> contract.CustomerNotificationList:
    key = {"tenant": actor.tenant_id, "work_order": work_order_id}
    async with db.snapshot() as reader:
        await queries.load_row(actor, work_order_id, reader=reader)  # in scope, else 404
        milestones = await reader.fetch(sql.MILESTONES_OF, contract.MilestoneReached, **key)
        messages = await reader.fetch(sql.MESSAGES_OF, contract.CustomerNotification, **key)
    return contract.CustomerNotificationList(
        milestones=sorted(milestones, key=lambda reached: RANK[reached.milestone]),
        items=[
            msgspec.structs.replace(m, address=mask_address(m.channel, m.address)) for m in messages
        ],
    )
