"""Every SQL statement of ``eta``, and the rows they answer. It reads the work orders and their
assets; it owns no table."""

from datetime import datetime
from uuid import UUID

import msgspec

from kernel.statements import Statement
from mobile_contract.enums import WorkOrderStatus


class Situation(msgspec.Struct, kw_only=True):
    """The work order being estimated, with its asset's family ("" without one)."""

    status: WorkOrderStatus
    type: str
    priority: str
    team: UUID | None
    family: str
    created_at: datetime


class Resolved(msgspec.Struct, kw_only=True):
    """A repair resolved in the window."""

    type: str
    priority: str
    team: UUID | None
    family: str
    created_at: datetime
    resolved_at: datetime
    # As stored (JSON text): decoded only for the repairs whose stage is asked for.
    status_history: str


_SIMILARITY = (
    "w.type AS type, w.priority AS priority, w.team AS team, COALESCE(a.family, '') AS family,"
    " w.created_at AS created_at"
)
_WITH_ASSET = (
    " FROM workorders_work_order AS w"
    " LEFT JOIN directory_asset AS a ON a.tenant = w.tenant AND a.id = w.asset"
)

SITUATION = Statement(
    "SELECT w.status AS status, "
    + _SIMILARITY
    + _WITH_ASSET
    + " WHERE w.tenant = :tenant AND w.id = :id"
)
# The window's repairs, grouped in Python: every fallback group is a subset, and the quantiles
# (interpolated) are computed the same way whichever database answers. A cancelled work order
# may have been resolved before: its status, not ``resolved_at``, leaves it out.
_WINDOW = (
    "SELECT "
    + _SIMILARITY
    + ", w.resolved_at AS resolved_at, w.status_history AS status_history"
    + _WITH_ASSET
    + " WHERE w.tenant = :tenant AND w.status IN ('resolved', 'verified', 'closed')"
    " AND w.resolved_at >= :since AND w.resolved_at <= :now"
)
HISTORY = Statement(_WINDOW)
# Those of one type: what every group but the broadest is drawn from.
HISTORY_OF_TYPE = Statement(_WINDOW + " AND w.type = :type")
