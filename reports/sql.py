"""Every SQL statement of ``reports``, and the typed rows they answer (``kernel.statements``)."""

# ruff: noqa: S608 - statement texts are joined from fixed parts at import; values are bound

from datetime import datetime
from uuid import UUID

import msgspec

from kernel.statements import Statement
from mobile_contract.reports import PartUsed, ReportStatus


class Id(msgspec.Struct, frozen=True):
    """What an ``UPDATE ... RETURNING id`` answers: a row was changed."""

    id: UUID


class ReportRow(msgspec.Struct, kw_only=True, frozen=True):
    id: UUID
    tenant: UUID
    work_order: UUID
    root_cause: str
    prevention: str
    parts_used: list[PartUsed]
    filled_by: UUID | None
    filled_at: datetime | None
    status: ReportStatus
    attempts: int
    next_attempt_at: datetime | None
    claimed_until: datetime | None
    object_key: str
    size: int
    sha256: str
    generated_at: datetime | None
    last_error: str
    created_at: datetime
    updated_at: datetime


_COLUMNS = (
    "id, tenant, work_order, root_cause, prevention, parts_used, filled_by, filled_at, status,"
    " attempts, next_attempt_at, claimed_until, object_key, size, sha256, generated_at,"
    " last_error, created_at, updated_at"
)
_NEW = (
    "INSERT INTO reports_report (" + _COLUMNS + ") VALUES (:id, :tenant, :work_order,"
    " :root_cause, :prevention, :parts_used, :filled_by, :filled_at, :status, 0, :due, NULL, '',"
    " 0, '', NULL, '', :now, :now)"
)

REPORT = Statement(
    "SELECT "
    + _COLUMNS
    + " FROM reports_report WHERE tenant = :tenant AND work_order = :work_order"
)
# Staff's fields, while the report is a draft (the work order is open): nothing once closed.
FILL = Statement(
    _NEW + " ON CONFLICT (work_order) DO UPDATE SET root_cause = :root_cause,"
    " prevention = :prevention, parts_used = :parts_used, filled_by = :filled_by,"
    " filled_at = :filled_at, updated_at = :now"
    " WHERE reports_report.tenant = :tenant AND reports_report.status = 'draft'"
    " RETURNING " + _COLUMNS
)
# The work order closed: the report is final and due now (with the fields as they are).
CLOSE = Statement(
    _NEW + " ON CONFLICT (work_order) DO UPDATE SET status = 'pending', attempts = 0,"
    " next_attempt_at = :due, claimed_until = NULL, last_error = '', updated_at = :now"
    " WHERE reports_report.tenant = :tenant"
)

# -- generation ---------------------------------------------------------------------------


class Claimed(msgspec.Struct, frozen=True):
    id: UUID
    tenant: UUID
    work_order: UUID
    attempts: int  # this attempt's number: it fences what the attempt may write


CLAIM = Statement(
    "UPDATE reports_report SET claimed_until = :until, attempts = attempts + 1"
    " WHERE id IN (SELECT id FROM reports_report WHERE status = 'pending'"
    " AND next_attempt_at <= :now AND (claimed_until IS NULL OR claimed_until < :now)"
    " AND (:every_tenant OR tenant = :tenant) ORDER BY next_attempt_at LIMIT 1 @skip_locked)"
    " RETURNING id, tenant, work_order, attempts"
)
_HELD = " WHERE id = :id AND status = 'pending' AND attempts = :attempts RETURNING id"
MARK_READY = Statement(
    "UPDATE reports_report SET status = 'ready', object_key = :object_key, size = :size,"
    " sha256 = :sha256, generated_at = :now, claimed_until = NULL, last_error = '',"
    " updated_at = :now" + _HELD
)
RETRY_LATER = Statement(
    "UPDATE reports_report SET claimed_until = NULL, next_attempt_at = :due,"
    " last_error = :error, updated_at = :now" + _HELD
)
GIVE_UP = Statement(
    "UPDATE reports_report SET status = 'failed', claimed_until = NULL, last_error = :error,"
    " updated_at = :now" + _HELD
)

# -- what the report shows ----------------------------------------------------------------


class TenantRow(msgspec.Struct, frozen=True):
    name: str
    locale: str


class Person(msgspec.Struct, frozen=True):
    id: UUID
    display_name: str


TENANT = Statement("SELECT name, locale FROM accounts_tenant WHERE id = :tenant")
PEOPLE = Statement(
    "SELECT id, display_name FROM accounts_user WHERE tenant = :tenant AND id IN :ids"
)
