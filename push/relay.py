"""The relay: claims due deliveries, sends them concurrently, records every outcome.

A claim is a lease (``claimed_until``) taken in one short transaction; on PostgreSQL with
``FOR UPDATE SKIP LOCKED``, so relays in several processes never take the same row. A relay
killed between sending and recording loses its lease, and the delivery is sent again: at least
once (APNs and FCM do not de-duplicate a resend; the same collapse id replaces the banner and
the same ``delivery_id`` lets the app ignore it). A failure of the delivery's own retries with
backoff (``RetryPolicy``), honouring ``Retry-After``, up to ``max_retries`` and never past the
notification's expiry; then it is dead with the provider's last answer. A provider that is down
(``push.breaker``) holds its deliveries without using up their retries, and releases them as
soon as it answers again.
"""

import asyncio
import dataclasses
import logging
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from device_registry import services as devices
from kernel.clock import utcnow
from kernel.db import Database, Transaction
from kernel.statements import Array
from kernel.wakeup import run_rounds
from push import acks, alerts, failures, sql, texts
from push.breaker import Cause, CircuitBreaker
from push.outbox import PROVIDER_OF_PLATFORM, WAKEUP
from push.providers import Answer, Outgoing, Provider, Verdict
from push.retry import RetryPolicy

log = logging.getLogger("fieldops.push")

DUE = ("pending", "retrying")


@dataclass(frozen=True, slots=True)
class _Outcome:
    delivery_id: UUID
    status: str
    provider: str
    next_at: datetime
    answer: Answer
    claimed: int  # attempts when claimed
    attempts: int  # attempts to record: a push held by an open circuit did not use one


