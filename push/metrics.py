"""Push health for dispatchers and supervisors, and the health scorecard's notification
availability: what happened to the tenant's deliveries in a window, and what waits now."""

from datetime import timedelta

from kernel.clock import utcnow
from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database
from mobile_contract import push as contract
from mobile_contract.enums import DeliveryStatus
from push import sql

REAL_PROVIDERS = ("apns", "fcm")


async def push_metrics(*, db: Database, actor: Actor, window_hours: int) -> contract.PushMetrics:
    require_role(actor, DISPATCH_ROLES, "read push metrics")
    now = utcnow()
    since = now - timedelta(hours=window_hours)
    tenant = actor.tenant_id
    async with db.snapshot() as reader:
        counts = await reader.fetch(
            sql.OUTCOMES, contract.PushOutcomeCount, tenant=tenant, since=since
        )
        # Aggregates without GROUP BY: one row each.
        (queue,) = await reader.fetch(sql.QUEUE, sql.Queue, tenant=tenant)
        (acknowledged,) = await reader.fetch(
            sql.ACKNOWLEDGED, sql.Count, tenant=tenant, since=since
        )
        alerts = await reader.fetch(sql.ALERT_KINDS, sql.KindCount, tenant=tenant, since=since)
        (alerts_pending,) = await reader.fetch(sql.ALERTS_PENDING, sql.Count, tenant=tenant)
    return contract.PushMetrics(
        window_hours=window_hours,
        generated_at=now,
        outcomes=sorted(counts, key=lambda c: (c.provider, c.status)),
        queue_depth=queue.depth,
        oldest_pending_age_seconds=(now - queue.oldest).total_seconds() if queue.oldest else None,
        dead_letters=sum(
            c.count
            for c in counts
            if c.status in (DeliveryStatus.DEAD, DeliveryStatus.TOKEN_DISABLED)
        ),
        availability=availability(counts),
        acknowledged=acknowledged.count,
        alerts={row.kind: row.count for row in alerts},
        alerts_pending=alerts_pending.count,
    )


def availability(counts: list[contract.PushOutcomeCount]) -> float | None:
    """Delivered / (delivered + dead) through APNs and FCM: the share of finished deliveries
    the service got to the provider. A dead token is the device's doing, not the service's,
    and the ``log`` provider sends nothing, so neither counts; nothing finished: ``None``."""
    real = [c for c in counts if c.provider in REAL_PROVIDERS]
    delivered = sum(c.count for c in real if c.status is DeliveryStatus.DELIVERED)
    dead = sum(c.count for c in real if c.status is DeliveryStatus.DEAD)
    return delivered / (delivered + dead) if delivered + dead else None
