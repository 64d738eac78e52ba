"""Acknowledgements: the app says a push arrived ("received") or was opened; a P0 assignment
nobody acknowledges within the ack timeout alerts on-call (once), because a push accepted by
APNs or FCM may still never reach a phone in a cold room's basement.

An engineer answering the assignment (accepting or refusing it, online or from an offline
sync) acknowledges it too: they were reached.
"""

from datetime import datetime, timedelta
from uuid import UUID

from kernel.clock import utcnow
from kernel.context import Actor
from kernel.db import Database, Transaction
from kernel.errors import NotFound
from mobile_contract import push as contract
from mobile_contract.enums import AckEvent
from push import alerts, sql


async def acknowledge(
    *, db: Database, actor: Actor, delivery_id: UUID, event: AckEvent
) -> contract.PushDelivery:
    """Record that the caller's device got (or opened) the push; safe to repeat: the first
    time of each is kept."""
    now = utcnow()
    async with db.transaction() as tx:
        acked = await tx.fetch_one(
            sql.ACK_DELIVERY,
            sql.Acked,
            now=now,
            opened=event is AckEvent.OPENED,
            tenant=actor.tenant_id,
            id=delivery_id,
            user=actor.user_id,
        )
        if acked is None:  # not a delivery to one of the caller's devices
            raise NotFound("push delivery", delivery_id)
        await tx.execute(
            sql.ACK_NOTIFICATION, now=now, tenant=actor.tenant_id, id=acked.notification
        )
        delivery = await tx.fetch_one(
            sql.DELIVERY, contract.PushDelivery, tenant=actor.tenant_id, id=delivery_id
        )
    if delivery is None:  # (acknowledged just now, in this transaction)
        raise NotFound("push delivery", delivery_id)
    return delivery


async def acknowledge_subject(
    *, tx: Transaction, tenant_id: UUID, recipient_id: UUID, subject_id: UUID, now: datetime
) -> None:
    """The recipient acted on ``subject_id`` (e.g. accepted the work order), which answers
    every notification about it still waiting for them."""
    await tx.execute(
        sql.ACK_SUBJECT, now=now, tenant=tenant_id, subject=subject_id, recipient=recipient_id
    )


async def withdraw_subject(
    *,
    tx: Transaction,
    tenant_id: UUID,
    subject_id: UUID,
    keep_recipient: UUID | None,
    now: datetime,
) -> None:
    """``subject_id`` no longer concerns the recipients of its notifications (but
    ``keep_recipient``), so no acknowledgement is awaited from them."""
    if keep_recipient is None:
        await tx.execute(sql.WITHDRAW, now=now, tenant=tenant_id, subject=subject_id)
    else:
        await tx.execute(
            sql.WITHDRAW_FROM_OTHERS,
            now=now,
            tenant=tenant_id,
            subject=subject_id,
            keep=keep_recipient,
        )


async def alert_unacknowledged(*, db: Database, within: timedelta, now: datetime) -> int:
    """Alert on-call about each notification that needs an acknowledgement and has had none
    ``within`` (once per notification); answers how many."""
    async with db.transaction() as tx:
        rows = await tx.fetch(sql.UNACKNOWLEDGED, sql.Unacknowledged, now=now, due=now - within)
        if not rows:
            return 0
        by_notification: dict[UUID, list[sql.DeliveryState]] = {}
        ids = tuple(row.id for row in rows)
        for delivery in await tx.fetch(sql.DELIVERIES_OF, sql.DeliveryState, ids=ids):
            by_notification.setdefault(delivery.notification, []).append(delivery)
        recipients = tuple({row.recipient for row in rows})
        names = {
            user.id: user.display_name
            for user in await tx.fetch(sql.NAMES, sql.Name, ids=recipients)
        }
        for row in rows:
            engineer = names.get(row.recipient, "")
            await _alert(tx, row, engineer, by_notification.get(row.id, []), now)
    return len(rows)


async def _alert(
    tx: Transaction,
    row: sql.Unacknowledged,
    engineer: str,
    deliveries: list[sql.DeliveryState],
    now: datetime,
) -> None:
    minutes = int((now - row.created_at).total_seconds() // 60)
    params = row.params
    number = params.get("number")
    if deliveries:
        states = ", ".join(f"{d.platform}: {d.status}" for d in deliveries)
        reach = f"no device acknowledged it ({states})"
    else:
        reach = f"{engineer} has no device registered for push"
    priority = params.get("priority", "")
    what = f"{priority} {number} assigned to {engineer}" if number else row.title
    await alerts.raise_alert(
        tx=tx,
        tenant_id=row.tenant,
        kind=alerts.UNACKNOWLEDGED,
        message=f"Not acknowledged after {minutes} min: {what.strip()}; {reach}.",
        details={
            "notification_id": str(row.id),
            "recipient_id": str(row.recipient),
            "engineer": engineer,
            "work_order_number": number,
            "priority": params.get("priority"),
            "minutes": minutes,
            "deliveries": [
                {"platform": d.platform, "status": d.status, "reason": d.last_reason}
                for d in deliveries
            ],
        },
        subject_id=row.subject_id,
        now=now,
    )
