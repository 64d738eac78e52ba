"""The on-call channel: alerts about pushes that failed for good, sent apart from pushes.

An alert row is written in the transaction that declares the failure; the sender posts what is
pending as one digest per channel (every tenant's alerts, grouped, in each tenant's language),
at most once per ``min_interval`` per channel: a robot such as DingTalk's takes 20 messages a
minute and then blocks for 10, and an alert storm must not hide a credentials alert behind
it. A channel that fails backs off; a retry skips the channels that took an alert
(``delivered_to``). A failing push provider cannot silence its own failure: alerts never go
through the push path.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from accounts.events import LoginBurst
from kernel.clock import utcnow
from kernel.db import Database, Transaction
from kernel.rows import json_text
from push import sql
from push.alert_texts import (
    DEAD_LETTER,
    LOGIN_BURST,
    PROVIDER_AUTH,
    PROVIDER_OUTAGE,
    UNACKNOWLEDGED,
    Pending,
    rank,
    render,
    render_digest,
)
from push.outbox import WAKEUP
from push.webhooks import Channel, Digest, LogChannel, WebhookChannel

__all__ = [
    "DEAD_LETTER",
    "LOGIN_BURST",
    "MAX_ATTEMPTS",
    "PROVIDER_AUTH",
    "PROVIDER_OUTAGE",
    "UNACKNOWLEDGED",
    "AlertSender",
    "Channel",
    "Digest",
    "LogChannel",
    "WebhookChannel",
    "raise_alert",
]

log = logging.getLogger("fieldops.alerts")

MAX_ATTEMPTS = 10  # posts of an alert that failed before it is given up ("failed")
_BATCH = 500  # alerts per round; the text lists at most 10 per group, the rest are counted


async def raise_alert(
    *,
    tx: Transaction,
    tenant_id: UUID,
    kind: str,
    message: str,
    now: datetime,
    details: dict[str, Any] | None = None,
    delivery_id: UUID | None = None,
    subject_id: UUID | None = None,
) -> None:
    """Queue an alert in the caller's transaction; the sender is woken after commit.
    ``message`` is the English fallback; the text sent is rendered from ``details``."""
    await tx.execute(
        sql.INSERT_ALERT,
        id=uuid4(),
        tenant=tenant_id,
        kind=kind,
        delivery=delivery_id,
        subject=subject_id,
        message=message,
        details=json_text(details or {}),
        now=now,
    )
    tx.after_commit(WAKEUP.wake)


async def login_burst(tx: Transaction, event: LoginBurst) -> None:
    """The reaction to a burst of failed logins across a tenant (accounts announces it)."""
    await raise_alert(
        tx=tx,
        tenant_id=event.tenant_id,
        kind=LOGIN_BURST,
        message=f"{event.failures} failed logins within {event.minutes} min across "
        f"{event.accounts} account names: someone may be guessing passwords",
        details={"failures": event.failures, "minutes": event.minutes, "accounts": event.accounts},
        now=event.now,
    )


@dataclass
class _Claimed:
    """A claimed alert: its row, what the channels see of it, and this round's outcome."""

    row: sql.ClaimedAlert
    json: dict[str, Any]
    pending: Pending
    locale: str
    tenant: str
    delivered: list[str]
    tried: bool = False
    errors: list[str] = field(default_factory=list)


