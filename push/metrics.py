"""Push health for dispatchers and supervisors, and the health scorecard's notification
availability: what happened to the tenant's deliveries in a window, and what waits now."""

from datetime import datetime, timedelta
from typing import Any

from kernel import sql
from kernel.clock import utcnow
from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database
from mobile_contract import push as contract
from mobile_contract.enums import DeliveryStatus
from push.tables import Alert, Delivery

REAL_PROVIDERS = ("apns", "fcm")
_OUTCOMES = (
    "SELECT provider, status, COUNT(*) AS count FROM push_delivery"
    " WHERE tenant = {} AND created_at >= {} GROUP BY provider, status"
)
_QUEUE = (
    "SELECT COUNT(*) AS depth, MIN(created_at) AS oldest FROM push_delivery"
    " WHERE tenant = {} AND status IN ('pending', 'retrying')"
)
_ACKNOWLEDGED = (
    "SELECT COUNT(*) AS count FROM push_delivery"
    " WHERE tenant = {} AND created_at >= {} AND received_at IS NOT NULL"
)
_ALERTS = (
    "SELECT kind, COUNT(*) AS count FROM push_alert"
    " WHERE tenant = {} AND created_at >= {} GROUP BY kind"
)
_ALERTS_PENDING = (
    "SELECT COUNT(*) AS count FROM push_alert WHERE tenant = {} AND status = 'pending'"
)


async def push_metrics(*, db: Database, actor: Actor, window_hours: int) -> contract.PushMetrics:
    require_role(actor, DISPATCH_ROLES, "read push metrics")
    now = utcnow()
    since = now - timedelta(hours=window_hours)
    tenant = actor.tenant_id
    async with db.snapshot():
        outcomes = await sql.fetch(Delivery, _OUTCOMES, tenant, since)
        (queue,) = await sql.fetch(Delivery, _QUEUE, tenant)
        (acknowledged,) = await sql.fetch(Delivery, _ACKNOWLEDGED, tenant, since)
        alerts = await sql.fetch(Alert, _ALERTS, tenant, since)
        (alerts_pending,) = await sql.fetch(Alert, _ALERTS_PENDING, tenant)
    counts = [
        contract.PushOutcomeCount(
            provider=row["provider"], status=DeliveryStatus(row["status"]), count=row["count"]
        )
        for row in outcomes
    ]
    oldest = _timestamp(queue["oldest"])
    return contract.PushMetrics(
        window_hours=window_hours,
        generated_at=now,
        outcomes=sorted(counts, key=lambda c: (c.provider, c.status)),
        queue_depth=queue["depth"],
        oldest_pending_age_seconds=(now - oldest).total_seconds() if oldest else None,
        dead_letters=sum(
            c.count
            for c in counts
            if c.status in (DeliveryStatus.DEAD, DeliveryStatus.TOKEN_DISABLED)
        ),
        availability=availability(counts),
        acknowledged=acknowledged["count"],
        alerts={row["kind"]: row["count"] for row in alerts},
        alerts_pending=alerts_pending["count"],
    )


def availability(counts: list[contract.PushOutcomeCount]) -> float | None:
    """Delivered / (delivered + dead) through APNs and FCM: the share of finished deliveries
    the service got to the provider. A dead token is the device's doing, not the service's,
    and the ``log`` provider sends nothing, so neither counts; nothing finished: ``None``."""
    real = [c for c in counts if c.provider in REAL_PROVIDERS]
    delivered = sum(c.count for c in real if c.status is DeliveryStatus.DELIVERED)
    dead = sum(c.count for c in real if c.status is DeliveryStatus.DEAD)
    return delivered / (delivered + dead) if delivered + dead else None


def _timestamp(value: Any) -> datetime | None:
    """An aggregate's timestamp: SQLite hands back the stored text (no declared type)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
