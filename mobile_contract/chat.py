"""Status queries by work-order number from chat channels.

An admin registers a tenant's chat channel (``POST /api/v1/chat/channels``) and pastes the
answer's ``webhook_url`` and ``secret`` into the chat platform. The platform then passes each
customer message to ``POST /api/v1/chat/status-query?channel=<id>``, signed with the secret:

- ``wechat``: as a WeChat official account's server configuration (the secret is its Token):
  query ``signature`` = hex SHA-1 of the sorted concatenation of the Token, ``timestamp`` and
  ``nonce``; the body is WeChat's XML message; the answer a passive text reply. WeChat's URL
  check (``GET`` with ``echostr``) is answered too.
- ``generic``: a ``ChatStatusQuery`` JSON body, header ``X-Fieldops-Timestamp`` (Unix
  seconds) and ``X-Fieldops-Signature`` = hex HMAC-SHA256(secret, timestamp + "." + body);
  the answer a ``ChatAnswer``.

Only a number of one of the sender's own repairs (the sender's phone or open id is a contact of
the work order's customer) is answered with a card; any other text gets the same answer.
"""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.directory import OpenId
from mobile_contract.eta import Eta
from mobile_contract.messaging import MessageSide
from mobile_contract.portal import CustomerStep, PortalPromise
from mobile_contract.types import Name, Phone

ChatStyle = Literal["wechat", "generic"]
ChatLanguage = Literal["zh-CN", "en"]

MAX_QUERY_TEXT = 2_000  # what a customer types to ask; only the number in it is kept


class ChatChannelCreate(msgspec.Struct, kw_only=True):
    name: Name  # for the admins' list ("WeChat official account")
    style: ChatStyle = "generic"


class ChatChannel(msgspec.Struct, kw_only=True):
    """A channel, never with its secret. ``webhook_url``: where the platform sends queries."""

    id: UUID
    name: str
    style: ChatStyle
    enabled: bool
    webhook_url: str
    created_at: datetime
    secret_rotated_at: datetime
    disabled_at: datetime | None = None


class ChatChannelWithSecret(msgspec.Struct, kw_only=True):
    """The only answers that hold the secret (creation and rotation): the server keeps it
    sealed and never shows it again. A rotation stops the previous secret at once."""

    channel: ChatChannel
    secret: str


class ChatChannelList(msgspec.Struct, kw_only=True):
    items: list[ChatChannel]


class ChatSender(msgspec.Struct, kw_only=True):
    """Who asked, as the platform knows them: a phone number (any usual spelling: ``+86 138
    0013 8000``, ``8613800138000`` and ``13800138000`` are one number), an open id, or both."""

    phone: Phone = ""
    open_id: OpenId = ""


class ChatStatusQuery(msgspec.Struct, kw_only=True):
    """A ``generic`` channel's query: ``{"from": {...}, "text": "查询 WO-2026-000123"}``.
    The same request twice is a replay (its signature is its nonce): ``id``, the platform's
    id of the message, tells two equal messages sent within a second apart."""

    sender: ChatSender = msgspec.field(default_factory=ChatSender, name="from")
    text: Annotated[str, Meta(max_length=MAX_QUERY_TEXT)] = ""
    id: Annotated[str, Meta(max_length=100)] = ""


class ChatHandler(msgspec.Struct, kw_only=True):
    name: str
    phone: str = ""


class ChatLatestMessage(msgspec.Struct, kw_only=True):
    """The conversation's latest message, from either side, trimmed for a chat bubble."""

    side: MessageSide
    author: str  # the engineer's name, or "you" in the card's language
    text: str
    at: datetime


class ChatCard(msgspec.Struct, kw_only=True):
    """A repair's progress in the customer's words. ``state``: what happens now;
    ``promise_words`` and ``eta_words`` the promise and the estimate as the text says them (in
    the site's time zone); ``portal_link``: a new link for this sender, valid until
    ``link_expires_at``."""

    number: str
    title: str
    step: CustomerStep
    state: str
    handler: ChatHandler | None = None
    promise: PortalPromise | None = None
    promise_words: str = ""
    eta: Eta | None = None
    eta_words: str = ""
    latest_message: ChatLatestMessage | None = None
    portal_link: str
    link_expires_at: datetime
    language: ChatLanguage


class ChatAnswer(msgspec.Struct, kw_only=True):
    """A ``generic`` channel's answer: ``text`` to show the customer as it is; ``card`` the
    same as data, null when there is nothing to show (the one "not found" answer)."""

    card: ChatCard | None = None
    text: str
