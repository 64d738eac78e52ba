"""Acknowledgements: the app says a push arrived ("received") or was opened; a P0 assignment
nobody acknowledges within the ack timeout alerts on-call (once), because a push accepted by
APNs or FCM may still never reach a phone in a cold room's basement.

An engineer answering the assignment (accepting or refusing it, online or from an offline
sync) acknowledges it too: they were reached.
"""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from kernel import sql
from kernel.clock import utcnow
from kernel.context import Actor
from kernel.db import Database
from kernel.errors import NotFound
from kernel.rows import as_uuid, json_object, to_struct, uuid_of
from mobile_contract import push as contract
from mobile_contract.enums import AckEvent
from push import alerts
from push.deliveries import SELECT_DELIVERY
from push.tables import Delivery, Notification

# Only the device's own user acknowledges; a delivery still waiting to be (re)sent was
# evidently delivered, so it is not sent again.
_ACK_DELIVERY = (
    "UPDATE push_delivery SET received_at = COALESCE(received_at, {}),"
    " opened_at = CASE WHEN {} THEN COALESCE(opened_at, {}) ELSE opened_at END,"
    " status = CASE WHEN status IN ('pending', 'retrying') THEN 'delivered' ELSE status END,"
    " sent_at = COALESCE(sent_at, {}), updated_at = {}"
    " WHERE tenant = {} AND id = {} AND device IN"
    ' (SELECT id FROM device_registry_device WHERE tenant = {} AND "user" = {})'
    " RETURNING notification"
)
_ACK_NOTIFICATIONS = (
    "UPDATE push_notification SET acknowledged_at = {}"
    " WHERE tenant = {} AND acknowledged_at IS NULL AND needs_ack AND "
)
_WITHDRAW = (
    "UPDATE push_notification SET withdrawn_at = {} WHERE tenant = {} AND subject_id = {}"
    " AND needs_ack AND acknowledged_at IS NULL AND withdrawn_at IS NULL"
)
_UNACKNOWLEDGED = (
    "UPDATE push_notification SET ack_alerted_at = {} WHERE id IN (SELECT id FROM"
    " push_notification WHERE needs_ack AND acknowledged_at IS NULL AND ack_alerted_at IS NULL"
    " AND withdrawn_at IS NULL AND created_at <= {} AND expires_at > {}"
    " ORDER BY created_at LIMIT 100{})"
    " RETURNING id, tenant, recipient, subject_id, title, params, created_at"
)
_NAMES = "SELECT id, display_name FROM accounts_user WHERE id IN ({})"
_DELIVERIES_OF = (
    "SELECT d.notification, d.status, d.last_reason, v.platform FROM push_delivery d"
    " JOIN device_registry_device v ON v.id = d.device WHERE d.notification IN ({})"
)


async def acknowledge(
    *, db: Database, actor: Actor, delivery_id: UUID, event: AckEvent
) -> contract.PushDelivery:
    """Record that the caller's device got (or opened) the push; safe to repeat: the first
    time of each is kept."""
    now = utcnow()
    opened = event is AckEvent.OPENED
    async with db.transaction():
        acked = await sql.fetch(
            Delivery,
            _ACK_DELIVERY,
            now,
            opened,
            now,
            now,
            now,
            actor.tenant_id,
            delivery_id,
            actor.tenant_id,
            actor.user_id,
        )
        if not acked:  # not a delivery to one of the caller's devices
            raise NotFound("push delivery", delivery_id)
        await sql.fetch(
            Notification,
            _ACK_NOTIFICATIONS + "id = {}",
            now,
            actor.tenant_id,
            acked[0]["notification"],
        )
        (row,) = await sql.fetch(
            Delivery, SELECT_DELIVERY + " AND d.id = {}", actor.tenant_id, delivery_id
        )
    return to_struct(row, contract.PushDelivery)


async def acknowledge_subject(
    *, tenant_id: UUID, recipient_id: UUID, subject_id: UUID, now: datetime
) -> None:
    """In the caller's transaction: the recipient acted on ``subject_id`` (e.g. accepted the
    work order), which answers every notification about it still waiting for them."""
    await sql.fetch(
        Notification,
        _ACK_NOTIFICATIONS + "subject_id = {} AND recipient = {}",
        now,
        tenant_id,
        subject_id,
        recipient_id,
    )


async def withdraw_subject(
    *, tenant_id: UUID, subject_id: UUID, keep_recipient: UUID | None, now: datetime
) -> None:
    """In the caller's transaction: ``subject_id`` no longer concerns the recipients of its
    notifications (but ``keep_recipient``), so no acknowledgement is awaited from them."""
    keep = " AND recipient <> {}" if keep_recipient is not None else ""
    values = [keep_recipient] if keep_recipient is not None else []
    await sql.fetch(Notification, _WITHDRAW + keep, now, tenant_id, subject_id, *values)


async def alert_unacknowledged(*, db: Database, within: timedelta, now: datetime) -> int:
    """Alert on-call about each notification that needs an acknowledgement and has had none
    ``within`` (once per notification); answers how many."""
    skip_locked = "" if db.is_sqlite else " FOR UPDATE SKIP LOCKED"
    async with db.transaction():
        statement = _UNACKNOWLEDGED.format("{}", "{}", "{}", skip_locked)
        rows = await sql.fetch(Notification, statement, now, now - within, now)
        if not rows:
            return 0
        ids = [row["id"] for row in rows]
        by_notification: dict[str, list[dict[str, Any]]] = {}
        for delivery in await sql.fetch(
            Delivery, _DELIVERIES_OF.format(sql.placeholders(len(ids))), *ids
        ):
            by_notification.setdefault(str(delivery["notification"]), []).append(delivery)
        recipients = list({str(row["recipient"]): row["recipient"] for row in rows}.values())
        names = {
            str(user["id"]): user["display_name"]
            for user in await sql.fetch(
                Notification, _NAMES.format(sql.placeholders(len(recipients))), *recipients
            )
        }
        for row in rows:
            engineer = names.get(str(row["recipient"]), "")
            await _alert(row, engineer, by_notification.get(str(row["id"]), []), now)
    return len(rows)


async def _alert(
    row: dict[str, Any], engineer: str, deliveries: list[dict[str, Any]], now: datetime
) -> None:
    minutes = int((now - row["created_at"]).total_seconds() // 60)
    params = json_object(row["params"])
    number = params.get("number")
    if deliveries:
        states = ", ".join(f"{d['platform']}: {d['status']}" for d in deliveries)
        reach = f"no device acknowledged it ({states})"
    else:
        reach = f"{engineer} has no device registered for push"
    priority = params.get("priority", "")
    what = f"{priority} {number} assigned to {engineer}" if number else row["title"]
    await alerts.raise_alert(
        tenant_id=uuid_of(row["tenant"]),
        kind=alerts.UNACKNOWLEDGED,
        message=f"Not acknowledged after {minutes} min: {what.strip()}; {reach}.",
        details={
            "notification_id": str(row["id"]),
            "recipient_id": str(row["recipient"]),
            "engineer": engineer,
            "work_order_number": number,
            "priority": params.get("priority"),
            "minutes": minutes,
            "deliveries": [
                {"platform": d["platform"], "status": d["status"], "reason": d["last_reason"]}
                for d in deliveries
            ],
        },
        subject_id=as_uuid(row["subject_id"]),
        now=now,
    )
