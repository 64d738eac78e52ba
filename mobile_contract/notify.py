"""The customer's milestone notifications: the channels a tenant sends them through, each
customer's group robots, the texts per milestone and language, and what a work order sent.

Secrets (an SMS gateway's signing key, a WeChat access token or AppSecret, a group robot's
webhook address and its 加签 secret) are write-only: no answer carries them, only whether one
is set. A field left out of a ``PUT`` keeps the stored secret; an empty one clears it.
"""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from mobile_contract.types import LINE_PATTERN, TEXT_PATTERN, ShortText

Unset = msgspec.UnsetType
UNSET = msgspec.UNSET

ChannelKind = Literal["sms", "wechat", "wecom", "dingtalk"]
RobotKind = Literal["wecom", "dingtalk"]
# created (with the portal link), assigned (the handler and the ETA), resolved (the solution
# is to be confirmed), verified, closed (with the report link).
Milestone = Literal["created", "assigned", "resolved", "verified", "closed"]
TemplateLocale = Literal["zh-CN", "en"]
# ``log``: no channel reaches the recipient; the text went to the server log only.
SentChannel = Literal["sms", "wechat", "wecom", "dingtalk", "log"]
MessageStatus = Literal["pending", "retrying", "sent", "logged", "dead"]

#: An http(s) address, or "" (none).
OptionalUrl = Annotated[
    str, Meta(max_length=1000, pattern=r"^(https?://[^\s\x00-\x1f\x7f]+)?$(?!\n)")
]
WebhookUrl = Annotated[
    str, Meta(min_length=1, max_length=1000, pattern=r"^https?://[^\s\x00-\x1f\x7f]+$(?!\n)")
]
Secret = Annotated[str, Meta(max_length=1000, pattern=LINE_PATTERN)]
TemplateText = Annotated[str, Meta(max_length=1000, pattern=TEXT_PATTERN)]


class NotifyChannelUpdate(msgspec.Struct, kw_only=True):
    """A tenant's channel. ``sms``: a JSON SMS gateway at ``endpoint``, each request signed
    with ``secret`` (``sign_name`` is the SMS signature; with ``template_code`` the gateway
    gets the template and its parameters instead of the text). ``wechat``: template messages of
    an official account to ``endpoint`` (``template_id``); ``secret`` is an access token, or
    with ``app_id`` the AppSecret the server gets access tokens with (from
    ``token_endpoint``). ``wecom`` and ``dingtalk``: switches the customers' group robots on
    (their addresses are per customer); no endpoint, no secret."""

    enabled: bool = True
    endpoint: OptionalUrl = ""
    secret: Secret | Unset = UNSET
    sign_name: ShortText = ""
    template_code: ShortText = ""
    template_id: ShortText = ""
    app_id: ShortText = ""
    token_endpoint: OptionalUrl = ""


class NotifyChannel(msgspec.Struct, kw_only=True):
    id: UUID | None = None  # None until it is saved
    kind: ChannelKind
    configured: bool  # saved at least once (else it is off)
    enabled: bool = False
    endpoint: str = ""
    has_secret: bool = False
    sign_name: str = ""
    template_code: str = ""
    template_id: str = ""
    app_id: str = ""
    token_endpoint: str = ""
    updated_at: datetime | None = None


class NotifyChannelList(msgspec.Struct, kw_only=True):
    items: list[NotifyChannel]


class CustomerRobotUpdate(msgspec.Struct, kw_only=True):
    """A group robot in the service group chat with the customer. ``webhook_url`` (it holds
    the robot's key) is needed the first time; ``secret`` is DingTalk's 加签 secret (SEC…)."""

    enabled: bool = True
    webhook_url: WebhookUrl | Unset = UNSET
    secret: Secret | Unset = UNSET


class CustomerRobot(msgspec.Struct, kw_only=True):
    id: UUID
    customer_id: UUID
    kind: RobotKind
    enabled: bool
    webhook_host: str  # where it posts, without the key
    has_secret: bool = False
    updated_at: datetime


class CustomerRobotList(msgspec.Struct, kw_only=True):
    items: list[CustomerRobot]


class NotifyTemplateUpdate(msgspec.Struct, kw_only=True):
    """The text with placeholders in braces (``{number}``); "" goes back to the built-in
    text."""

    text: TemplateText


class NotifyTemplate(msgspec.Struct, kw_only=True):
    id: UUID | None = None  # None for a built-in text
    milestone: Milestone
    locale: TemplateLocale
    text: str
    custom: bool  # the tenant's own text (else the built-in one)
    updated_at: datetime | None = None


class NotifyTemplateList(msgspec.Struct, kw_only=True):
    items: list[NotifyTemplate]
    placeholders: list[str]  # what a text may use
    required: dict[str, list[str]] = {}  # milestone -> placeholders its text must have


class CustomerNotification(msgspec.Struct, kw_only=True):
    """One message of a milestone to one recipient through one channel."""

    id: UUID
    milestone: Milestone
    channel: SentChannel
    recipient: str  # the contact's name, or the customer's group
    address: str  # masked: a phone's last digits, an open id's ends, the robot's kind
    status: MessageStatus
    attempts: int
    last_status_code: int | None = None
    last_error: str = ""
    created_at: datetime
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None


class MilestoneReached(msgspec.Struct, kw_only=True):
    milestone: Milestone
    reached_at: datetime
    messages: int  # none: the work order had no customer contact to tell


class CustomerNotificationList(msgspec.Struct, kw_only=True):
    milestones: list[MilestoneReached]
    items: list[CustomerNotification]
