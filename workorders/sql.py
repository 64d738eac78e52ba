"""Every SQL statement of the work-order package, and the typed rows they select.

Each entity is declared once: its contract Struct (``mobile_contract.work_orders``) names the
fields, and a field->column map names the columns spelled otherwise. Select lists and the
work order's update are built from those at import, so the statements stay fixed texts.
"""

# ruff: noqa: S608 - statement texts are joined from declared names at import; values are bound

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import Enum
from typing import Any
from uuid import UUID

import msgspec

from kernel.rows import json_text
from kernel.statements import Statement
from mobile_contract import work_orders as contract
from mobile_contract.sync import StatusStep


class WorkOrderRow(contract.WorkOrder, kw_only=True):
    """The stored work order: the contract's fields plus the status steps devices get."""

    status_history: list[StatusStep] = []
    # Set on work orders opened by alarms: at most one open work order per (asset, alarm type)
    # (a unique partial index, so concurrent ingest cannot open two).
    alarm_type: str | None = None


# Fields whose column is named otherwise (foreign keys name the referenced row).
WORK_ORDER_COLUMNS: Mapping[str, str] = {
    "site_id": "site",
    "asset_id": "asset",
    "customer_id": "customer",
    "team_id": "team",
    "assignee_id": "assignee",
    "created_by_id": "created_by",
}
# Set once, when the work order is created (``sla``: by its own statement, SET_SLA).
_IMMUTABLE = frozenset(
    {"id", "number", "channel", "created_by_id", "created_at", "metadata", "alarm_type", "sla"}
)
# What a write sets: every other field, always all of them (one fixed statement).
MUTABLE_FIELDS = tuple(
    name for name in msgspec.structs.fields(WorkOrderRow) if name.name not in _IMMUTABLE
)
WORK_ORDER_FIELDS = tuple(f.name for f in msgspec.structs.fields(WorkOrderRow))
CONTRACT_FIELDS = tuple(f.name for f in msgspec.structs.fields(contract.WorkOrder))
NOTE_COLUMNS: Mapping[str, str] = {
    "id": "client_id",
    "work_order_id": "work_order",
    "author_id": "author",
    "kb_article_id": "kb_article",
}
CHECKLIST_COLUMNS: Mapping[str, str] = {
    "id": "client_id",
    "work_order_id": "work_order",
    "updated_by_id": "updated_by",
}


def column(columns: Mapping[str, str], name: str) -> str:
    return columns.get(name, name)


def select_list(fields: Iterable[str], columns: Mapping[str, str], alias: str = "") -> str:
    """``col AS field, ...`` for ``fields`` (built at import from a declaration, never per
    call; names only, values are always bound)."""
    prefix = alias + "." if alias else ""
    return ", ".join(prefix + column(columns, name) + " AS " + name for name in fields)


_WO_SELECT = "SELECT " + select_list(WORK_ORDER_FIELDS, WORK_ORDER_COLUMNS)
_WO_ONE = _WO_SELECT + " FROM workorders_work_order WHERE tenant = :tenant AND id = :id"
_IN_SCOPE = " AND (assignee = :user OR team IN :teams)"

ROW = Statement(_WO_ONE)
ROWS = Statement(_WO_SELECT + " FROM workorders_work_order WHERE tenant = :tenant AND id IN :ids")
ROW_FOR_SHARE = Statement(_WO_ONE + " @for_share")
ROW_IN_SCOPE = Statement(_WO_ONE + _IN_SCOPE)
ROW_IN_SCOPE_FOR_SHARE = Statement(_WO_ONE + _IN_SCOPE + " @for_share")

# One page of the list: every filter is always present, off when its flag says "any".
PAGE = Statement(
    _WO_SELECT + " FROM workorders_work_order WHERE tenant = :tenant"
    " AND (:everyone OR assignee = :user OR team IN :teams)"
    " AND (:any_status OR status IN :statuses)"
    " AND (:any_priority OR priority IN :priorities)"
    " AND (:any_team OR team = :team)"
    " AND (:any_assignee OR assignee = :assignee)"
    " AND (:any_site OR site = :site)"
    " AND (:any_asset OR asset = :asset)"
    " AND (:any_customer OR customer = :customer)"
    " AND (:any_text OR title @ilike :pattern ESCAPE '\\'"
    " OR description @ilike :pattern ESCAPE '\\' OR number @ilike :pattern ESCAPE '\\')"
    " AND (:first_page OR created_at < :after_at OR (created_at = :after_at AND id < :after_id))"
    " ORDER BY created_at DESC, id DESC LIMIT :limit"
)
# A queue: the open work orders of a team or an engineer, most urgent first, then oldest.
QUEUE = Statement(
    _WO_SELECT + " FROM workorders_work_order WHERE tenant = :tenant"
    " AND (:any_team OR team = :team) AND (:any_assignee OR assignee = :assignee)"
    " AND status NOT IN ('resolved', 'verified', 'closed', 'cancelled')"
    " AND (:first_page OR priority > :after_priority OR (priority = :after_priority"
    " AND (created_at > :after_at OR (created_at = :after_at AND id > :after_id))))"
    " ORDER BY priority, created_at, id LIMIT :limit"
)

