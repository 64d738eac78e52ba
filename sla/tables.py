"""SLA tables: calendars and policies (configuration), and per work order its clocks, the
timers that fire their warnings, breaches and escalation stages, and the escalations fired."""

from piccolo.columns import (
    JSON,
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from accounts.tables import Tenant
from mobile_contract.enums import CustomerTier, Priority
from mobile_contract.sla import ClockKind
from workorders.tables import WorkOrder


class Calendar(Table, tablename="sla_calendar"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    name = Varchar(length=200)
    timezone = Varchar(length=64)
    week = JSON(default="[]")  # seven lists of {start, end} minutes, Monday first
    holidays = JSON(default="[]")
    working_days = JSON(default="[]")
    makeup_weekday = Integer(default=0)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Policy(Table, tablename="sla_policy"):
    """Unique (tenant, match_key): one policy per priority and tier (or any tier)."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    name = Varchar(length=200)
    priority = Varchar(length=2, choices=Priority)
    customer_tier = Varchar(length=20, choices=CustomerTier, null=True, default=None)
    calendar = ForeignKey(Calendar, null=True, default=None)
    response_seconds = Integer()
    arrival_seconds = Integer()
    resolution_seconds = Integer()
    warn_at_percent = JSON(default="[]")
    escalation = JSON(default="[]")
    description = Varchar(length=200, default="")
    match_key = Varchar(length=40)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Clock(Table, tablename="sla_clock"):
    """A running (or met) clock; unique (work_order, kind). ``calendar`` is the calendar as it
    was when the clock last changed (null: 24x7); ``pauses`` the [start, end|null] intervals."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = ForeignKey(WorkOrder, null=False, index=True)
    kind = Varchar(length=12, choices=ClockKind)
    target_seconds = Integer()
    calendar = JSON(default="null")
    started_at = Timestamptz()
    pauses = JSON(default="[]")
    due_at = Timestamptz(null=True, default=None)
    met_at = Timestamptz(null=True, default=None)
    breached_at = Timestamptz(null=True, default=None)
    stopped = Boolean(default=False)  # the work order was cancelled
    # What the policy asks of this clock besides its target: warning percentages and the
    # escalation stages that watch it (so a pause or a resume needs no policy lookup).
    plan = JSON(default="{}")


class Timer(Table, tablename="sla_timer"):
    """Something to do at ``due_at``: a warning, a breach, an escalation stage. Claimed by the
    worker (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and marked ``fired_at`` in the
    transaction that does it: exactly once. A partial index serves the unfired ones."""

    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = ForeignKey(WorkOrder, null=False, index=True)
    clock = Varchar(length=12, choices=ClockKind)
    kind = Varchar(length=12)  # warning, breach, escalation
    due_at = Timestamptz()
    detail = JSON(default="{}")  # {"percent": 75} or {"stage": 0}
    fired_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()


class Escalation(Table, tablename="sla_escalation"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = ForeignKey(WorkOrder, null=False, index=True)
    stage = Integer()
    clock = Varchar(length=12, choices=ClockKind)
    recipient_ids = JSON(default="[]")
    on_call = Boolean(default=False)
    strong = Boolean(default=False)
    at = Timestamptz(index=True)


TABLES: tuple[type[Table], ...] = (Calendar, Policy, Clock, Timer, Escalation)
