"""Messages between a work order's customer (through the portal link) and the staff handling
it: text with attachments (upload sessions of the same work order), oldest first, each with
its place in the conversation (``seq``) and when the other side read it.

Staff write and read at ``/api/v1/work-orders/{id}/messages``, engineers also offline through
the ``messages`` sync collection; the customer at ``/api/v1/portal/messages``. A message is
never edited or deleted. ``id`` may be made by the client, so a retried post (or an offline
device's push) never sends a message twice.
"""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.enums import EvidenceKind, UploadStatus
from mobile_contract.types import TEXT_PATTERN, AnyText

#: Who wrote a message: the customer through a portal link, or a member of staff.
MessageSide = Literal["customer", "staff"]

MAX_BODY = 20_000  # as a note
MAX_ATTACHMENTS = 10
MAX_PAGE = 200


class MessageCreate(msgspec.Struct, kw_only=True):
    """Text, attachments (ids of upload sessions of this work order: the customer's own, sent
    through the same link), or both. ``id``: a client-made UUID, so a retry answers the
    message already sent (200) instead of sending it twice; the same ``id`` with other
    content is a 409. ``occurred_at``: the device's clock when it was written (kept, not
    trusted)."""

    body: Annotated[str, Meta(max_length=MAX_BODY, pattern=TEXT_PATTERN)] = ""
    attachment_ids: Annotated[list[UUID], Meta(max_length=MAX_ATTACHMENTS)] = []
    id: UUID | None = None
    occurred_at: datetime | None = None


class MessageAttachment(msgspec.Struct, kw_only=True):
    """An upload a message carries, as it is now (``status`` follows verification: a file
    being uploaded is ``pending``, one the verifier refused ``rejected``)."""

    id: UUID
    kind: EvidenceKind | None = None  # None: the upload is no longer there
    content_type: str = ""
    size: int = 0
    status: UploadStatus | None = None


class Message(msgspec.Struct, kw_only=True):
    """One message. ``read_at``: when the other side first read it (staff read the
    customer's messages, the customer reads the staff's); null while unread."""

    id: UUID
    work_order_id: UUID
    seq: int  # its place in the work order's conversation: 1, 2, ...
    author_side: MessageSide
    author_id: UUID | None = None  # the member of staff (null for the customer)
    author_name: str = ""
    body: str = ""
    attachments: list[MessageAttachment] = []
    created_at: datetime
    device_time: datetime | None = None
    read_at: datetime | None = None
    read_by_id: UUID | None = None  # the member of staff who read it (staff answers only)
    read_by_name: str = ""
    portal_link_id: UUID | None = None  # the link a customer's message came through (staff)


class MessageList(msgspec.Struct, kw_only=True):
    """A page of the conversation, oldest first. Ask for the next one (or, later, for what
    is new) with ``after`` = the last ``seq`` you hold. ``unread``: the other side's messages
    the caller's side has not read yet (all of them, not only this page's)."""

    items: list[Message]
    has_more: bool = False
    unread: int = 0


class MarkRead(msgspec.Struct, kw_only=True):
    """The other side's messages up to and including ``up_to`` (a message of this work
    order, from either side) are read. Repeating it changes nothing."""

    up_to: UUID


class ReadReceipt(msgspec.Struct, kw_only=True):
    """``marked``: messages this request marked read (0 on a repeat); ``unread``: the other
    side's messages still unread."""

    up_to: UUID
    marked: int
    unread: int
    read_at: datetime


class MessageDocument(msgspec.Struct, kw_only=True):
    """A message on an engineer's device (the ``messages`` collection: the work orders
    assigned to them). A device pushes a new message of its own (held to the REST limits and
    rules), or a customer's message with ``read_at`` set when the engineer read it; anything
    else a push changes is refused (messages are never edited or deleted) and the server's
    document comes back. Attachments are upload ids: fetch the files through their uploads."""

    id: UUID
    work_order_id: UUID | None = None
    seq: int = 0
    author_side: AnyText = ""
    author_id: UUID | None = None
    author_name: AnyText = ""
    body: AnyText = ""
    attachment_ids: list[UUID] = []
    created_at: datetime | None = None
    device_time: datetime | None = None
    read_at: datetime | None = None
    read_by_id: UUID | None = None
    deleted: bool = msgspec.field(default=False, name="_deleted")
