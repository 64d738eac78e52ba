"""Every SQL statement of ``sla``, and the rows they answer."""

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec

from kernel.statements import Statement
from mobile_contract.enums import CustomerTier
from mobile_contract.sla import ClockKind

# Calendars and policies ---------------------------------------------------------------------

_CALENDAR = (
    "SELECT id, name, timezone, week, holidays, working_days, makeup_weekday, created_at,"
    " updated_at FROM sla_calendar"
)
CALENDARS = Statement(_CALENDAR + " WHERE tenant = :tenant ORDER BY name, id")
CALENDAR = Statement(_CALENDAR + " WHERE tenant = :tenant AND id = :id")
INSERT_CALENDAR = Statement(
    "INSERT INTO sla_calendar (id, tenant, name, timezone, week, holidays, working_days,"
    " makeup_weekday, created_at, updated_at) VALUES (:id, :tenant, :name, :timezone, :week,"
    " :holidays, :working_days, :makeup_weekday, :now, :now)"
)
UPDATE_CALENDAR = Statement(
    "UPDATE sla_calendar SET name = :name, timezone = :timezone, week = :week,"
    " holidays = :holidays, working_days = :working_days, makeup_weekday = :makeup_weekday,"
    " updated_at = :now WHERE tenant = :tenant AND id = :id"
)
DELETE_CALENDAR = Statement("DELETE FROM sla_calendar WHERE tenant = :tenant AND id = :id")
POLICIES_USING_CALENDAR = Statement(
    "SELECT id, name FROM sla_policy WHERE tenant = :tenant AND calendar = :calendar"
)

_POLICY = (
    "SELECT id, name, priority, customer_tier, calendar AS calendar_id, response_seconds,"
    " arrival_seconds, resolution_seconds, warn_at_percent, escalation, description,"
    " created_at, updated_at FROM sla_policy"
)
POLICIES = Statement(_POLICY + " WHERE tenant = :tenant ORDER BY priority, customer_tier, id")
POLICY = Statement(_POLICY + " WHERE tenant = :tenant AND id = :id")
POLICY_WITH_KEY = Statement(
    "SELECT id, name FROM sla_policy WHERE tenant = :tenant AND match_key = :key"
)
INSERT_POLICY = Statement(
    "INSERT INTO sla_policy (id, tenant, name, priority, customer_tier, calendar,"
    " response_seconds, arrival_seconds, resolution_seconds, warn_at_percent, escalation,"
    " description, match_key, created_at, updated_at) VALUES (:id, :tenant, :name, :priority,"
    " :customer_tier, :calendar, :response_seconds, :arrival_seconds, :resolution_seconds,"
    " :warn_at_percent, :escalation, :description, :key, :now, :now)"
)
UPDATE_POLICY = Statement(
    "UPDATE sla_policy SET name = :name, priority = :priority, customer_tier = :customer_tier,"
    " calendar = :calendar, response_seconds = :response_seconds,"
    " arrival_seconds = :arrival_seconds, resolution_seconds = :resolution_seconds,"
    " warn_at_percent = :warn_at_percent, escalation = :escalation,"
    " description = :description, match_key = :key, updated_at = :now"
    " WHERE tenant = :tenant AND id = :id"
)
DELETE_POLICY = Statement("DELETE FROM sla_policy WHERE tenant = :tenant AND id = :id")
USERS = Statement("SELECT id FROM accounts_user WHERE tenant = :tenant AND id IN :ids")


class Named(msgspec.Struct):
    id: UUID
    name: str


class Id(msgspec.Struct):
    id: UUID


# Policy resolution and the locks that keep a calendar and the policies using it consistent ----

POLICIES_WITH_KEYS = Statement(_POLICY + " WHERE tenant = :tenant AND match_key IN :keys")
# A policy being saved holds its calendar (FOR SHARE) so a concurrent delete waits and then
# sees the policy; a delete holds the calendar (FOR UPDATE) while it looks for users of it.
CALENDAR_FOR_SHARE = Statement(
    "SELECT id FROM sla_calendar WHERE tenant = :tenant AND id = :id @for_share"
)
CALENDAR_FOR_UPDATE = Statement(
    "SELECT id FROM sla_calendar WHERE tenant = :tenant AND id = :id @for_update"
)


# Clocks, timers and escalations -------------------------------------------------------------