class AlertSender:
    def __init__(
        self,
        *,
        db: Database,
        channels: list[Channel],
        clock: Callable[[], datetime] = utcnow,
        min_interval: timedelta = timedelta(seconds=20),
        retry_seconds: float = 5.0,
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self.db, self.channels, self.clock = db, channels, clock
        self.min_interval, self.retry_seconds, self.lease = min_interval, retry_seconds, lease
        # Per channel, in this process: when it may post next, and its failures in a row.
        self._ready_at: dict[str, datetime] = {}
        self._failures: dict[str, int] = {}

    async def close(self) -> None:
        clients = {id(c.client): c.client for c in self.channels if isinstance(c, WebhookChannel)}
        for client in clients.values():
            await client.aclose()

    async def run_once(self) -> int:
        """One round: a digest to each channel that may post now. Answers how many alerts
        went out in a post (taken or not); alerts waiting for a paced channel do not count."""
        now = self.clock()
        ready = [c for c in self.channels if self._ready_at.get(c.name, now) <= now]
        if not ready:
            return 0  # nothing claimed: what arrived waits for the next digest
        async with self.db.transaction() as tx:
            rows = await tx.fetch(
                sql.CLAIM_ALERTS, sql.ClaimedAlert, until=now + self.lease, now=now, limit=_BATCH
            )
        if not rows:
            return 0
        claimed = await self._prepare(rows)
        for channel in ready:
            todo = [alert for alert in claimed if channel.name not in alert.delivered]
            if todo:
                await self._post(channel, todo)
        await self._record(claimed)
        return sum(1 for alert in claimed if alert.tried)

    async def _prepare(self, rows: list[sql.ClaimedAlert]) -> list[_Claimed]:
        tenant_ids = tuple({row.tenant for row in rows})
        tenants = {t.id: t for t in await self.db.fetch(sql.TENANTS, sql.Tenant, ids=tenant_ids)}
        claimed = []
        for row in sorted(rows, key=_urgency):
            tenant = tenants.get(row.tenant)
            name = tenant.name if tenant is not None else ""
            locale = (tenant.locale if tenant is not None else None) or ""
            alert = {
                "id": str(row.id),
                "tenant_id": str(row.tenant),
                "tenant": name,
                "locale": locale,
                "kind": row.kind,
                "message": row.message,
                "text": render(row.kind, row.details, locale, fallback=row.message),
                "subject_id": str(row.subject_id) if row.subject_id else None,
                "delivery_id": str(row.delivery) if row.delivery else None,
                "details": row.details,
                "created_at": str(row.created_at),
            }
            pending = Pending(row.kind, row.details, row.message)
            claimed.append(_Claimed(row, alert, pending, locale, name, list(row.delivered_to)))
        return claimed

    async def _post(self, channel: Channel, alerts: list[_Claimed]) -> None:
        """One digest to ``channel``; it may post again after ``min_interval``, or after a
        backoff (at least that) when it did not take this one."""
        now = self.clock()
        try:
            await channel.post(Digest(text=_text(alerts), alerts=[a.json for a in alerts]))
        except Exception as error:  # one channel down must not hold back the others
            failures = self._failures.get(channel.name, 0) + 1
            self._failures[channel.name] = failures
            backoff = timedelta(seconds=min(self.retry_seconds * 2 ** (failures - 1), 600.0))
            self._ready_at[channel.name] = now + max(self.min_interval, backoff)
            for alert in alerts:
                alert.tried = True
                alert.errors.append(f"{channel.name}: {type(error).__name__}: {error}")
            return
        self._failures.pop(channel.name, None)
        self._ready_at[channel.name] = now + self.min_interval
        for alert in alerts:
            alert.tried = True
            alert.delivered.append(channel.name)

    async def _record(self, claimed: list[_Claimed]) -> None:
        """Every alert of a digest together: sent when every channel took it, else due again
        when the first channel it still needs may post."""
        now = self.clock()
        async with self.db.transaction() as tx:
            for alert in claimed:
                row = alert.row
                attempts = row.attempts + (1 if alert.tried else 0)
                missing = [c.name for c in self.channels if c.name not in alert.delivered]
                error = "; ".join(alert.errors)[:2000] if alert.errors else row.last_error
                sent_at = None
                if not missing:
                    status, next_at, error, sent_at = "sent", now, "", now
                elif alert.errors and attempts >= MAX_ATTEMPTS:
                    status, next_at = "failed", now
                    log.critical(
                        "ALERT could not be delivered to on-call: %s (%s)", alert.json, error
                    )
                else:
                    status = "pending"
                    next_at = max(now, min(self._ready_at.get(name, now) for name in missing))
                await tx.execute(
                    sql.RECORD_ALERT,
                    status=status,
                    attempts=attempts,
                    next_at=next_at,
                    error=error,
                    sent_at=sent_at,
                    delivered=json_text(alert.delivered),
                    id=row.id,
                )


def _text(alerts: list[_Claimed]) -> str:
    """A section per tenant, in its language; tenants with the most urgent alerts first."""
    tenants: dict[str, list[_Claimed]] = {}
    for alert in alerts:  # already in order: urgency, then age
        tenants.setdefault(str(alert.row.tenant), []).append(alert)
    return "\n\n".join(
        render_digest(group[0].tenant, [a.pending for a in group], group[0].locale)
        for group in tenants.values()
    )


def _urgency(row: sql.ClaimedAlert) -> tuple[int, datetime, str, str]:
    """Credentials and outages first, then the oldest; alerts raised together (one relay
    round) by work order number."""
    number = str(row.details.get("work_order_number") or "")
    return rank(row.kind), row.created_at, number, str(row.id)
