"""Portal links: made and revoked by dispatch roles, presented by customers.

A link's token is 32 random bytes behind a recognisable ``fpt_`` prefix (secret scanners and
log filters can spot it); only its SHA-256 is stored, so the token is shown exactly once.
"""

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import msgspec

from kernel.clock import utcnow
from kernel.context import (
    DISPATCH_ROLES,
    Actor,
    PortalCaller,
    RequestMeta,
    SystemCaller,
    require_role,
)
from kernel.db import Database, Transaction
from kernel.errors import DomainError, NotFound
from mobile_contract import portal as contract
from mobile_contract.errors import ErrorCode
from portal import sql
from portal.sql import LinkRow
from portal.visits import visits_by_link
from workorders import queries
from workorders.timeline import Event, record_events

TOKEN_PREFIX = "fpt_"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def looks_like_portal_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX)


async def issue(
    *, db: Database, actor: Actor, work_order_id: UUID, request: contract.PortalLinkCreate
) -> contract.PortalLinkIssued:
    require_role(actor, DISPATCH_ROLES, "send portal links")
    token, now = TOKEN_PREFIX + secrets.token_urlsafe(32), utcnow()
    row = LinkRow(
        id=uuid4(),
        tenant=actor.tenant_id,
        work_order=work_order_id,
        token_hash=token_digest(token),
        contact_name=request.contact_name,
        contact_phone=request.contact_phone,
        created_by=actor.user_id,
        created_at=now,
        expires_at=now + timedelta(days=request.valid_days),
        revoked_at=None,
    )
    async with db.transaction() as tx:
        await queries.load_row(actor, work_order_id, reader=tx)  # in scope, else 404
        await tx.execute(sql.INSERT_LINK, **msgspec.structs.asdict(row))
        await record_events(
            tx,
            actor=actor,
            events=[
                Event(
                    work_order_id=work_order_id,
                    action="portal_link_issued",
                    now=now,
                    after=_audited(row),
                )
            ],
        )
    return contract.PortalLinkIssued(link=_link(row, now), token=token)


async def issue_in(
    tx: Transaction,
    *,
    tenant_id: UUID,
    work_order_id: UUID,
    contact_name: str,
    contact_phone: str,
    valid_days: int,
    now: datetime,
    issued_by: str = "notifications",
) -> tuple[UUID, str]:
    """A link the server itself sends (the milestone notifications), in the caller's
    transaction: answers its id and its token, which the caller must not keep in clear. The
    timeline names the part of the server that issued it."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = LinkRow(
        id=uuid4(),
        tenant=tenant_id,
        work_order=work_order_id,
        token_hash=token_digest(token),
        contact_name=contact_name[:200],
        contact_phone=contact_phone[:40],
        created_by=None,
        created_at=now,
        expires_at=now + timedelta(days=valid_days),
        revoked_at=None,
    )
    await tx.execute(sql.INSERT_LINK, **msgspec.structs.asdict(row))
    await record_events(
        tx,
        actor=SystemCaller(tenant_id=tenant_id, name=issued_by),
        events=[
            Event(
                work_order_id=work_order_id,
                action="portal_link_issued",
                now=now,
                after=_audited(row),
            )
        ],
    )
    return row.id, token


async def list_links(*, db: Database, actor: Actor, work_order_id: UUID) -> contract.PortalLinkList:
    require_role(actor, DISPATCH_ROLES, "see portal links")
    async with db.snapshot() as reader:
        await queries.load_row(actor, work_order_id, reader=reader)
        rows = await reader.fetch(
            sql.WORK_ORDER_LINKS, LinkRow, tenant=actor.tenant_id, work_order=work_order_id
        )
        seen = await visits_by_link(reader, tenant_id=actor.tenant_id, work_order_id=work_order_id)
    now = utcnow()
    items = []
    for row in rows:
        link, visits = _link(row, now), seen.get(row.id)
        if visits is not None:
            link.views, link.last_visited_at = visits.views, visits.last_at
        items.append(link)
    return contract.PortalLinkList(items=items)


async def revoke(*, db: Database, actor: Actor, link_id: UUID) -> contract.PortalLink:
    """The link stops working at once; revoking it again changes nothing."""
    require_role(actor, DISPATCH_ROLES, "revoke portal links")
    now = utcnow()
    async with db.transaction() as tx:
        row = await tx.fetch_one(sql.LINK, LinkRow, tenant=actor.tenant_id, id=link_id)
        if row is None:
            raise NotFound("portal link", link_id)
        if row.revoked_at is None and await tx.fetch(sql.REVOKE, sql.Id, now=now, id=link_id):
            row = msgspec.structs.replace(row, revoked_at=now)
            await record_events(
                tx,
                actor=actor,
                events=[
                    Event(
                        work_order_id=row.work_order,
                        action="portal_link_revoked",
                        now=now,
                        before=_audited(row),
                    )
                ],
            )
        elif row.revoked_at is None:  # a concurrent revoke won: answer its time
            row = await tx.fetch_one(sql.LINK, LinkRow, tenant=actor.tenant_id, id=link_id)
            assert row is not None  # links are never deleted
    return _link(row, now)


async def authenticate(*, db: Database, token: str, meta: RequestMeta) -> PortalCaller:
    """The caller a portal token stands for; anything else is a 401 the customer can act on."""
    row = await db.fetch_one(sql.TOKEN_HOLDER, sql.TokenHolder, token_hash=token_digest(token))
    if row is None or row.revoked_at is not None:
        raise DomainError(
            ErrorCode.TOKEN_INVALID,
            "This portal link is not valid (or was withdrawn); ask the service company for a "
            "new one.",
        )
    expires_at = row.expires_at
    if expires_at <= utcnow():
        raise DomainError(
            ErrorCode.TOKEN_EXPIRED,
            f"This portal link expired on {expires_at:%Y-%m-%d}; ask the service company for a "
            "new one.",
        )
    return PortalCaller(
        tenant_id=row.tenant,
        work_order_id=row.work_order,
        link_id=row.id,
        expires_at=expires_at,
        meta=meta,
        contact_name=row.contact_name,
    )


def _audited(row: LinkRow) -> dict[str, Any]:
    return {
        "portal_link": str(row.id),
        "contact_name": row.contact_name,
        "expires_at": row.expires_at.isoformat(),
    }


def _link(row: LinkRow, now: datetime) -> contract.PortalLink:
    return contract.PortalLink(
        id=row.id,
        work_order_id=row.work_order,
        contact_name=row.contact_name,
        contact_phone=row.contact_phone,
        created_by_id=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        active=row.revoked_at is None and row.expires_at > now,
    )
