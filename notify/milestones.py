"""The five milestones, each recorded once per work order in the transaction that first
reaches it, with one outbox message per recipient and channel (a reaction to
``workorders.events.WorkOrderWritten``).

A milestone is reached when a write makes it true: ``created`` when the row is inserted,
``assigned`` when it gets an engineer, ``resolved`` ("solution confirmed"), ``verified`` and
``closed`` when it enters that status. ``notify_milestone`` is unique per (work order,
milestone) and the insert does nothing when the row exists, so each milestone is sent once
per work order, whatever repeats:

- a retried request or a replayed sync push writes nothing new (or, if it does write, finds
  the milestone's row and adds no message);
- a reassignment after ``assigned`` is not sent again (the customer was told an engineer was
  coming; the portal page shows who it is now, and a later message names the handler as they
  are when it is sent);
- a reopen and a second resolve (or verify) are not sent again: the customer heard "done"
  once; what happens after a reopen is on the portal page and in the closing message;
- two writers racing to the same milestone (PostgreSQL) meet at the unique index: the second
  waits for the first and inserts nothing.

A milestone reached with nobody to tell (no customer, no contact who wants notifications) is
recorded with no message, and a customer added later does not make it due again. Recipients
are the customer's contacts with ``notify`` set: by SMS to their phone and by WeChat to their
open id where the tenant has that channel on, each in their language (the tenant's when they
have none); a contact no channel reaches gets a ``log`` message (the text goes to the server
log, the row says so). The customer's WeCom and DingTalk group robots get one message each,
in the tenant's language. The text is made when the message is sent (``notify.relay``).
"""

from datetime import datetime, timedelta
from uuid import UUID, uuid4

from kernel.db import Transaction
from kernel.wakeup import Wakeup
from mobile_contract.enums import WorkOrderStatus
from mobile_contract.notify import Milestone, TemplateLocale
from notify import sql
from notify.texts import RANK, language_of
from workorders.events import WorkOrderWritten
from workorders.sql import WorkOrderRow

WAKEUP = Wakeup()  # the notify relays of this process
TIME_TO_LIVE = timedelta(hours=24)  # a message not out by then is dead: the news is stale
GROUP = "group"  # the recipient of the group robots' messages
_ENTERED: dict[WorkOrderStatus, Milestone] = {
    WorkOrderStatus.RESOLVED: "resolved",
    WorkOrderStatus.VERIFIED: "verified",
    WorkOrderStatus.CLOSED: "closed",
}


def reached(before: WorkOrderRow | None, after: WorkOrderRow) -> list[Milestone]:
    """The milestones this write may reach for the first time, in their order."""
    found: list[Milestone] = []
    if before is None:
        found.append("created")
    if after.assignee_id is not None and (before is None or before.assignee_id is None):
        found.append("assigned")
    entered = _ENTERED.get(WorkOrderStatus(after.status))
    if entered is not None and (before is None or before.status != after.status):
        found.append(entered)
    return found


async def work_order_written(tx: Transaction, event: WorkOrderWritten) -> None:
    milestones = reached(event.before, event.after)
    if not milestones:
        return
    work_order, tenant, now = event.after, event.tenant_id, event.now
    enqueued = 0
    for milestone in milestones:
        inserted = await tx.fetch_one(
            sql.INSERT_MILESTONE,
            sql.Id,
            id=uuid4(),
            tenant=tenant,
            work_order=work_order.id,
            milestone=milestone,
            status=str(work_order.status),
            now=now,
        )
        if inserted is not None and work_order.customer_id is not None:
            enqueued += await _enqueue(tx, tenant, work_order, milestone, inserted.id, now)
    if enqueued:
        tx.after_commit(WAKEUP.wake)


async def _enqueue(
    tx: Transaction,
    tenant: UUID,
    work_order: WorkOrderRow,
    milestone: Milestone,
    milestone_id: UUID,
    now: datetime,
) -> int:
    customer = await tx.fetch_one(
        sql.CUSTOMER, sql.Customer, tenant=tenant, id=work_order.customer_id
    )
    if customer is None:
        return 0
    kinds = {row.kind for row in await tx.fetch(sql.ENABLED_KINDS, sql.Kind, tenant=tenant)}
    default = language_of(customer.tenant_locale)
    targets = _targets(customer, kinds, default)
    robots = await tx.fetch(
        sql.ENABLED_ROBOTS, sql.RobotRef, tenant=tenant, customer=work_order.customer_id
    )
    targets += [
        (GROUP, customer.name, robot.kind, "", robot.id, default)
        for robot in robots
        if robot.kind in kinds
    ]
    rows = [
        (
            uuid4(),
            tenant,
            work_order.id,
            milestone_id,
            milestone,
            RANK[milestone],
            channel,
            recipient,
            name[:200],
            address[:200],
            robot_id,
            locale,
            "pending",
            0,
            now,
            now + TIME_TO_LIVE,
            now,
            now,
        )
        for recipient, name, channel, address, robot_id, locale in targets
    ]
    if rows:
        await tx.execute(sql.INSERT_MESSAGES, rows=rows)
    return len(rows)


Target = tuple[str, str, str, str, UUID | None, str]


def _targets(customer: sql.Customer, kinds: set[str], default: TemplateLocale) -> list[Target]:
    """(recipient, name, channel, address, robot, locale) of each contact who wants to hear."""
    found: list[Target] = []
    seen: set[tuple[str, str]] = set()
    for contact in customer.contacts:
        if not isinstance(contact, dict) or contact.get("notify", True) is False:
            continue
        name = str(contact.get("name") or "")
        phone = str(contact.get("phone") or "").strip()
        open_id = str(contact.get("wechat_open_id") or "").strip()
        locale = language_of(str(contact.get("locale") or ""), default=default)
        digits = "".join(c for c in phone if c.isdigit())
        recipient = "contact:" + (digits or open_id or name)
        channels = []
        if digits and "sms" in kinds:
            channels.append(("sms", phone))
        if open_id and "wechat" in kinds:
            channels.append(("wechat", open_id))
        for channel, address in channels or [("log", phone or open_id)]:
            if (channel, address or recipient) not in seen:  # the same person listed twice
                seen.add((channel, address or recipient))
                found.append((recipient[:250], name, channel, address, None, locale))
    return found
