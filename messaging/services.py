"""The use cases of messages, for staff (an ``Actor``: anyone who sees the work order reads,
its engineer and the dispatch roles write and mark read) and for the customer (a
``PortalCaller``: its one work order). Each is one transaction; the rules are in
``messaging.writing``, shared with the engineers' sync push.

Attachments are upload sessions, which ``media`` owns (a package above this one): answers
describe them through the ``AttachmentCatalog`` the caller passes (``media.attachments``).
"""

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from kernel.clock import utcnow
from kernel.context import Actor, PortalCaller
from kernel.db import Database, Reader, Transaction
from kernel.errors import Forbidden, NotFound
from messaging import sql, writing
from messaging.sql import MessageRow
from messaging.writing import Author
from mobile_contract import messaging as contract
from workorders import queries
from workorders.sql import WorkOrderRow

DEFAULT_PAGE = 50


class AttachmentCatalog(Protocol):
    """Describes upload sessions as a message shows them (``media`` supplies it)."""

    async def describe(
        self, reader: Reader, *, tenant_id: UUID, upload_ids: Sequence[UUID]
    ) -> dict[UUID, contract.MessageAttachment]:
        """Each of ``upload_ids`` the tenant has, as it is now."""


# Staff -------------------------------------------------------------------------------------


async def list_for_staff(
    *,
    db: Database,
    actor: Actor,
    work_order_id: UUID,
    attachments: AttachmentCatalog,
    after: int = 0,
    limit: int = DEFAULT_PAGE,
) -> contract.MessageList:
    """The conversation, oldest first, after message ``after`` (anyone who sees the work
    order)."""
    async with db.snapshot() as reader:
        await queries.load_row(actor, work_order_id, reader=reader)
        return await _page(
            reader,
            actor.tenant_id,
            work_order_id,
            _staff(actor),
            after,
            limit,
            attachments,
            for_customer=False,
        )


async def post_as_staff(
    *,
    db: Database,
    actor: Actor,
    work_order_id: UUID,
    data: contract.MessageCreate,
    attachments: AttachmentCatalog,
) -> tuple[contract.Message, bool]:
    """The message sent to the customer (True), or the one this ``id`` already sent (False).
    The work order's engineer and the dispatch roles write; others who see it get 403."""
    data = writing.checked(data)
    async with db.transaction() as tx:
        await _writable_by(tx, actor, work_order_id)
        row, created = await writing.write(
            tx,
            tenant_id=actor.tenant_id,
            work_order_id=work_order_id,
            author=_staff(actor),
            data=data,
            now=utcnow(),
        )
        (message,) = await _messages(tx, actor.tenant_id, [row], attachments, for_customer=False)
    return message, created


async def mark_read_by_staff(
    *, db: Database, actor: Actor, work_order_id: UUID, request: contract.MarkRead
) -> contract.ReadReceipt:
    """The customer's messages up to ``request.up_to`` are read (the customer sees when)."""
    async with db.transaction() as tx:
        await _writable_by(tx, actor, work_order_id)
        return await _mark_read(tx, actor.tenant_id, work_order_id, _staff(actor), request)


# The customer ------------------------------------------------------------------------------


async def list_for_portal(
    *,
    db: Database,
    caller: PortalCaller,
    attachments: AttachmentCatalog,
    after: int = 0,
    limit: int = DEFAULT_PAGE,
) -> contract.MessageList:
    """The link's work order's conversation, oldest first, after message ``after``; without
    staff ids (names only)."""
    async with db.snapshot() as reader:
        await queries.load_row_in_tenant(caller.tenant_id, caller.work_order_id, reader=reader)
        return await _page(
            reader,
            caller.tenant_id,
            caller.work_order_id,
            _customer(caller),
            after,
            limit,
            attachments,
            for_customer=True,
        )


async def post_as_customer(
    *,
    db: Database,
    caller: PortalCaller,
    data: contract.MessageCreate,
    attachments: AttachmentCatalog,
) -> tuple[contract.Message, bool]:
    """The customer's message (True), or the one this ``id`` already sent (False); the
    assigned engineer and the dispatchers get a push. At most ``writing.LINK_MESSAGES`` per
    link in ``writing.LINK_WINDOW`` (429 with Retry-After); attachments are the link's own
    uploads of this work order."""
    data = writing.checked(data)
    async with db.transaction() as tx:
        row, created = await writing.write(
            tx,
            tenant_id=caller.tenant_id,
            work_order_id=caller.work_order_id,
            author=_customer(caller),
            data=data,
            now=utcnow(),
        )
        (message,) = await _messages(tx, caller.tenant_id, [row], attachments, for_customer=True)
    return message, created


