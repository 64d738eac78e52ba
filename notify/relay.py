"""The notify relay: claims due messages, makes their portal links and texts, sends them
concurrently and records every outcome; the push relay's path for failures.

A claim is a lease (``claimed_until``) taken in one short transaction, with ``FOR UPDATE SKIP
LOCKED`` on PostgreSQL, so relays in several processes never take the same message; a relay
killed between sending and recording loses its lease and the message is sent again (at least
once: the SMS gateway gets the same ``reference``). A failure is retried with push's
``RetryPolicy`` (backoff, never under a ``Retry-After``) up to ``max_retries`` and never past
the message's expiry, then the message is dead with the provider's last answer and on-call
gets a dead-letter alert (``push.alerts``, which the push relay's alert sender delivers to
the on-call webhooks). Each tenant's channel has its own circuit breaker (``push.breaker``):
refused credentials alert on-call at once, an outage holds the channel's messages without
using up their retries and alerts once when it lasts.
"""

import asyncio
import logging
import random
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from uuid import UUID

import httpx

from kernel.clock import utcnow
from kernel.db import Database, Transaction
from kernel.wakeup import run_rounds
from notify import compose, links, sql
from notify.chat import DingTalkRobot, WeChatTemplates, WeComRobot
from notify.milestones import WAKEUP
from notify.providers import LogProvider, Outgoing, Provider, Route, SmsGateway
from notify.secrets import Sealer
from notify.texts import mask_address, mask_token
from push import alerts, failures
from push.breaker import Cause, CircuitBreaker
from push.providers import Answer, Verdict
from push.retry import RetryPolicy

log = logging.getLogger("fieldops.notify")

Circuit = tuple[UUID, str]  # a tenant's channel


def default_providers(client: httpx.AsyncClient) -> dict[str, Provider]:
    return {
        "sms": SmsGateway(client),
        "wechat": WeChatTemplates(client),
        "wecom": WeComRobot(client),
        "dingtalk": DingTalkRobot(client),
    }


