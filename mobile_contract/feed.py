"""The live dispatcher feed (``GET /api/v1/feed``, server-sent events)."""

from datetime import datetime
from enum import StrEnum
from typing import Any

import msgspec

from mobile_contract.work_orders import WorkOrder


class FeedKind(StrEnum):
    WORK_ORDER = "work_order"  # created or changed (``work_order`` is it as it is now)
    SLA_WARNING = "sla_warning"  # a clock passed a warning percentage (``detail.percent``)
    SLA_BREACHED = "sla_breached"  # a clock passed its deadline
    ESCALATED = "escalated"  # an escalation stage fired (``detail``: stage, recipients)


class FeedEvent(msgspec.Struct, kw_only=True):
    """One event; ``seq`` is the tenant's feed position (the SSE ``id``): reconnect with it as
    ``cursor`` (or ``Last-Event-ID``) and nothing in between is missed."""

    seq: int
    kind: FeedKind
    at: datetime
    work_order: WorkOrder | None = None
    detail: dict[str, Any] = {}
