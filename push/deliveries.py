"""Deliveries as the API shows them: dispatch roles see their tenant's, anyone their own."""

from typing import Any
from uuid import UUID

from kernel import sql
from kernel.clock import utcnow
from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database, after_commit
from kernel.errors import DomainError, NotFound
from kernel.rows import to_struct
from mobile_contract import push as contract
from mobile_contract.enums import DeliveryStatus, Role
from mobile_contract.errors import ErrorCode
from push.outbox import WAKEUP
from push.tables import Alert, Delivery

MAX_LIMIT = 500
SELECT_DELIVERY = (
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
    statement, args = SELECT_DELIVERY, list[Any]([actor.tenant_id])
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


_ALERTS = (
    "SELECT id, kind, message, subject_id, delivery AS delivery_id, status, attempts,"
    " last_error, created_at, sent_at FROM push_alert WHERE tenant = {}"
)
_REPLAY = (
    "UPDATE push_delivery SET status = 'pending', attempts = 0, next_attempt_at = {},"
    " claimed_until = NULL, last_reason = {}, updated_at = {}"
    " WHERE tenant = {} AND id = {} AND status IN ('dead', 'token_disabled') RETURNING id"
)
REPLAY_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})


async def list_alerts(*, db: Database, actor: Actor, limit: int = 100) -> contract.PushAlertList:
    """The tenant's on-call alerts, newest first (the dispatch roles)."""
    require_role(actor, DISPATCH_ROLES, "read on-call alerts")
    statement = _ALERTS + " ORDER BY created_at DESC, id LIMIT {}"
    async with db.snapshot():
        rows = await sql.fetch(Alert, statement, actor.tenant_id, limit)
    return contract.PushAlertList(items=[to_struct(row, contract.PushAlert) for row in rows])


async def replay(*, db: Database, actor: Actor, delivery_id: UUID) -> contract.PushDelivery:
    """Send a dead letter again (after the cause was fixed), with a fresh set of retries."""
    require_role(actor, REPLAY_ROLES, "replay dead letters")
    now = utcnow()
    async with db.transaction():
        replayed = await sql.fetch(
            Delivery,
            _REPLAY,
            now,
            f"replayed by {actor.display_name or actor.user_id}",
            now,
            actor.tenant_id,
            delivery_id,
        )
        found = await sql.fetch(
            Delivery, SELECT_DELIVERY + " AND d.id = {}", actor.tenant_id, delivery_id
        )
        if not found:
            raise NotFound("push delivery", delivery_id)
        if not replayed:
            raise DomainError(
                ErrorCode.ILLEGAL_TRANSITION,
                "Only dead letters (status dead or token_disabled) can be replayed.",
                {"status": found[0]["status"]},
            )
        after_commit(WAKEUP.wake)
    return to_struct(found[0], contract.PushDelivery)
