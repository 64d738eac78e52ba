"""Writing messages and read receipts inside the caller's transaction: the REST use cases
(``messaging.services``) and the engineers' sync push share these, so both follow the same
rules (idempotent by the client's id, open work orders only, a rate limit per portal link,
attachments checked by ``media``) and announce the same events."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from directory import services as directory
from kernel.changes import DocumentChanged, Synced
from kernel.clock import as_utc
from kernel.db import Reader, Transaction
from kernel.errors import AlreadyExists, DomainError, NotFound
from kernel.rows import json_text
from messaging import sql
from messaging.events import Attaching, CustomerWrote
from messaging.sql import Held, MessageRow
from mobile_contract import messaging as contract
from mobile_contract.enums import Role, WorkOrderStatus
from mobile_contract.errors import ErrorCode

# A portal link's holder may send this many messages in any such window (counted in the
# database, so every API process sees the same count).
LINK_MESSAGES = 10
LINK_WINDOW = timedelta(minutes=5)
PREVIEW_CHARS = 100  # of the text, in the handlers' push
_FINISHED = (WorkOrderStatus.CLOSED.value, WorkOrderStatus.CANCELLED.value)
# Who hears of a customer's message on a work order of their team.
_TEAM_DISPATCH = sorted((Role.DISPATCHER.value, Role.SUPERVISOR.value))


@dataclass(frozen=True, slots=True)
class Author:
    """Who writes (or reads): a member of staff (``user_id``) or a portal link (``link_id``)."""

    side: contract.MessageSide
    user_id: UUID | None = None
    link_id: UUID | None = None
    name: str = ""

    @property
    def other_side(self) -> contract.MessageSide:
        return "staff" if self.side == "customer" else "customer"


class TooManyMessages(DomainError):
    """429 ``rate_limited`` with ``Retry-After``: the link sent its messages for now."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            ErrorCode.RATE_LIMITED,
            f"You sent {LINK_MESSAGES} messages in the last "
            f"{int(LINK_WINDOW.total_seconds() // 60)} minutes; send the next one in "
            f"{retry_after} s.",
            {
                "reason": "messages_per_link",
                "max_messages": LINK_MESSAGES,
                "window_seconds": int(LINK_WINDOW.total_seconds()),
                "retry_after_seconds": retry_after,
            },
        )
        self.retry_after = retry_after


def checked(data: contract.MessageCreate) -> contract.MessageCreate:
    """The request with its attachments once each (in the order given); 422 when it says
    nothing at all."""
    if not data.body.strip() and not data.attachment_ids:
        raise DomainError(
            ErrorCode.VALIDATION_FAILED,
            "Write a message or attach a file.",
            {"field": "body"},
        )
    return contract.MessageCreate(
        body=data.body,
        attachment_ids=list(dict.fromkeys(data.attachment_ids)),
        id=data.id,
        occurred_at=data.occurred_at,
    )


async def hold(tx: Transaction, tenant_id: UUID, work_order_id: UUID) -> Held:
    """The work order's row, held until commit (its messages are numbered one at a time)."""
    held = await tx.fetch_one(sql.HOLD_WORK_ORDER, Held, tenant=tenant_id, id=work_order_id)
    if held is None:
        raise NotFound("work order", work_order_id)
    return held


async def stored(tx: Transaction, tenant_id: UUID, message_id: UUID) -> MessageRow | None:
    return await tx.fetch_one(sql.MESSAGE, MessageRow, tenant=tenant_id, id=message_id)


async def write(
    tx: Transaction,
    *,
    tenant_id: UUID,
    work_order_id: UUID,
    author: Author,
    data: contract.MessageCreate,
    now: datetime,
) -> tuple[MessageRow, bool]:
    """The message stored (True), or the one this client id already sent (False; 409 when
    the same id came with other content). ``data`` as ``checked`` answers it."""
    message_id = data.id or uuid4()
    held = await hold(tx, tenant_id, work_order_id)
    earlier = await stored(tx, tenant_id, message_id)
    if earlier is not None:
        return _replayed(earlier, work_order_id, author, data), False
    if held.status in _FINISHED:
        raise DomainError(
            ErrorCode.ILLEGAL_TRANSITION,
            f"This work order is {held.status}: messages can no longer be sent to it.",
            {"status": held.status},
        )
    if author.link_id is not None:
        await _check_rate(tx, tenant_id, author.link_id, now)
    if data.attachment_ids:
        await tx.publish(
            Attaching(
                tenant_id=tenant_id,
                work_order_id=work_order_id,
                upload_ids=tuple(data.attachment_ids),
                link_id=author.link_id,
            )
        )
    last = await tx.fetch_one(sql.LAST_SEQ, sql.Seq, tenant=tenant_id, work_order=work_order_id)
    name = author.name or await _customer_name(tx, tenant_id, held)
    inserted = await tx.fetch(
        sql.INSERT_MESSAGE,
        sql.Id,
        id=uuid4(),
        client_id=message_id,
        tenant=tenant_id,
        work_order=work_order_id,
        seq=(last.seq if last else 0) + 1,
        author_side=author.side,
        author_user=author.user_id,
        author_link=author.link_id,
        author_name=name[:200],
        body=data.body,
        attachments=json_text(data.attachment_ids),
        created_at=now,
        device_time=as_utc(data.occurred_at) if data.occurred_at else None,
    )
    if not inserted:  # the id was taken meanwhile, on another work order
        raise AlreadyExists("message", "id", message_id)
    await changed(tx, tenant_id, [message_id], held, now)
    if author.side == "customer":
        await tx.publish(
            CustomerWrote(
                tenant_id=tenant_id,
                work_order_id=work_order_id,
                number=held.number,
                title=held.title,
                message_id=message_id,
                preview=_preview(data),
                recipient_ids=await _handlers(tx, tenant_id, held),
                now=now,
            )
        )
    row = await stored(tx, tenant_id, message_id)
    assert row is not None  # inserted just now
    return row, True


