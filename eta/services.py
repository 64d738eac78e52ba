"""The estimate a customer, a dispatcher and the milestone notifications are shown.

``estimate`` reads on the caller's handle (a snapshot or a transaction): the portal page, the
notifications and the status-query card already hold one. A work order the tenant does not
have raises ``NotFound`` like every service: the callers hold a work order they just read, so a
missing one is a fault, not an answer.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from uuid import UUID

import msgspec

from eta import estimates, sql
from kernel.clock import as_utc, utcnow
from kernel.context import Actor
from kernel.db import Database, Reader
from kernel.errors import NotFound
from mobile_contract.enums import WorkOrderStatus
from mobile_contract.eta import Eta, EtaReason, SimilarityKey, WorkOrderEta
from mobile_contract.sync import StatusStep
from workorders import queries

_STEPS = msgspec.json.Decoder(list[StatusStep])
# Past these the work order is done as far as the customer waits for it.
FINISHED = frozenset(
    {
        WorkOrderStatus.RESOLVED,
        WorkOrderStatus.VERIFIED,
        WorkOrderStatus.CLOSED,
        WorkOrderStatus.CANCELLED,
    }
)


async def estimate(
    reader: Reader, *, tenant_id: UUID, work_order_id: UUID, now: datetime, locale: str = "en"
) -> Eta | None:
    """The work order's ETA; None once it is resolved, verified, closed or cancelled, or when
    the tenant has no repair in the window to learn from (none resolved, or none open as long
    as this one). ``locale``: "zh-CN" (any "zh…") or "en" (anything else) for the
    explanation."""
    answer = await assess(
        reader, tenant_id=tenant_id, work_order_id=work_order_id, now=now, locale=locale
    )
    return answer.eta


async def assess(
    reader: Reader, *, tenant_id: UUID, work_order_id: UUID, now: datetime, locale: str = "en"
) -> WorkOrderEta:
    """The estimate and, without one, why not."""
    row = await reader.fetch_one(sql.SITUATION, sql.Situation, tenant=tenant_id, id=work_order_id)
    if row is None:
        raise NotFound("work order", work_order_id)
    if row.status in FINISHED:
        return _without(work_order_id, "finished")
    situation = estimates.Situation(
        similarity=_similarity(row.type, row.family, row.team, row.priority),
        status=row.status.value,
        elapsed=max((now - row.created_at).total_seconds(), 0.0),
    )
    window = {"tenant": tenant_id, "since": now - timedelta(days=estimates.WINDOW_DAYS), "now": now}
    # Every group but the broadest shares the type: its repairs are read first, and the
    # tenant's others only when no group of the type has enough.
    typed = await reader.fetch(sql.HISTORY_OF_TYPE, sql.Resolved, type=row.type, **window)
    of_type = [group for group in estimates.groups_for(situation) if "type" in group]
    found = estimates.estimate(map(_StoredRepair, typed), situation, groups=of_type)
    if found is None:
        history = await reader.fetch(sql.HISTORY, sql.Resolved, **window)
        if not history:
            return _without(work_order_id, "no_history")
        found = estimates.estimate(map(_StoredRepair, history), situation)
        if found is None:
            return _without(work_order_id, "beyond_history")
    p50, p80 = round(found.p50), round(found.p80)
    return WorkOrderEta(
        work_order_id=work_order_id,
        eta=Eta(
            p50_at=now + timedelta(seconds=p50),
            p80_at=now + timedelta(seconds=p80),
            p50_seconds=p50,
            p80_seconds=p80,
            samples=found.samples,
            window_days=estimates.WINDOW_DAYS,
            basis=list(found.basis),
            explanation=estimates.explanation(
                found, window_days=estimates.WINDOW_DAYS, locale=locale
            ),
            same_stage=found.same_stage,
        ),
    )


async def for_staff(
    *, db: Database, actor: Actor, work_order_id: UUID, locale: str = "en"
) -> WorkOrderEta:
    """The estimate for a staff member who may see the work order (404 otherwise)."""
    async with db.snapshot() as reader:
        await queries.load_row(actor, work_order_id, reader=reader)
        return await assess(
            reader,
            tenant_id=actor.tenant_id,
            work_order_id=work_order_id,
            now=utcnow(),
            locale=locale,
        )


def _without(work_order_id: UUID, reason: EtaReason) -> WorkOrderEta:
    return WorkOrderEta(work_order_id=work_order_id, eta=None, reason=reason)


@lru_cache(maxsize=4096)
def _similarity(
    type: str, family: str, team: UUID | None, priority: str
) -> Mapping[SimilarityKey, str]:
    """Families are typed by people: compared trimmed and case-folded. A window's repairs share
    a few combinations, each made once."""
    return {
        "type": type,
        "asset_family": family.strip().casefold(),
        "team": "" if team is None else str(team),
        "priority": priority,
    }


class _StoredRepair:
    """A repair of the window whose status steps are decoded when first asked for: most
    repairs of a window are never looked at for their stage."""

    __slots__ = ("_steps", "_stored", "duration", "similarity")

    def __init__(self, stored: sql.Resolved) -> None:
        self._stored = stored
        self._steps: tuple[tuple[float, str], ...] | None = None
        self.similarity = _similarity(stored.type, stored.family, stored.team, stored.priority)
        self.duration = (stored.resolved_at - stored.created_at).total_seconds()

    def status_at(self, age: float) -> str | None:
        if self._steps is None:
            created_at = self._stored.created_at
            steps = [
                ((as_utc(step.at) - created_at).total_seconds(), step.status.value)
                for step in _STEPS.decode(self._stored.status_history)
            ]
            self._steps = estimates.clamped_steps(steps, self.duration)
        return estimates.status_at(self._steps, age)