async def mark_read_by_customer(
    *, db: Database, caller: PortalCaller, request: contract.MarkRead
) -> contract.ReadReceipt:
    """The staff's messages up to ``request.up_to`` are read (the staff see when)."""
    async with db.transaction() as tx:
        return await _mark_read(
            tx, caller.tenant_id, caller.work_order_id, _customer(caller), request
        )


# Shared ------------------------------------------------------------------------------------


async def latest(reader: Reader, *, tenant_id: UUID, work_order_id: UUID) -> MessageRow | None:
    """The work order's last message, from either side (for a reader that already holds the
    work order, e.g. the chat card)."""
    return await reader.fetch_one(
        sql.LATEST, MessageRow, tenant=tenant_id, work_order=work_order_id
    )


def _staff(actor: Actor) -> Author:
    return Author("staff", user_id=actor.user_id, name=actor.display_name)


def _customer(caller: PortalCaller) -> Author:
    return Author("customer", link_id=caller.link_id, name=caller.contact_name)


async def _writable_by(tx: Transaction, actor: Actor, work_order_id: UUID) -> WorkOrderRow:
    """The work order, when the actor may write to its customer (404 out of scope)."""
    row = await queries.load_row(actor, work_order_id, reader=tx)
    if not (actor.dispatches or queries.is_assignee(actor, row)):
        raise Forbidden(
            "Only the work order's engineer and the dispatch roles write to its customer.",
            {"work_order_id": str(work_order_id)},
        )
    return row


async def _mark_read(
    tx: Transaction,
    tenant_id: UUID,
    work_order_id: UUID,
    reader: Author,
    request: contract.MarkRead,
) -> contract.ReadReceipt:
    target = await tx.fetch_one(
        sql.SEQ_ON, sql.Seq, tenant=tenant_id, work_order=work_order_id, id=request.up_to
    )
    if target is None:
        raise NotFound("message", request.up_to)
    now = utcnow()
    marked = await writing.mark_read(
        tx,
        tenant_id=tenant_id,
        work_order_id=work_order_id,
        reader=reader,
        first=1,
        last=target.seq,
        read_at=now,
    )
    return contract.ReadReceipt(
        up_to=request.up_to,
        marked=len(marked),
        unread=await writing.unread(tx, tenant_id, work_order_id, reader),
        read_at=now,
    )


async def _page(
    reader: Reader,
    tenant_id: UUID,
    work_order_id: UUID,
    viewer: Author,
    after: int,
    limit: int,
    attachments: AttachmentCatalog,
    *,
    for_customer: bool,
) -> contract.MessageList:
    rows = await reader.fetch(
        sql.PAGE,
        MessageRow,
        tenant=tenant_id,
        work_order=work_order_id,
        after=after,
        limit=limit + 1,
    )
    return contract.MessageList(
        items=await _messages(reader, tenant_id, rows[:limit], attachments, for_customer),
        has_more=len(rows) > limit,
        unread=await writing.unread(reader, tenant_id, work_order_id, viewer),
    )


async def _messages(
    reader: Reader,
    tenant_id: UUID,
    rows: list[MessageRow],
    attachments: AttachmentCatalog,
    for_customer: bool,
) -> list[contract.Message]:
    """Rows as a caller sees them: attachments described; for the customer, no staff ids."""
    upload_ids = list(dict.fromkeys(i for row in rows for i in row.attachment_ids))
    described = (
        await attachments.describe(reader, tenant_id=tenant_id, upload_ids=upload_ids)
        if upload_ids
        else {}
    )
    return [
        contract.Message(
            id=row.id,
            work_order_id=row.work_order_id,
            seq=row.seq,
            author_side="customer" if row.author_side == "customer" else "staff",
            author_id=None if for_customer else row.author_id,
            author_name=row.author_name,
            body=row.body,
            attachments=[
                described.get(upload_id) or contract.MessageAttachment(id=upload_id)
                for upload_id in row.attachment_ids
            ],
            created_at=row.created_at,
            device_time=row.device_time,
            read_at=row.read_at,
            read_by_id=None if for_customer else row.read_by_id,
            read_by_name=row.read_by_name,
            portal_link_id=None if for_customer else row.author_link,
        )
        for row in rows
    ]
