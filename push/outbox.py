"""Write notifications beside the change that causes them (the transactional outbox).

``enqueue`` runs inside the caller's transaction: a notification row per recipient and a
delivery row per enabled device of theirs. Relays of this process are woken after commit;
relays elsewhere (``fieldops worker``) find the rows on their next poll.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from device_registry import services as devices
from kernel.db import Transaction
from kernel.rows import json_text
from kernel.wakeup import Wakeup
from push import sql
from push.providers import HIGH

PENDING = "pending"
PROVIDER_OF_PLATFORM = {"ios": "apns", "android": "fcm"}


@dataclass(frozen=True, slots=True)
class Message:
    kind: str  # assignment, escalation, milestone ...
    title: str
    body: str = ""
    subject_id: UUID | None = None  # what it is about, e.g. the work order
    data: dict[str, str] = field(default_factory=dict)  # ids for the app, never content
    params: dict[str, str] = field(default_factory=dict)  # the kind's text in each language
    priority: str = HIGH  # URGENT, HIGH (wake the device) or NORMAL (when convenient)
    collapse_key: str = ""  # a newer notification with the same key replaces an older one
    time_to_live: timedelta = timedelta(hours=24)
    needs_ack: bool = False  # on-call hears of it when no device acknowledges it in time


WAKEUP = Wakeup()  # the push relays of this process


async def enqueue(
    *, tx: Transaction, tenant_id: UUID, recipients: list[UUID], message: Message, now: datetime
) -> int:
    """Notify ``recipients`` on every enabled device of theirs; answers the deliveries made.
    A recipient without a device still gets the notification row (the board shows it as
    unreachable)."""
    targets = await devices.push_targets(tx, tenant_id=tenant_id, user_ids=recipients)
    data, params = json_text(message.data), json_text(message.params)
    notifications = {user_id: uuid4() for user_id in recipients}
    if notifications:
        await tx.execute(
            sql.INSERT_NOTIFICATIONS,
            rows=[
                (
                    notification_id,
                    tenant_id,
                    user_id,
                    message.kind,
                    message.subject_id,
                    message.title,
                    message.body,
                    data,
                    message.priority,
                    message.collapse_key,
                    now + message.time_to_live,
                    now,
                    message.needs_ack,
                    params,
                )
                for user_id, notification_id in notifications.items()
            ],
        )
    if targets:
        await tx.execute(
            sql.INSERT_DELIVERIES,
            rows=[
                (
                    uuid4(),
                    tenant_id,
                    notifications[device.user_id],
                    device.id,
                    PROVIDER_OF_PLATFORM[device.platform],
                    PENDING,
                    0,
                    now,
                    "",
                    "",
                    now,
                    now,
                )
                for device in targets
            ],
        )
        tx.after_commit(WAKEUP.wake)
    return len(targets)