class NotifyRelay:
    def __init__(
        self,
        *,
        db: Database,
        sealer: Sealer,
        public_url: str,
        client: httpx.AsyncClient | None = None,
        providers: Mapping[str, Provider] | None = None,
        policy: RetryPolicy | None = None,
        batch_size: int = 100,
        lease: timedelta = timedelta(seconds=60),
        poll_seconds: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
        rand: Callable[[], float] = random.random,
        outage_alert_after: timedelta = timedelta(minutes=2),
        timeout_seconds: float = 10.0,
    ) -> None:
        self.db, self.sealer, self.public_url = db, sealer, public_url.rstrip("/")
        self.client = client or httpx.AsyncClient(timeout=timeout_seconds)
        self.providers = providers or default_providers(self.client)
        self.policy = policy or RetryPolicy()
        self.batch_size, self.lease, self.poll_seconds = batch_size, lease, poll_seconds
        self.clock, self.rand = clock, rand
        self.outage_alert_after = outage_alert_after
        self.breakers: dict[Circuit, CircuitBreaker] = {}
        self._opened: set[Circuit] = set()  # circuits refused credentials opened: alert
        self._outages_alerted: set[Circuit] = set()

    async def run(self) -> None:
        """Until cancelled: drain what is due, then sleep until woken or the next poll."""
        await run_rounds(
            wakeup=WAKEUP,
            round_=self.run_once,
            poll_seconds=self.poll_seconds,
            name="notify relay",
            log=log,
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def run_once(self) -> int:
        """One round: claim, link, render, send, record. Answers the messages handled."""
        now = self.clock()
        async with self.db.transaction() as tx:
            claimed = await tx.fetch(
                sql.CLAIM, sql.Claimed, until=now + self.lease, now=now, limit=self.batch_size
            )
        if claimed:
            async with self.db.transaction() as tx:
                await links.ensure(tx, recipients=_recipients(claimed), sealer=self.sealer, now=now)
            ready = await compose.prepare(
                self.db,
                [c.id for c in claimed],
                sealer=self.sealer,
                public_url=self.public_url,
                now=now,
            )
            answers = await asyncio.gather(*(self._send(p) for p in ready))
            await self._record(ready, answers, {c.id: c.attempts for c in claimed})
        await self._watch_outages()
        return len(claimed)

    def _breaker(self, circuit: Circuit) -> CircuitBreaker:
        if circuit not in self.breakers:
            self.breakers[circuit] = CircuitBreaker(clock=self.clock)
        return self.breakers[circuit]

    async def _send(self, ready: compose.Prepared) -> Answer:
        row = ready.row
        if ready.failed is not None:
            return ready.failed
        if row.expires_at <= self.clock():
            last = f"; last answer: {row.last_reason}" if row.last_reason else ""
            return Answer(Verdict.DEAD, row.last_status_code, f"expired before it was sent{last}")
        if ready.route is None:
            return await LogProvider(ready.log_reason).send(ready.item, Route(""))
        provider = self.providers.get(row.channel)
        if provider is None:
            return Answer(Verdict.DEAD, reason=f"no provider for {row.channel}")
        route = ready.route
        circuit = (row.tenant, row.channel)
        answer, opened = await self._breaker(circuit).call(
            lambda: self._try(provider, ready.item, route)
        )
        if opened:
            log.error(
                "notify: the %s channel refused our credentials: %s", row.channel, answer.reason
            )
            self._opened.add(circuit)
        return _scrubbed(answer, ready.token)

    @staticmethod
    async def _try(provider: Provider, item: Outgoing, route: Route) -> Answer:
        try:
            return await provider.send(item, route)
        except Exception as error:  # a provider bug is a failed attempt, never a lost row
            log.exception("notify provider %s failed on message %s", provider.name, item.message_id)
            return Answer(Verdict.RETRY, reason=f"provider error: {type(error).__name__}")

    async def _record(
        self, ready: list[compose.Prepared], answers: list[Answer], claims: dict[UUID, int]
    ) -> None:
        now = self.clock()
        async with self.db.transaction() as tx:
            for prepared, answer in zip(ready, answers, strict=True):
                row, claimed = prepared.row, claims[prepared.row.id]
                status, next_at = self._status(row, answer, claimed, now)
                not_tried = answer.verdict in (Verdict.HELD, Verdict.PROVIDER_AUTH)
                recorded = await tx.fetch_one(
                    sql.RECORD,
                    sql.Id,
                    id=row.id,
                    status=status,
                    next_at=next_at,
                    code=answer.status_code,
                    reason=answer.reason[:500],
                    response=answer.response[:4000],
                    sent_at=now if status in ("sent", "logged") else None,
                    attempts=claimed - 1 if not_tried else claimed,
                    claimed=claimed,
                    now=now,
                )
                if recorded is not None and status == "dead":
                    await _dead_letter(tx, row, answer, claimed, now)
            await self._alert_credentials(tx, ready, answers, now)

    def _status(
        self, row: sql.Details, answer: Answer, attempt: int, now: datetime
    ) -> tuple[str, datetime]:
        if answer.verdict is Verdict.DELIVERED:
            return "sent", now
        if answer.verdict is Verdict.LOGGED:
            return "logged", now
        if answer.verdict in (Verdict.PROVIDER_AUTH, Verdict.HELD):
            # Not this message's fault: it waits for the circuit, bounded only by its expiry.
            until = self._breaker((row.tenant, row.channel)).open_until
            next_at = max(until or now, now)
            if next_at < row.expires_at:
                return "retrying", next_at
        if answer.verdict is Verdict.RETRY and attempt <= self.policy.max_retries:
            delay = self.policy.delay(attempt, answer.retry_after_seconds, self.rand)
            next_at = now + timedelta(seconds=delay)
            if next_at < row.expires_at:
                return "retrying", next_at
        return "dead", now

    async def _alert_credentials(
        self, tx: Transaction, ready: list[compose.Prepared], answers: list[Answer], now: datetime
    ) -> None:
        """A channel refusing our credentials stops all of its messages: on-call hears it
        at once."""
        for prepared, answer in zip(ready, answers, strict=True):
            circuit = (prepared.row.tenant, prepared.row.channel)
            if circuit in self._opened and answer.verdict is Verdict.PROVIDER_AUTH:
                self._opened.discard(circuit)
                await failures.credentials_refused(
                    tx=tx,
                    provider=prepared.row.channel,
                    tenant_id=prepared.row.tenant,
                    answer=answer,
                    held_until=self._breaker(circuit).open_until,
                    now=now,
                )

    async def _watch_outages(self) -> None:
        """A channel answering again releases its messages waiting out a backoff; one
        failing for ``outage_alert_after`` with messages held tells on-call once per
        outage."""
        now = self.clock()
        for circuit, breaker in self.breakers.items():
            tenant, channel = circuit
            if breaker.take_recovery():
                self._outages_alerted.discard(circuit)
                async with self.db.transaction() as tx:
                    await tx.execute(sql.RELEASE, now=now, tenant=tenant, channel=channel)
                continue
            since, failure = breaker.failing_since, breaker.last_failure
            if (
                breaker.cause is Cause.OUTAGE
                and since is not None
                and failure is not None
                and now - since >= self.outage_alert_after
                and circuit not in self._outages_alerted
            ):
                async with self.db.transaction() as tx:
                    waiting = await tx.fetch_one(
                        sql.WAITING, sql.Count, tenant=tenant, channel=channel
                    )
                    if waiting is None or waiting.count == 0:
                        continue  # nothing held (the dead ones alerted on their own)
                    await failures.outage(
                        tx=tx,
                        provider=channel,
                        tenant_id=tenant,
                        waiting=waiting.count,
                        since=since,
                        failure=failure,
                        now=now,
                    )
                self._outages_alerted.add(circuit)


def _recipients(claimed: list[sql.Claimed]) -> list[links.Recipient]:
    """Each recipient once, with a phone when one of its messages goes to one."""
    found: dict[tuple[UUID, UUID, str], links.Recipient] = {}
    for message in claimed:
        key = (message.tenant, message.work_order, message.recipient)
        phone = message.address if message.channel == "sms" else ""
        held = found.get(key)
        if held is None or (phone and not held.phone):
            found[key] = links.Recipient(
                message.tenant, message.work_order, message.recipient, message.contact_name, phone
            )
    return list(found.values())


def _scrubbed(answer: Answer, token: str) -> Answer:
    """A provider that echoes the text must not put the token into our rows."""
    if not token or (token not in answer.response and token not in answer.reason):
        return answer
    masked = mask_token(token)
    return Answer(
        answer.verdict,
        answer.status_code,
        answer.reason.replace(token, masked),
        answer.response.replace(token, masked),
        answer.retry_after_seconds,
        answer.token_dead_since,
        answer.outage,
    )


async def _dead_letter(
    tx: Transaction, row: sql.Details, answer: Answer, attempts: int, now: datetime
) -> None:
    """A milestone the customer never got is a person's problem now."""
    who = row.contact_name or "the customer"
    code = f" (HTTP {answer.status_code})" if answer.status_code else ""
    await alerts.raise_alert(
        tx=tx,
        tenant_id=row.tenant,
        kind=alerts.DEAD_LETTER,
        message=(
            f"The customer's {row.milestone} notification of {row.number} to {who} by "
            f"{row.channel} was not delivered after {attempts} attempt(s): "
            f"{answer.reason or 'no answer'}{code}."
        ),
        details={
            "provider": row.channel,
            "notification_kind": f"customer {row.milestone}",
            "work_order_number": row.number,
            "message_id": str(row.id),
            "recipient": who,
            "address": mask_address(row.channel, row.address),
            "attempts": attempts,
            "status_code": answer.status_code,
            "reason": answer.reason,
            "response": answer.response[:1000],
        },
        subject_id=row.work_order,
        now=now,
    )
