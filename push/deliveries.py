"""Deliveries as the API shows them: dispatch roles see their tenant's, anyone their own."""

from uuid import UUID

from kernel.clock import utcnow
from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database
from kernel.errors import DomainError, NotFound
from mobile_contract import push as contract
from mobile_contract.enums import DeliveryStatus, Role
from mobile_contract.errors import ErrorCode
from push import sql
from push.outbox import WAKEUP

MAX_LIMIT = 500
REPLAY_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR})


async def list_deliveries(
    *,
    db: Database,
    actor: Actor,
    subject_id: UUID | None = None,
    status: DeliveryStatus | None = None,
    limit: int = 100,
) -> contract.PushDeliveryList:
    """Newest first. Engineers see the deliveries to themselves only."""
    async with db.snapshot() as reader:
        items = await reader.fetch(
            sql.DELIVERIES,
            contract.PushDelivery,
            tenant=actor.tenant_id,
            everyone=actor.dispatches,
            recipient=actor.user_id,
            any_subject=subject_id is None,
            subject=subject_id,
            any_status=status is None,
            status=None if status is None else status.value,
            limit=limit,
        )
    return contract.PushDeliveryList(items=items)


async def list_alerts(*, db: Database, actor: Actor, limit: int = 100) -> contract.PushAlertList:
    """The tenant's on-call alerts, newest first (the dispatch roles)."""
    require_role(actor, DISPATCH_ROLES, "read on-call alerts")
    async with db.snapshot() as reader:
        items = await reader.fetch(
            sql.ALERTS, contract.PushAlert, tenant=actor.tenant_id, limit=limit
        )
    return contract.PushAlertList(items=items)


async def replay(*, db: Database, actor: Actor, delivery_id: UUID) -> contract.PushDelivery:
    """Send a dead letter again (after the cause was fixed), with a fresh set of retries."""
    require_role(actor, REPLAY_ROLES, "replay dead letters")
    now = utcnow()
    async with db.transaction() as tx:
        replayed = await tx.fetch_one(
            sql.REPLAY,
            sql.Id,
            now=now,
            reason=f"replayed by {actor.display_name or actor.user_id}",
            tenant=actor.tenant_id,
            id=delivery_id,
        )
        found = await tx.fetch_one(
            sql.DELIVERY, contract.PushDelivery, tenant=actor.tenant_id, id=delivery_id
        )
        if found is None:
            raise NotFound("push delivery", delivery_id)
        if replayed is None:
            raise DomainError(
                ErrorCode.ILLEGAL_TRANSITION,
                "Only dead letters (status dead or token_disabled) can be replayed.",
                {"status": found.status.value},
            )
        tx.after_commit(WAKEUP.wake)
    return found