_CLOCK = (
    "SELECT id, kind, target_seconds, calendar, started_at, pauses, met_at, breached_at,"
    " stopped, plan FROM sla_clock"
)
CLOCKS = Statement(_CLOCK + " WHERE tenant = :tenant AND work_order = :work_order")
INSERT_CLOCK = Statement(
    "INSERT INTO sla_clock (id, tenant, work_order, kind, target_seconds, calendar, started_at,"
    " pauses, met_at, breached_at, stopped, plan) VALUES (:id, :tenant, :work_order, :kind,"
    " :target_seconds, :calendar, :started_at, :pauses, :met_at, :breached_at, :stopped, :plan)"
)
UPDATE_CLOCK = Statement(
    "UPDATE sla_clock SET target_seconds = :target_seconds, calendar = :calendar,"
    " pauses = :pauses, met_at = :met_at, breached_at = :breached_at, stopped = :stopped,"
    " plan = :plan WHERE tenant = :tenant AND id = :id"
)
FIRED = Statement(
    "SELECT clock, kind, detail FROM sla_timer WHERE tenant = :tenant"
    " AND work_order = :work_order AND fired_at IS NOT NULL"
)
DELETE_UNFIRED = Statement(
    "DELETE FROM sla_timer WHERE tenant = :tenant AND work_order = :work_order AND fired_at IS NULL"
)
INSERT_TIMERS = Statement(
    "INSERT INTO sla_timer (id, tenant, work_order, clock, kind, due_at, detail, created_at)"
    " VALUES :rows"
)
TIER = Statement(
    "SELECT c.tier FROM directory_customer c WHERE c.tenant = :tenant AND c.id = COALESCE("
    " :customer, (SELECT s.customer FROM directory_site s WHERE s.tenant = :tenant"
    " AND s.id = :site))"
)


class ClockRow(msgspec.Struct, kw_only=True):
    id: UUID
    kind: ClockKind
    target_seconds: int
    calendar: dict[str, Any] | None = None
    started_at: datetime
    pauses: list[list[datetime | None]] = []
    met_at: datetime | None = None
    breached_at: datetime | None = None
    stopped: bool = False
    plan: dict[str, Any] = {}


class FiredTimer(msgspec.Struct):
    clock: str
    kind: str
    detail: dict[str, Any]


class Tier(msgspec.Struct):
    tier: CustomerTier | None = None


# The timer worker ---------------------------------------------------------------------------

CLAIM = Statement(
    "SELECT id, tenant, work_order, clock, kind, due_at, detail FROM sla_timer"
    " WHERE fired_at IS NULL AND due_at <= :now AND (:every_tenant OR tenant = :tenant)"
    " ORDER BY due_at LIMIT :limit @skip_locked"
)
MARK_FIRED = Statement("UPDATE sla_timer SET fired_at = :now WHERE id IN :ids")
SET_BREACHED = Statement(
    "UPDATE sla_clock SET breached_at = :now WHERE tenant = :tenant"
    " AND work_order = :work_order AND kind = :kind AND breached_at IS NULL"
)
TEAM_LEADS = Statement(
    'SELECT u.id FROM accounts_user u JOIN accounts_team_member m ON m."user" = u.id'
    " WHERE u.tenant = :tenant AND m.team = :team AND u.role = 'supervisor'"
    " AND u.is_active = :active"
)
WITH_ROLE = Statement(
    "SELECT id FROM accounts_user WHERE tenant = :tenant AND role = :role AND is_active = :active"
)
ACTIVE_USERS = Statement(
    "SELECT id FROM accounts_user WHERE tenant = :tenant AND id IN :ids AND is_active = :active"
)
INSERT_ESCALATION = Statement(
    "INSERT INTO sla_escalation (id, tenant, work_order, stage, clock, recipient_ids, on_call,"
    " strong, at) VALUES (:id, :tenant, :work_order, :stage, :clock, :recipients, :on_call,"
    " :strong, :now)"
)
ESCALATIONS = Statement(
    "SELECT e.id, e.work_order AS work_order_id, w.number, w.title, w.priority, e.stage,"
    " e.clock, e.recipient_ids, e.on_call, e.strong, e.at FROM sla_escalation e"
    " JOIN workorders_work_order w ON w.id = e.work_order"
    " WHERE e.tenant = :tenant AND (:first_page OR e.at < :after_at"
    " OR (e.at = :after_at AND e.id < :after_id)) ORDER BY e.at DESC, e.id DESC LIMIT :limit"
)


class DueTimer(msgspec.Struct, kw_only=True):
    id: UUID
    tenant: UUID
    work_order: UUID
    clock: ClockKind
    kind: str
    due_at: datetime
    detail: dict[str, Any] = {}