INSERT_WORK_ORDER = Statement(
    "INSERT INTO workorders_work_order (tenant, "
    + ", ".join(column(WORK_ORDER_COLUMNS, name) for name in WORK_ORDER_FIELDS)
    + ") VALUES (:tenant, "
    + ", ".join(":" + name for name in WORK_ORDER_FIELDS)
    + ")"
)
# Compare-and-set on the version: concurrent writers never overwrite each other.
UPDATE_WORK_ORDER = Statement(
    "UPDATE workorders_work_order SET "
    + ", ".join(column(WORK_ORDER_COLUMNS, f.name) + " = :" + f.name for f in MUTABLE_FIELDS)
    + " WHERE tenant = :tenant AND id = :id AND version = :expected RETURNING id"
)
VERSION = Statement("SELECT version FROM workorders_work_order WHERE tenant = :tenant AND id = :id")

NEXT_NUMBER = Statement(
    "INSERT INTO workorders_number_counter (id, tenant, year, last_value) "
    "VALUES (:id, :tenant, :year, 1) "
    "ON CONFLICT (tenant, year) "
    "DO UPDATE SET last_value = workorders_number_counter.last_value + 1 "
    "RETURNING last_value"
)

INSERT_EVENTS = Statement(
    "INSERT INTO workorders_event (id, tenant, work_order, actor, actor_role, action, before, "
    "after, reason, metadata, server_time, device_time) VALUES :rows"
)
TIMELINE = Statement(
    "SELECT e.id AS id, e.action AS action, e.actor AS actor_id, "
    "COALESCE(u.display_name, '') AS actor_name, e.actor_role AS actor_role, "
    "e.before AS before, e.after AS after, e.reason AS reason, e.server_time AS server_time, "
    "e.device_time AS device_time, e.metadata AS metadata "
    "FROM workorders_event AS e LEFT JOIN accounts_user AS u ON u.id = e.actor "
    "WHERE e.tenant = :tenant AND e.work_order = :work_order ORDER BY e.server_time"
)
REASSIGNED_AWAY = Statement(
    "SELECT server_time, before FROM workorders_event "
    "WHERE tenant = :tenant AND work_order = :work_order AND action = 'transition:reassign' "
    "ORDER BY server_time DESC"
)

PERSON = Statement(
    "SELECT id, display_name, phone FROM accounts_user WHERE tenant = :tenant AND id = :id"
)
TEAM_EXISTS = Statement("SELECT id FROM accounts_team WHERE tenant = :tenant AND id = :id")
ASSET_SITE = Statement("SELECT site FROM directory_asset WHERE tenant = :tenant AND id = :id")
# Another open work order of an asset for an alarm type (the unique partial index's rows).
SET_SLA = Statement(
    "UPDATE workorders_work_order SET sla = :sla WHERE tenant = :tenant AND id = :id"
)
# How long similar work orders took to resolve (the priority rules' history condition).
RESOLUTION_TIMES = Statement(
    "SELECT w.created_at, w.resolved_at FROM workorders_work_order w"
    " JOIN directory_asset a ON a.id = w.asset"
    " WHERE w.tenant = :tenant AND a.family = :family AND w.type = :type"
    " AND w.resolved_at >= :since AND w.status IN ('resolved', 'verified', 'closed')"
    " ORDER BY w.resolved_at DESC LIMIT :limit"
)
OTHER_OPEN_ALARM = Statement(
    "SELECT number FROM workorders_work_order WHERE tenant = :tenant AND asset = :asset"
    " AND alarm_type = :type AND status NOT IN ('closed', 'cancelled') AND id <> :id"
)
ASSIGNEE = Statement(
    "SELECT role, is_active FROM accounts_user WHERE tenant = :tenant AND id = :id"
)

