"""Work-order tables. ``workorders_event`` is append-only: rows are inserted, never updated."""

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from accounts.tables import Team, Tenant, User
from directory.tables import Asset, Customer, Site
from mobile_contract.enums import (
    Channel,
    HoldReason,
    Priority,
    PrioritySource,
    WorkOrderStatus,
    WorkOrderType,
)


class WorkOrder(Table, tablename="workorders_work_order"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    number = Varchar(length=32)
    title = Varchar(length=200)
    description = Text(default="")
    type = Varchar(length=40, choices=WorkOrderType)
    priority = Varchar(length=2, choices=Priority)
    status = Varchar(length=20, choices=WorkOrderStatus, index=True)
    hold_reason = Varchar(length=20, choices=HoldReason, null=True, default=None)
    channel = Varchar(length=20, choices=Channel)
    site = ForeignKey(Site, null=True, default=None, index=True)
    asset = ForeignKey(Asset, null=True, default=None, index=True)
    customer = ForeignKey(Customer, null=True, default=None, index=True)
    team = ForeignKey(Team, null=True, default=None, index=True)
    assignee = ForeignKey(User, null=True, default=None, index=True)
    created_by = ForeignKey(User, null=True, default=None)
    environment = Varchar(length=200, default="")
    tags = JSON(default="[]")
    metadata = JSON(default="{}")
    created_at = Timestamptz(index=True)
    updated_at = Timestamptz()
    resolved_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    version = Integer(default=1)
    # The last status steps ({status, at, hold_reason}) for devices; the timeline is the record.
    status_history = JSON(default="[]")
    # Work orders opened by alarms (``alarms/``): the alarm type, unique among the asset's open
    # work orders (a partial index, migration), and the summary clients show.
    alarm_type = Varchar(length=20, null=True, default=None)
    alarm = JSON(default="null")
    # Who set the priority: the rules (``triage``; the reasons and the rule-set version beside
    # it) or a person, whose choice the rules never change.
    priority_source = Varchar(length=10, choices=PrioritySource, default="person")
    priority_reasons = JSON(default="[]")
    rule_set_version = Integer(null=True, default=None)
    # The SLA clocks as clients show them (``sla`` keeps the clocks; it writes this summary in
    # the transaction that moves them, and nothing else writes it).
    sla = JSON(default="[]")


class WorkOrderEvent(Table, tablename="workorders_event"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = ForeignKey(WorkOrder, null=False, index=True)
    actor = ForeignKey(User, null=True, default=None)
    actor_role = Varchar(length=20, default="")
    action = Varchar(length=60)
    before = JSON(default="{}")
    after = JSON(default="{}")
    reason = Text(default="")
    metadata = JSON(default="{}")
    server_time = Timestamptz(index=True)
    device_time = Timestamptz(null=True, default=None)


class Note(Table, tablename="workorders_note"):
    """``id`` is the server's; ``client_id`` is the id the API and devices use (a device makes
    it offline), unique per tenant: one tenant's ids never clash with, or reveal, another's."""

    id = UUID(primary_key=True)
    client_id = UUID(null=True, default=None)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = ForeignKey(WorkOrder, null=False, index=True)
    author = ForeignKey(User, null=True, default=None)
    body = Text()
    created_at = Timestamptz()
    device_time = Timestamptz(null=True, default=None)
    # The knowledge-base article the note inserted (a citation, ``knowledge/citations.py``).
    kb_article = UUID(null=True, default=None)
    kb_article_version = Integer(null=True, default=None)


class ChecklistItem(Table, tablename="workorders_checklist_item"):
    """Keyed like ``Note``: ``client_id`` (the API's id) is unique per tenant."""

    id = UUID(primary_key=True)
    client_id = UUID(null=True, default=None)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = ForeignKey(WorkOrder, null=False, index=True)
    position = Integer(default=0)
    label = Varchar(length=200)
    required = Boolean(default=False)
    done = Boolean(default=False)
    value = Varchar(length=200, default="")
    updated_by = ForeignKey(User, null=True, default=None)
    updated_at = Timestamptz()
    version = Integer(default=1)


class NumberCounter(Table, tablename="workorders_number_counter"):
    """Per-tenant, per-year counter behind human numbers such as ``WO-2026-000123``."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    year = Integer()
    last_value = Integer(default=0)


TABLES: tuple[type[Table], ...] = (WorkOrder, WorkOrderEvent, Note, ChecklistItem, NumberCounter)
