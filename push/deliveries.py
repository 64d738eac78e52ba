"""Deliveries as the API shows them: dispatch roles see their tenant's, anyone their own."""

from typing import Any
from uuid import UUID

from kernel import sql
from kernel.context import Actor
from kernel.db import Database
from kernel.rows import to_struct
from mobile_contract import push as contract
from mobile_contract.enums import DeliveryStatus
from push.tables import Delivery

MAX_LIMIT = 500
_SELECT = (
    "SELECT d.id, d.notification AS notification_id, n.kind, n.subject_id, n.title,"
    " n.recipient AS recipient_id, v.installation AS device_id, v.platform, d.provider, d.status,"
    " d.attempts, d.last_status_code, d.last_reason, d.next_attempt_at, d.sent_at,"
    " d.received_at, d.opened_at, d.created_at, d.updated_at"
    " FROM push_delivery d JOIN push_notification n ON n.id = d.notification"
    " JOIN device_registry_device v ON v.id = d.device WHERE d.tenant = {}"
)


async def list_deliveries(
    *,
    db: Database,
    actor: Actor,
    subject_id: UUID | None = None,
    status: DeliveryStatus | None = None,
    limit: int = 100,
) -> contract.PushDeliveryList:
    """Newest first. Engineers see the deliveries to themselves only."""
    statement, args = _SELECT, list[Any]([actor.tenant_id])
    conditions: list[tuple[str, Any]] = []
    if not actor.dispatches:
        conditions.append((" AND n.recipient = {}", actor.user_id))
    if subject_id is not None:
        conditions.append((" AND n.subject_id = {}", subject_id))
    if status is not None:
        conditions.append((" AND d.status = {}", status.value))
    for condition, value in conditions:
        statement += condition
        args.append(value)
    statement += " ORDER BY d.created_at DESC, d.id LIMIT {}"
    args.append(limit)
    async with db.snapshot():
        rows = await sql.fetch(Delivery, statement, *args)
    return contract.PushDeliveryList(items=[to_struct(row, contract.PushDelivery) for row in rows])
