"""The supervisors' queue of escalations: which work orders were escalated, when, to whom."""

from datetime import datetime
from uuid import UUID

import msgspec

from kernel import cursors
from kernel.clock import EPOCH
from kernel.context import DISPATCH_ROLES, Actor, require_role
from kernel.db import Database
from mobile_contract import sla as contract
from sla import sql

MAX_PAGE = 200
_NOBODY = UUID(int=0)


class _Cursor(msgspec.Struct, array_like=True):
    at: datetime
    id: UUID


async def list_escalations(
    *, db: Database, actor: Actor, cursor: str | None, limit: int
) -> contract.EscalationPage:
    """Newest first, for dispatch roles; pass ``next_cursor`` back as ``cursor``."""
    require_role(actor, DISPATCH_ROLES, "read the escalations")
    limit = max(1, min(limit, MAX_PAGE))
    after = cursors.decode_cursor(cursor, _Cursor) if cursor else None
    async with db.snapshot() as reader:
        rows = await reader.fetch(
            sql.ESCALATIONS,
            contract.Escalation,
            tenant=actor.tenant_id,
            first_page=after is None,
            after_at=after.at if after else EPOCH,
            after_id=after.id if after else _NOBODY,
            limit=limit + 1,
        )
    page = rows[:limit]
    last = page[-1] if len(rows) > limit else None
    return contract.EscalationPage(
        items=page,
        next_cursor=cursors.encode_cursor(_Cursor(last.at, last.id)) if last else None,
    )
