"""The resolution report of a work order: what staff wrote for it (root cause, prevention,
parts used) and how far its PDF is. One row per work order (a unique index, added by the raw
migration); the row exists from the first fill or, at the latest, from the close."""

from piccolo.columns import (
    JSON,
    UUID,
    BigInt,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from accounts.tables import Tenant, User
from workorders.tables import WorkOrder


class Report(Table, tablename="reports_report"):
    id = UUID(primary_key=True)
    tenant = ForeignKey(Tenant, null=False, index=True)
    work_order = ForeignKey(WorkOrder, null=False)
    root_cause = Text(default="")
    prevention = Text(default="")
    parts_used = JSON(default="[]")  # [{name, quantity, note}]
    filled_by = ForeignKey(User, null=True, default=None, on_delete=OnDelete.set_null)
    filled_at = Timestamptz(null=True, default=None)
    # draft (the work order is open), pending (closed: the worker generates the PDF), ready,
    # failed (given up after the worker's attempts; on-call was alerted).
    status = Varchar(length=10, default="draft")
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(null=True, default=None)
    claimed_until = Timestamptz(null=True, default=None)  # a worker holds it until then
    object_key = Varchar(length=300, default="")
    size = BigInt(default=0)
    sha256 = Varchar(length=64, default="")
    generated_at = Timestamptz(null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


TABLES: tuple[type[Table], ...] = (Report,)