async def mark_read(
    tx: Transaction,
    *,
    tenant_id: UUID,
    work_order_id: UUID,
    reader: Author,
    first: int,
    last: int,
    read_at: datetime,
) -> list[UUID]:
    """The other side's unread messages numbered ``first`` to ``last``, read now by
    ``reader``; answers their ids (none when all were read already)."""
    held = await hold(tx, tenant_id, work_order_id)
    marked = await tx.fetch(
        sql.MARK_READ,
        sql.Id,
        read_at=read_at,
        user=reader.user_id,
        link=reader.link_id,
        tenant=tenant_id,
        work_order=work_order_id,
        side=reader.other_side,
        first=first,
        last=last,
    )
    ids = [row.id for row in marked]
    await changed(tx, tenant_id, ids, held, read_at)
    return ids


async def unread(handle: Reader, tenant_id: UUID, work_order_id: UUID, reader: Author) -> int:
    """The other side's messages that ``reader``'s side has not read."""
    found = await handle.fetch_one(
        sql.UNREAD, sql.Count, tenant=tenant_id, work_order=work_order_id, side=reader.other_side
    )
    return found.n if found else 0


async def changed(
    tx: Transaction, tenant_id: UUID, message_ids: list[UUID], held: Held, now: datetime
) -> None:
    """Announce changed messages; their owner on devices is the work order's assignee."""
    for message_id in message_ids:
        await tx.publish(
            DocumentChanged(
                tenant_id=tenant_id,
                collection=Synced.MESSAGES,
                document_id=message_id,
                now=now,
                owner=held.assignee,
            )
        )


def _replayed(
    earlier: MessageRow, work_order_id: UUID, author: Author, data: contract.MessageCreate
) -> MessageRow:
    same = (
        earlier.work_order_id == work_order_id
        and earlier.author_side == author.side
        and earlier.author_id == author.user_id
        and earlier.author_link == author.link_id
        and earlier.body == data.body
        and earlier.attachment_ids == data.attachment_ids
    )
    if not same:
        raise AlreadyExists("message", "id", earlier.id)
    return earlier


async def _check_rate(tx: Transaction, tenant_id: UUID, link_id: UUID, now: datetime) -> None:
    recent = await tx.fetch(
        sql.RECENT_FROM_LINK,
        sql.Sent,
        tenant=tenant_id,
        link=link_id,
        since=now - LINK_WINDOW,
        limit=LINK_MESSAGES,
    )
    if len(recent) >= LINK_MESSAGES:
        frees_at = recent[-1].created_at + LINK_WINDOW
        raise TooManyMessages(max(1, math.ceil((frees_at - now).total_seconds())))


async def _customer_name(tx: Transaction, tenant_id: UUID, held: Held) -> str:
    """A customer's message without the link's contact name is signed with the work order's
    customer, where it has one."""
    if held.customer is None:
        return ""
    customer = await directory.customer_by_id(tenant_id, held.customer, reader=tx)
    return customer.name if customer else ""


async def _handlers(tx: Transaction, tenant_id: UUID, held: Held) -> tuple[UUID, ...]:
    """The assigned engineer, and the dispatchers and supervisors of the work order's team
    (without a team, or with none in it, the tenant's dispatchers)."""
    dispatch: list[sql.Id] = []
    if held.team is not None:
        dispatch = await tx.fetch(
            sql.TEAM_DISPATCH,
            sql.Id,
            tenant=tenant_id,
            team=held.team,
            roles=_TEAM_DISPATCH,
            active=True,
        )
    if not dispatch:
        dispatch = await tx.fetch(
            sql.DISPATCHERS, sql.Id, tenant=tenant_id, role=Role.DISPATCHER.value, active=True
        )
    assignee = [held.assignee] if held.assignee is not None else []
    return tuple(dict.fromkeys([*assignee, *(row.id for row in dispatch)]))


def _preview(data: contract.MessageCreate) -> str:
    text = " ".join(data.body.split())
    if not text:
        return f"📎 {len(data.attachment_ids)}"
    return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
