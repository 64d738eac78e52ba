"""The portal link each recipient of a work order's messages gets, issued when the first of
its messages is about to be sent and reused by the later ones.

The link is a portal link like a dispatcher's (``portal.links``: only the token's SHA-256 is
stored there); notify keeps the token itself sealed (``notify.secrets``), because every later
milestone puts the same link into its message. It is issued by the relay, not in the work
order's transaction, since only the relay holds the server key. A recipient whose link was
revoked, or runs out within ``RENEW_BEFORE``, gets a new one with the next message.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from cryptography.exceptions import InvalidTag

from kernel.db import Transaction
from notify import sql
from notify.secrets import Sealer
from notify.texts import mask_token
from portal import links as portal_links

VALID_DAYS = 90  # the longest a portal link may live
RENEW_BEFORE = timedelta(days=7)
TOKEN_FIELD = "portal_token"


@dataclass(frozen=True, slots=True)
class Recipient:
    tenant: UUID
    work_order: UUID
    recipient: str
    contact_name: str
    phone: str


async def ensure(
    tx: Transaction, *, recipients: list[Recipient], sealer: Sealer, now: datetime
) -> None:
    """A usable link for each recipient (at most one row each: the unique index settles two
    relays racing for the same recipient, the loser waits and uses the winner's)."""
    for who in recipients:
        key = {"tenant": who.tenant, "work_order": who.work_order, "recipient": who.recipient}
        link = await tx.fetch_one(sql.LINK, sql.Link, **key)
        if link is None:
            inserted = await tx.fetch_one(sql.INSERT_LINK, sql.Id, id=uuid4(), now=now, **key)
            if inserted is not None:
                await _issue(tx, who, inserted.id, sealer, now)
                continue
            link = await tx.fetch_one(sql.LINK, sql.Link, **key)
            assert link is not None  # the winner committed it
        usable = (
            link.revoked_at is None
            and link.expires_at is not None
            and link.expires_at > now + RENEW_BEFORE
            and opened(sealer, link.id, link.sealed_token) is not None
        )
        if not usable:
            await _issue(tx, who, link.id, sealer, now)


def opened(sealer: Sealer, row_id: UUID, sealed: str | None) -> str | None:
    """The token of a recipient's link; None when there is none or it cannot be opened (the
    server key changed: a new link is issued)."""
    if not sealed:
        return None
    try:
        return sealer.open(row_id, TOKEN_FIELD, sealed)
    except (InvalidTag, ValueError):
        return None


async def _issue(
    tx: Transaction, who: Recipient, row_id: UUID, sealer: Sealer, now: datetime
) -> None:
    portal_link, token = await portal_links.issue_in(
        tx,
        tenant_id=who.tenant,
        work_order_id=who.work_order,
        contact_name=who.contact_name,
        contact_phone=who.phone,
        valid_days=VALID_DAYS,
        now=now,
    )
    sealed = sealer.seal(row_id, TOKEN_FIELD, token)
    await tx.execute(sql.SET_LINK, id=row_id, portal_link=portal_link, sealed=sealed, now=now)


def portal_url(base: str, token: str) -> str:
    return f"{base}/p/{token}"


def report_url(base: str, token: str) -> str:
    return f"{base}/p/{token}/report.pdf"


def masked(url: str, token: str) -> str:
    """``url`` with its token masked, for logs."""
    return url.replace(token, mask_token(token)) if token else url
