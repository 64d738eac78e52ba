"""Every SQL statement of ``feed``, and the rows they answer."""

# ruff: noqa: S608 - the work order's select list is joined from declared names at import

from datetime import datetime
from typing import Any

import msgspec

from kernel.statements import Statement
from workorders.sql import WORK_ORDER_COLUMNS, WORK_ORDER_FIELDS, WorkOrderRow, select_list

BUMP = Statement(
    "INSERT INTO feed_counter (id, tenant, value) VALUES (:id, :tenant, :count) "
    "ON CONFLICT (tenant) DO UPDATE SET value = feed_counter.value + :count RETURNING value"
)
CURRENT = Statement("SELECT value FROM feed_counter WHERE tenant = :tenant")
INSERT_EVENTS = Statement(
    "INSERT INTO feed_event (id, tenant, seq, kind, work_order, detail, at) VALUES :rows"
)
# PostgreSQL delivers a NOTIFY when (and only if) the transaction commits, to every process
# listening: the API processes' feed streams wake at once.
NOTIFY = Statement("SELECT pg_notify(:channel, :payload)")
_WORK_ORDER = select_list(WORK_ORDER_FIELDS, WORK_ORDER_COLUMNS, alias="w")
AFTER = Statement(
    "SELECT e.seq AS seq, e.kind AS kind, e.at AS at, e.detail AS detail, "
    + _WORK_ORDER
    + " FROM feed_event e JOIN workorders_work_order w ON w.id = e.work_order"
    " WHERE e.tenant = :tenant AND e.seq > :after ORDER BY e.seq LIMIT :limit"
)


class Value(msgspec.Struct):
    value: int


class Row(WorkOrderRow, kw_only=True):
    """An event with its work order as it is now (what a board shows)."""

    seq: int
    kind: str
    at: datetime
    detail: dict[str, Any] = {}
