"""The on-call channel: alerts about deliveries that failed for good, sent apart from pushes.

An alert row is written in the transaction that declares the failure; the sender posts it to
every configured channel (generic JSON, DingTalk robot, WeCom robot webhooks; the server log
when none is configured), retrying with backoff until every channel took it. A failing push
provider cannot silence its own failure: alerts never go through the push path.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID, uuid4

import httpx
import msgspec

from kernel import sql
from kernel.clock import utcnow
from kernel.db import Database, after_commit
from push.outbox import WAKEUP
from push.tables import Alert

log = logging.getLogger("fieldops.alerts")

DEAD_LETTER = "dead_letter"
PROVIDER_AUTH = "provider_auth"  # a provider refused our credentials: every push stopped
UNACKNOWLEDGED = "unacknowledged"  # a P0 assignment no device acknowledged in time
MAX_ATTEMPTS = 10

_INSERT = (
    "INSERT INTO push_alert (id, tenant, kind, delivery, subject_id, message, details, status,"
    " attempts, next_attempt_at, last_error, created_at)"
)
_CLAIM = (
    "UPDATE push_alert SET attempts = attempts + 1, next_attempt_at = {} WHERE id IN"
    " (SELECT id FROM push_alert WHERE status = 'pending' AND next_attempt_at <= {}"
    " ORDER BY next_attempt_at LIMIT 50{})"
    " RETURNING id, tenant, kind, delivery, subject_id, message, details, attempts, created_at,"
    " delivered_to"
)
_RECORD = (
    "UPDATE push_alert SET status = {}, next_attempt_at = {}, last_error = {}, sent_at = {},"
    " delivered_to = {} WHERE id = {}"
)


async def raise_alert(
    *,
    tenant_id: UUID,
    kind: str,
    message: str,
    now: datetime,
    details: dict[str, Any] | None = None,
    delivery_id: UUID | None = None,
    subject_id: UUID | None = None,
) -> None:
    """Queue an alert in the caller's transaction; the sender is woken after commit."""
    encoded = msgspec.json.encode(details or {}).decode()
    await sql.insert_rows(
        Alert,
        _INSERT,
        [
            [
                uuid4(),
                tenant_id,
                kind,
                delivery_id,
                subject_id,
                message,
                encoded,
                "pending",
                0,
                now,
                "",
                now,
            ]
        ],
    )
    after_commit(WAKEUP.wake)


class Channel(Protocol):
    @property
    def name(self) -> str: ...

    async def post(self, alert: dict[str, Any]) -> None:
        """Deliver one alert; raise when the channel did not take it."""


class LogChannel:
    """The embedded default: an ERROR line in the server log, where operators look."""

    name = "log"

    async def post(self, alert: dict[str, Any]) -> None:
        log.error("ALERT %s: %s %s", alert["kind"], alert["message"], alert["details"])


@dataclass
class WebhookChannel:
    """A webhook in one of three shapes: ``generic`` (the alert as JSON), ``dingtalk`` and
    ``wecom`` (their group robots' text messages; both answer ``errcode`` 0 when they took it)."""

    style: str
    url: str
    client: httpx.AsyncClient

    @property
    def name(self) -> str:
        return f"{self.style} webhook"

    async def post(self, alert: dict[str, Any]) -> None:
        text = f"[fieldops] {alert['kind']}: {alert['message']}"
        body: dict[str, Any] = (
            alert if self.style == "generic" else {"msgtype": "text", "text": {"content": text}}
        )
        response = await self.client.post(
            self.url,
            content=msgspec.json.encode(body),
            headers={"content-type": "application/json"},
        )
        response.raise_for_status()
        if self.style != "generic":
            answer = msgspec.json.decode(response.content) if response.content else {}
            if not isinstance(answer, dict) or answer.get("errcode", 0) != 0:
                raise RuntimeError(f"{self.style} refused the alert: {response.text[:200]}")


class AlertSender:
    def __init__(
        self,
        *,
        db: Database,
        channels: list[Channel],
        clock: Any = utcnow,
        retry_seconds: float = 5.0,
        lease: timedelta = timedelta(seconds=60),
    ) -> None:
        self.db, self.channels, self.clock = db, channels, clock
        self.retry_seconds, self.lease = retry_seconds, lease

    async def close(self) -> None:
        clients = {id(c.client): c.client for c in self.channels if isinstance(c, WebhookChannel)}
        for client in clients.values():
            await client.aclose()

    async def run_once(self) -> int:
        now = self.clock()
        skip_locked = "" if self.db.is_sqlite else " FOR UPDATE SKIP LOCKED"
        async with self.db.transaction():
            rows = await sql.fetch(
                Alert, _CLAIM.format("{}", "{}", skip_locked), now + self.lease, now
            )
        for row in rows:
            await self._send(row)
        return len(rows)

    async def _send(self, row: dict[str, Any]) -> None:
        details = row["details"]
        alert = {
            "id": str(row["id"]),
            "tenant_id": str(row["tenant"]),
            "kind": row["kind"],
            "message": row["message"],
            "subject_id": str(row["subject_id"]) if row["subject_id"] else None,
            "delivery_id": str(row["delivery"]) if row["delivery"] else None,
            "details": msgspec.json.decode(details) if isinstance(details, str) else details,
            "created_at": str(row["created_at"]),
        }
        taken = row["delivered_to"]
        delivered: list[str] = list(msgspec.json.decode(taken) if isinstance(taken, str) else taken)
        errors = []
        for channel in self.channels:
            if channel.name in delivered:
                continue  # it has this alert already: a retry is for the others
            try:
                await channel.post(alert)
                delivered.append(channel.name)
            except Exception as error:  # one channel down must not hold back the others
                errors.append(f"{channel.name}: {type(error).__name__}: {error}")
        now = self.clock()
        if not errors:
            status, next_at, sent_at = "sent", now, now
        elif row["attempts"] >= MAX_ATTEMPTS:
            status, next_at, sent_at = "failed", now, None
            log.critical("ALERT could not be delivered to on-call: %s (%s)", alert, errors)
        else:
            delay = min(self.retry_seconds * 2 ** (row["attempts"] - 1), 600.0)
            status, next_at, sent_at = "pending", now + timedelta(seconds=delay), None
        async with self.db.transaction():
            await sql.fetch(
                Alert,
                _RECORD,
                status,
                next_at,
                "; ".join(errors)[:2000],
                sent_at,
                msgspec.json.encode(delivered).decode(),
                row["id"],
            )