class Relay:
    def __init__(
        self,
        *,
        db: Database,
        providers: Mapping[str, Provider],
        policy: RetryPolicy | None = None,
        batch_size: int = 200,
        lease: timedelta = timedelta(seconds=60),
        poll_seconds: float = 1.0,
        clock: Callable[[], datetime] = utcnow,
        rand: Callable[[], float] = random.random,
        alert_sender: alerts.AlertSender | None = None,
        ack_timeout: timedelta = timedelta(minutes=5),
        outage_alert_after: timedelta = timedelta(minutes=2),
    ) -> None:
        self.db, self.providers = db, providers
        self.policy = policy or RetryPolicy()
        self.batch_size, self.lease, self.poll_seconds = batch_size, lease, poll_seconds
        self.clock, self.rand = clock, rand
        self.alert_sender = alert_sender
        self.ack_timeout = ack_timeout
        self._acks_checked_at: datetime | None = None
        self.breakers = {
            provider.name: CircuitBreaker(clock=clock) for provider in providers.values()
        }
        self._opened: set[str] = set()  # circuits this round opened: alert on-call
        self.outage_alert_after = outage_alert_after
        self._outages_alerted: set[str] = set()  # providers whose current outage was told

    async def run(self) -> None:
        """Until cancelled: drain what is due, then sleep until woken or the next poll."""
        await run_rounds(
            wakeup=WAKEUP,
            round_=self._round,
            poll_seconds=self.poll_seconds,
            name="push relay",
            log=log,
        )

    async def _round(self) -> int:
        sent = await self.run_once()
        await self.check_acknowledgements()
        if self.alert_sender is not None:
            sent += await self.alert_sender.run_once()
        return sent

    async def close(self) -> None:
        """Close the providers' connections (at shutdown)."""
        for provider in {id(p): p for p in self.providers.values()}.values():
            await provider.close()
        if self.alert_sender is not None:
            await self.alert_sender.close()

    async def check_acknowledgements(self, *, every: timedelta = timedelta(seconds=10)) -> int:
        """Alert on-call about P0 pushes nobody acknowledged in time (at most every ``every``)."""
        now = self.clock()
        if self._acks_checked_at is not None and now - self._acks_checked_at < every:
            return 0
        self._acks_checked_at = now
        return await acks.alert_unacknowledged(db=self.db, within=self.ack_timeout, now=now)

    async def run_once(self) -> int:
        """One round: claim, send, record; then act on providers that went down or came
        back. Answers how many deliveries it handled."""
        claimed = await self._claim()
        items = await self._details(list(claimed)) if claimed else []
        if items:
            answers = await asyncio.gather(*(self._send(item) for item in items))
            await self._record(items, answers, claimed)
        await self._watch_outages()
        return len(items)

    async def _watch_outages(self) -> None:
        """A provider that answers again releases the deliveries still waiting out a backoff
        from its outage (delivered soon after recovery, not minutes later); one that has been
        failing for ``outage_alert_after`` tells on-call once per outage and tenant, with how
        many pushes wait (one alert, not one per delivery)."""
        now = self.clock()
        for name, breaker in self.breakers.items():
            if breaker.take_recovery():
                self._outages_alerted.discard(name)
                async with self.db.transaction() as tx:
                    await tx.execute(sql.RELEASE, now=now, provider=name)
                continue
            since, failure = breaker.failing_since, breaker.last_failure
            if (
                breaker.cause is Cause.OUTAGE
                and since is not None
                and failure is not None
                and now - since >= self.outage_alert_after
                and name not in self._outages_alerted
            ):
                await self._alert_outage(name, since, failure, now)
                self._outages_alerted.add(name)

    async def _alert_outage(
        self, name: str, since: datetime, failure: Answer, now: datetime
    ) -> None:
        async with self.db.transaction() as tx:
            for row in await tx.fetch(sql.WAITING, sql.Waiting, provider=name):
                await failures.outage(
                    tx=tx,
                    provider=name,
                    tenant_id=row.tenant,
                    waiting=row.waiting,
                    since=since,
                    failure=failure,
                    now=now,
                )

    async def _claim(self) -> dict[UUID, int]:
        now = self.clock()
        held_off = tuple(
            kind for kind, provider in self.providers.items() if self._held_off(provider)
        )
        async with self.db.transaction() as tx:
            rows = await tx.fetch(
                sql.CLAIM,
                sql.Claimed,
                until=now + self.lease,
                now=now,
                held_off=held_off,
                limit=self.batch_size,
            )
        return {row.id: row.attempts for row in rows}

    async def _details(self, ids: list[UUID]) -> list[tuple[Outgoing, sql.Details]]:
        """Each claimed delivery, with its row (device enabled, tenant, subject)."""
        rows = await self.db.fetch(sql.DETAILS, sql.Details, ids=ids)
        return [(_outgoing(row), row) for row in rows]

    async def _send(self, claimed: tuple[Outgoing, sql.Details]) -> Answer:
        item, row = claimed
        if not row.enabled:
            return Answer(Verdict.DEAD, reason="the device was unregistered or its token moved")
        if item.expires_at <= self.clock():
            last = f"; last answer: {row.last_reason}" if row.last_reason else ""
            reason = f"expired before it could be delivered{last}"
            return Answer(Verdict.DEAD, row.last_status_code, reason)
        provider = self._provider_for(item)
        if provider is None:
            return Answer(Verdict.DEAD, reason=f"no provider for {item.platform}")
        answer, opened = await self.breakers[provider.name].call(lambda: self._try(provider, item))
        if opened:
            log.error("push: %s refused our credentials: %s", provider.name, answer.reason)
            self._opened.add(provider.name)
        return answer

    @staticmethod
    async def _try(provider: Provider, item: Outgoing) -> Answer:
        try:
            return await provider.send(item)
        except Exception as error:  # a provider bug is a failed attempt, never a lost row
            log.exception("push provider %s failed on delivery %s", provider.name, item.delivery_id)
            return Answer(Verdict.RETRY, reason=f"provider error: {type(error).__name__}")

    def _held_off(self, provider: Provider) -> bool:
        return self.breakers[provider.name].is_open()

    async def _record(
        self,
        items: list[tuple[Outgoing, sql.Details]],
        answers: list[Answer],
        attempts: dict[UUID, int],
    ) -> None:
        now = self.clock()
        async with self.db.transaction() as tx:
            outcomes: list[_Outcome] = []
            for (item, _), answer in zip(items, answers, strict=True):
                if answer.verdict is Verdict.TOKEN_DEAD:
                    still_dead = await devices.disable(
                        tx=tx,
                        device_id=item.device_id,
                        reason=f"the provider rejected the token: {answer.reason}",
                        unless_registered_after=answer.token_dead_since,
                    )
                    if not still_dead and answer.token_dead_since is not None:
                        # Registered again since Apple saw it die: worth another try, within
                        # the retry budget (Apple may keep answering with the old timestamp).
                        answer = dataclasses.replace(answer, verdict=Verdict.RETRY)
                status, next_at = self._status(item, answer, attempts[item.delivery_id], now)
                provider = self._provider_for(item)
                claimed = attempts[item.delivery_id]
                not_tried = answer.verdict in (Verdict.HELD, Verdict.PROVIDER_AUTH)
                outcomes.append(
                    _Outcome(
                        item.delivery_id,
                        status,
                        provider.name if provider is not None else "none",
                        next_at,
                        answer,
                        claimed,
                        claimed - 1 if not_tried else claimed,
                    )
                )
            recorded = await self._write(tx, outcomes, now)
            for (item, row), outcome in zip(items, outcomes, strict=True):
                if outcome.status == "dead" and item.delivery_id in recorded:
                    await failures.dead_letter(
                        tx=tx,
                        item=item,
                        row=row,
                        provider=outcome.provider,
                        answer=outcome.answer,
                        attempts=outcome.claimed,
                        now=now,
                    )
            alerted = await self._alert_opened_circuits(tx, items, answers, now)
        self._opened -= alerted  # only once the alerts are committed

    async def _write(self, tx: Transaction, outcomes: list[_Outcome], now: datetime) -> set[UUID]:
        """Record the outcomes; answers the deliveries recorded (not those a device
        acknowledged meanwhile). Where a statement is a round trip (PostgreSQL), the round
        takes one statement: a round trip per delivery was the relay's largest wait there
        (bench/RESULTS.md); where statements are cheap (SQLite), one per delivery."""
        rows: list[dict[str, Any]] = [
            {
                "id": o.delivery_id,
                "status": o.status,
                "provider": o.provider,
                "next_at": o.next_at,
                "code": o.answer.status_code,
                "reason": o.answer.reason[:200],
                "response": o.answer.response[:4000],
                "sent_at": now if o.status in ("delivered", "logged") else None,
                "attempts": o.attempts,
                "claimed": o.claimed,
            }
            for o in outcomes
        ]
        if self.db.statements_are_cheap:
            recorded = set()
            for outcome in rows:
                if await tx.fetch_one(sql.RECORD, sql.Id, now=now, **outcome):
                    recorded.add(outcome["id"])
            return recorded
        columns = {
            name: Array([row[field] for row in rows])
            for name, field in (
                ("ids", "id"),
                ("statuses", "status"),
                ("providers", "provider"),
                ("next_ats", "next_at"),
                ("codes", "code"),
                ("reasons", "reason"),
                ("responses", "response"),
                ("sent_ats", "sent_at"),
                ("attempts", "attempts"),
                ("claims", "claimed"),
            )
        }
        returned = await tx.fetch(sql.RECORD_MANY, sql.Id, now=now, **columns)
        return {row.id for row in returned}

    async def _alert_opened_circuits(
        self,
        tx: Transaction,
        items: list[tuple[Outgoing, sql.Details]],
        answers: list[Answer],
        now: datetime,
    ) -> set[str]:
        """A provider refusing our credentials stops every push: on-call hears it at once, in
        each tenant whose pushes it stopped, not after the deliveries expire. Answers the
        providers alerted about."""
        opened = set(self._opened)
        if not opened:
            return set()
        failed: dict[tuple[str, UUID], Answer] = {}
        for (item, row), answer in zip(items, answers, strict=True):
            provider = self._provider_for(item)
            if answer.verdict is Verdict.PROVIDER_AUTH and provider and provider.name in opened:
                failed.setdefault((provider.name, row.tenant_id), answer)
        for (name, tenant_id), answer in failed.items():
            await failures.credentials_refused(
                tx=tx,
                provider=name,
                tenant_id=tenant_id,
                answer=answer,
                held_until=self.breakers[name].open_until,
                now=now,
            )
        return {name for name, _ in failed}

    def _status(
        self, item: Outgoing, answer: Answer, attempt: int, now: datetime
    ) -> tuple[str, datetime]:
        if answer.verdict is Verdict.DELIVERED:
            return "delivered", now
        if answer.verdict is Verdict.LOGGED:
            return "logged", now
        if answer.verdict is Verdict.TOKEN_DEAD:
            return "token_disabled", now
        if answer.verdict in (Verdict.PROVIDER_AUTH, Verdict.HELD):
            # Not this delivery's fault: it waits for the circuit, bounded only by its expiry.
            provider = self._provider_for(item)
            until = self.breakers[provider.name].open_until if provider else None
            next_at = max(until or now, now)
            if next_at < item.expires_at:
                return "retrying", next_at
        if answer.verdict is Verdict.RETRY and attempt <= self.policy.max_retries:
            delay = self.policy.delay(attempt, answer.retry_after_seconds, self.rand)
            next_at = now + timedelta(seconds=delay)
            if next_at < item.expires_at:
                return "retrying", next_at
        return "dead", now

    def _provider_for(self, item: Outgoing) -> Provider | None:
        return self.providers.get(PROVIDER_OF_PLATFORM[item.platform])


def _outgoing(row: sql.Details) -> Outgoing:
    data = {**row.data, "delivery_id": str(row.delivery_id)}  # what the app acknowledges
    text = texts.render(row.kind, row.params, row.locale)
    title, body = text or (row.title, row.body)
    return Outgoing(
        delivery_id=row.delivery_id,
        device_id=row.device_id,
        platform=row.platform,
        push_token=row.push_token,
        apns_environment=row.apns_environment,
        app_bundle_id=row.app_bundle_id,
        locale=row.locale,
        kind=row.kind,
        title=title,
        body=body,
        data=data,
        priority=row.priority,
        collapse_key=row.collapse_key,
        expires_at=row.expires_at,
    )
