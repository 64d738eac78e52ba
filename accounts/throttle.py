"""Login throttling per account, and on-call alerts for bursts of failures across a tenant.

The per-address limit (``FIELDOPS_AUTH_RATE_LIMIT_PER_MINUTE``) does not stop guesses spread
over many addresses at one account. So each account name (tenant slug + normalised username,
whether the account exists or not: the answer must not tell) counts its failed logins: after
``free_failures`` of them each further attempt must wait 2^(n - free_failures) seconds (n the
failures so far), at most ``max_delay``, answered 429 ``rate_limited`` with ``Retry-After``.
It is a delay, never a lock: once it has passed, the right password logs in and clears the
count, and failures are forgotten after ``window`` without one. The counts are rows in the
database, so every API process shares them.

An attempt is counted *before* the password is checked (and uncounted when it was right):
concurrent guesses cannot all slip through before the first failure is written.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from accounts import sql
from accounts.events import LoginBurst
from kernel.db import Database, Transaction
from kernel.errors import DomainError
from mobile_contract.errors import ErrorCode

ALERT_QUIET = timedelta(hours=1)  # one alert per tenant per burst: not another within this


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    free_failures: int = 5
    max_delay_seconds: int = 900
    window_seconds: int = 3600  # failures are forgotten after this long without one
    burst_failures: int = 50  # failures across a tenant's accounts that alert on-call …
    burst_window_seconds: int = 300  # … within this


class LoginThrottled(DomainError):
    """429 ``rate_limited`` with ``Retry-After`` (``DomainError.retry_after``)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            ErrorCode.RATE_LIMITED,
            f"Too many failed logins for this account; try again in {retry_after} s.",
            {"reason": "login_delay", "retry_after_seconds": retry_after},
        )
        self.retry_after = retry_after


def delay_after(failures: int, policy: LoginPolicy) -> timedelta | None:
    """How long the next attempt waits after ``failures`` failures in a row."""
    if failures < policy.free_failures:
        return None
    exponent = failures - policy.free_failures
    seconds = min(2 ** min(exponent, 30), policy.max_delay_seconds)
    return timedelta(seconds=seconds)


async def admit(
    *, db: Database, policy: LoginPolicy, tenant_slug: str, username_key: str, now: datetime
) -> None:
    """Let one attempt at the account through (counted as a failure until ``succeeded``), or
    raise ``LoginThrottled`` while its delay runs (that attempt is not counted)."""
    key = {"slug": tenant_slug, "key": username_key}
    async with db.transaction() as tx:
        await tx.execute(sql.ENSURE_THROTTLE, id=uuid4(), now=now, **key)
        row = await tx.fetch_one(sql.THROTTLE, sql.ThrottleRow, **key)
        assert row is not None  # just ensured
        blocked_until = row.blocked_until
        if blocked_until is not None and blocked_until > now:
            raise LoginThrottled(max(1, math.ceil((blocked_until - now).total_seconds())))
        recent = row.last_failure_at > now - timedelta(seconds=policy.window_seconds)
        failures = (row.failures if recent else 0) + 1
        delay = delay_after(failures, policy)
        until = now + delay if delay is not None else None
        await tx.execute(sql.COUNT_FAILURE, failures=failures, now=now, until=until, **key)


async def succeeded(*, tx: Transaction, tenant_slug: str, username_key: str) -> None:
    """The password was right: the account's count starts again."""
    await tx.execute(sql.CLEAR_THROTTLE, slug=tenant_slug, key=username_key)


async def failed(
    *,
    db: Database,
    policy: LoginPolicy,
    tenant_id: UUID | None,
    tenant_slug: str,
    now: datetime,
) -> None:
    """A failed login (already counted for its account by ``admit``): count it for the tenant
    and announce a burst once when they cross ``burst_failures`` (``push`` alerts on-call);
    forget accounts whose last failure is older than the window."""
    async with db.transaction() as tx:
        await tx.execute(
            sql.FORGET_THROTTLES, before=now - timedelta(seconds=policy.window_seconds)
        )
        if tenant_id is None:
            return  # no such tenant: nobody to alert
        await tx.execute(sql.ENSURE_BURST, id=uuid4(), tenant=tenant_id, now=now)
        row = await tx.fetch_one(sql.BURST, sql.BurstRow, tenant=tenant_id)
        assert row is not None  # just ensured
        started = row.window_started_at
        window = timedelta(seconds=policy.burst_window_seconds)
        if started <= now - window:
            started, failures = now, 1
        else:
            failures = row.failures + 1
        alerted_at = row.alerted_at
        quiet = alerted_at is not None and alerted_at > now - ALERT_QUIET
        if failures >= policy.burst_failures and not quiet:
            counted = await tx.fetch_one(
                sql.BURST_ACCOUNTS, sql.AccountCount, slug=tenant_slug, since=started
            )
            await tx.publish(
                LoginBurst(
                    tenant_id=tenant_id,
                    failures=failures,
                    minutes=max(1, round(policy.burst_window_seconds / 60)),
                    accounts=counted.accounts if counted else 0,
                    now=now,
                )
            )
            alerted_at = now
        await tx.execute(
            sql.COUNT_BURST,
            started=started,
            failures=failures,
            alerted_at=alerted_at,
            tenant=tenant_id,
        )