_NOTE_FIELDS = tuple(f.name for f in msgspec.structs.fields(contract.Note))
_NOTE_SELECT = (
    "SELECT "
    + ", ".join(
        "COALESCE(u.display_name, '') AS author_name"
        if name == "author_name"
        else "n." + column(NOTE_COLUMNS, name) + " AS " + name
        for name in _NOTE_FIELDS
    )
    + " FROM workorders_note AS n LEFT JOIN accounts_user AS u ON u.id = n.author"
    " WHERE n.tenant = :tenant AND n.work_order = :work_order"
)
NOTES = Statement(_NOTE_SELECT + " ORDER BY n.created_at")
NOTE = Statement(_NOTE_SELECT + " AND n.client_id = :id")
NOTE_WORK_ORDER = Statement(
    "SELECT work_order FROM workorders_note WHERE tenant = :tenant AND client_id = :id"
)
# Notes as stored (without the author's name), for sync's answer to a push.
STORED_NOTE_FIELDS = tuple(name for name in _NOTE_FIELDS if name != "author_name")
INSERT_NOTES = Statement(
    "INSERT INTO workorders_note (id, client_id, tenant, work_order, author, body, created_at,"
    " device_time, kb_article, kb_article_version) VALUES :rows"
    " ON CONFLICT (tenant, client_id) DO NOTHING RETURNING "
    + select_list(STORED_NOTE_FIELDS, NOTE_COLUMNS)
)
INSERT_NOTE = Statement(
    "INSERT INTO workorders_note (id, client_id, tenant, work_order, author, body, created_at,"
    " device_time, kb_article, kb_article_version) VALUES :rows"
)

_ITEM_FIELDS = tuple(f.name for f in msgspec.structs.fields(contract.ChecklistItem))
_ITEM_SELECT = (
    "SELECT " + select_list(_ITEM_FIELDS, CHECKLIST_COLUMNS) + " FROM workorders_checklist_item"
)
CHECKLIST = Statement(
    _ITEM_SELECT + " WHERE tenant = :tenant AND work_order = :work_order "
    "ORDER BY position, client_id"
)
CHECKLIST_ITEM = Statement(_ITEM_SELECT + " WHERE tenant = :tenant AND client_id = :id")
CHECKLIST_ITEM_ON = Statement(
    _ITEM_SELECT + " WHERE tenant = :tenant AND work_order = :work_order AND client_id = :id"
)
LAST_POSITION = Statement(
    "SELECT position FROM workorders_checklist_item "
    "WHERE tenant = :tenant AND work_order = :work_order ORDER BY position DESC LIMIT 1"
)
INSERT_CHECKLIST_ITEM = Statement(
    "INSERT INTO workorders_checklist_item (id, client_id, tenant, work_order, position, label,"
    " required, done, value, updated_by, updated_at, version) VALUES (:id, :client_id, :tenant,"
    " :work_order, :position, :label, :required, :done, :value, :updated_by, :updated_at, 1)"
)
# Compare-and-set on the version: two writers of one item never overwrite each other.
UPDATE_CHECKLIST_ITEM = Statement(
    "UPDATE workorders_checklist_item SET label = :label, position = :position,"
    " required = :required, done = :done, value = :value, updated_by = :updated_by,"
    " updated_at = :updated_at, version = :version + 1"
    " WHERE tenant = :tenant AND client_id = :id AND version = :version RETURNING id"
)
CHECKLIST_ITEM_VERSION = Statement(
    "SELECT version FROM workorders_checklist_item WHERE tenant = :tenant AND client_id = :id"
)


_JSON_FIELDS = frozenset({"tags", "metadata", "status_history", "alarm", "priority_reasons", "sla"})


def work_order_params(row: WorkOrderRow, names: Iterable[str]) -> dict[str, Any]:
    """``row``'s fields as a statement binds them: enums by value, JSON columns as text."""
    params: dict[str, Any] = {}
    for name in names:
        value = getattr(row, name)
        if name in _JSON_FIELDS:
            value = json_text(value)
        elif isinstance(value, Enum):
            value = value.value
        params[name] = value
    return params


class Resolution(msgspec.Struct):
    created_at: datetime
    resolved_at: datetime


class Version(msgspec.Struct):
    version: int


class Numbered(msgspec.Struct):
    number: str


class Number(msgspec.Struct):
    last_value: int


class Position(msgspec.Struct):
    position: int


class Id(msgspec.Struct):
    id: UUID


class Site(msgspec.Struct):
    site: UUID | None


class NoteWorkOrder(msgspec.Struct):
    work_order: UUID


class Assignee(msgspec.Struct):
    role: str
    is_active: bool


class Reassigned(msgspec.Struct):
    server_time: datetime
    before: dict[str, Any]
