"""When a repair should be done, estimated from similar repairs the tenant closed recently.

``p50_at`` and ``p80_at``: half, and four in five, of the similar repairs still unresolved when
they had been open as long as this one were resolved by then, counted from that age. ``basis``
names what the similar repairs share with this one, most specific first (``type``,
``asset_family``, ``team``, ``priority``); an empty list means the tenant's repairs in general,
when too few alike were found. ``explanation`` says so in the reader's language ("based on 37
similar repairs in the last 90 days"). ``same_stage``: only repairs that were at this work
order's stage at its age were used (otherwise all those still unresolved at its age).
"""

from datetime import datetime
from typing import Literal
from uuid import UUID

import msgspec

SimilarityKey = Literal["type", "asset_family", "team", "priority"]
# Why a work order has no estimate: "finished" (resolved, verified, closed or cancelled),
# "no_history" (the tenant resolved no repair in the window), "beyond_history" (it has been open
# longer than every repair of the window took).
EtaReason = Literal["", "finished", "no_history", "beyond_history"]


class Eta(msgspec.Struct, kw_only=True):
    p50_at: datetime
    p80_at: datetime
    p50_seconds: int  # from now until p50_at
    p80_seconds: int
    samples: int  # the similar closed repairs the estimate rests on
    window_days: int  # how far back they were looked for
    basis: list[SimilarityKey] = []
    explanation: str = ""
    same_stage: bool = False


class WorkOrderEta(msgspec.Struct, kw_only=True):
    """A work order's estimate for staff; ``reason`` says why there is none."""

    work_order_id: UUID
    eta: Eta | None = None
    reason: EtaReason = ""
