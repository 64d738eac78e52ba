"""Tables of ``notify``. Unique indexes are added by the raw migration.

``notify_milestone`` is the once-per-work-order record: unique (tenant, work_order,
milestone), inserted by the transaction that first reaches the milestone, so nothing that
comes later (a retry, a replay, a reopen and resolve again) can add its messages twice.
``notify_message`` is the outbox the relay drains; ``notify_link`` the portal link each
recipient of a work order gets, its token sealed (``notify.secrets``).
"""

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from accounts.tables import Tenant, User
from directory.tables import Customer
from portal.tables import PortalLink
from workorders.tables import WorkOrder


class Channel(Table, tablename="notify_channel"):
    """A tenant's SMS gateway or WeChat official account, or the switch of the customers'
    WeCom / DingTalk group robots. Unique (tenant, kind)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    kind = Varchar(length=10)  # sms, wechat, wecom, dingtalk
    enabled = Boolean(default=True)
    endpoint = Varchar(length=1000, default="")
    sealed_secret = Text(default="")
    options = JSON(default="{}")  # sign_name, template_code, template_id, app_id, token_endpoint
    updated_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    updated_at = Timestamptz()


class CustomerRobot(Table, tablename="notify_customer_robot"):
    """The group robot of the service group chat with a customer. Unique (tenant, customer,
    kind)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    customer = ForeignKey(Customer, null=False, index=True)
    kind = Varchar(length=10)  # wecom, dingtalk
    enabled = Boolean(default=True)
    sealed_webhook = Text()  # the address holds the robot's key
    webhook_host = Varchar(length=255, default="")
    sealed_secret = Text(default="")  # DingTalk's 加签 secret
    updated_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    updated_at = Timestamptz()


class Template(Table, tablename="notify_template"):
    """A tenant's own text of a milestone in a language. Unique (tenant, milestone, locale)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    milestone = Varchar(length=20)
    locale = Varchar(length=10)
    text = Text()
    updated_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    updated_at = Timestamptz()


class Milestone(Table, tablename="notify_milestone"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = ForeignKey(WorkOrder, null=False, index=True)
    milestone = Varchar(length=20)
    status = Varchar(length=20)  # the work order's status when it was reached
    reached_at = Timestamptz()


class Message(Table, tablename="notify_message"):
    """One milestone to one recipient through one channel; rendered when it is sent."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = ForeignKey(WorkOrder, null=False, index=True)
    milestone = ForeignKey(Milestone, null=False)
    kind = Varchar(length=20)  # the milestone's name
    rank = SmallInt()  # the milestone's place: a recipient gets them in this order
    channel = Varchar(length=10)  # sms, wechat, wecom, dingtalk, log
    recipient = Varchar(length=250)  # who (a contact, the customer's group): one link each
    contact_name = Varchar(length=200, default="")
    address = Varchar(length=200, default="")  # a phone, an open id ("" for a robot)
    robot = ForeignKey(CustomerRobot, null=True, default=None)
    locale = Varchar(length=10)
    status = Varchar(length=10)  # pending, retrying, sent, logged, dead
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    claimed_until = Timestamptz(null=True, default=None)
    expires_at = Timestamptz()
    last_status_code = Integer(null=True, default=None)
    last_reason = Text(default="")
    last_response = Text(default="")
    sent_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Link(Table, tablename="notify_link"):
    """The portal link a recipient of a work order's messages got. Unique (tenant,
    work_order, recipient)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = ForeignKey(WorkOrder, null=False, index=True)
    recipient = Varchar(length=250)
    portal_link = ForeignKey(PortalLink, null=True, default=None, on_delete=OnDelete.set_null)
    sealed_token = Text(default="")
    updated_at = Timestamptz()


TABLES: tuple[type[Table], ...] = (Channel, CustomerRobot, Template, Milestone, Message, Link)
