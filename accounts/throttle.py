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

from accounts.tables import LoginBurst, LoginThrottle
from kernel import sql
from kernel.clock import as_utc
from kernel.db import Database
from kernel.errors import DomainError
from mobile_contract.errors import ErrorCode
from push.alerts import LOGIN_BURST, raise_alert

ALERT_QUIET = timedelta(hours=1)  # one alert per tenant per burst: not another within this


@dataclass(frozen=True, slots=True)
class LoginPolicy:
    free_failures: int = 5
    max_delay_seconds: int = 900
    window_seconds: int = 3600  # failures are forgotten after this long without one
    burst_failures: int = 50  # failures across a tenant's accounts that alert on-call …
    burst_window_seconds: int = 300  # … within this


class LoginThrottled(DomainError):
    """429 ``rate_limited``; the controller adds ``Retry-After``."""

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


_ENSURE = (
    "INSERT INTO accounts_login_throttle (id, tenant_slug, username_key, failures,"
    " last_failure_at, blocked_until) VALUES ({}, {}, {}, 0, {}, NULL)"
    " ON CONFLICT (tenant_slug, username_key) DO NOTHING"
)
_READ = (
    "SELECT failures, last_failure_at, blocked_until FROM accounts_login_throttle"
    " WHERE tenant_slug = {} AND username_key = {}"
)
_COUNT = (
    "UPDATE accounts_login_throttle SET failures = {}, last_failure_at = {}, blocked_until = {}"
    " WHERE tenant_slug = {} AND username_key = {}"
)
_CLEAR = "DELETE FROM accounts_login_throttle WHERE tenant_slug = {} AND username_key = {}"
_FORGET = "DELETE FROM accounts_login_throttle WHERE last_failure_at < {}"


async def admit(
    *, db: Database, policy: LoginPolicy, tenant_slug: str, username_key: str, now: datetime
) -> None:
    """Let one attempt at the account through (counted as a failure until ``succeeded``), or
    raise ``LoginThrottled`` while its delay runs (that attempt is not counted)."""
    async with db.transaction():
        await sql.fetch(LoginThrottle, _ENSURE, uuid4(), tenant_slug, username_key, now)
        lock = "" if db.is_sqlite else " FOR UPDATE"
        row = await sql.fetch_one(LoginThrottle, _READ + lock, tenant_slug, username_key)
        assert row is not None  # just ensured
        blocked_until = _aware(row["blocked_until"])
        if blocked_until is not None and blocked_until > now:
            raise LoginThrottled(max(1, math.ceil((blocked_until - now).total_seconds())))
        recent = _moment(row["last_failure_at"]) > now - timedelta(seconds=policy.window_seconds)
        failures = (row["failures"] if recent else 0) + 1
        delay = delay_after(failures, policy)
        until = now + delay if delay is not None else None
        await sql.fetch(LoginThrottle, _COUNT, failures, now, until, tenant_slug, username_key)


async def succeeded(*, tenant_slug: str, username_key: str) -> None:
    """The password was right: the account's count starts again (in the caller's
    transaction)."""
    await sql.fetch(LoginThrottle, _CLEAR, tenant_slug, username_key)


_BURST_READ = (
    "SELECT window_started_at, failures, alerted_at FROM accounts_login_burst WHERE tenant = {}"
)
_BURST_ENSURE = (
    "INSERT INTO accounts_login_burst (id, tenant, window_started_at, failures, alerted_at)"
    " VALUES ({}, {}, {}, 0, NULL) ON CONFLICT (tenant) DO NOTHING"
)
_BURST_COUNT = (
    "UPDATE accounts_login_burst SET window_started_at = {}, failures = {}, alerted_at = {}"
    " WHERE tenant = {}"
)
_ACCOUNTS = (
    "SELECT count(*) AS accounts FROM accounts_login_throttle"
    " WHERE tenant_slug = {} AND last_failure_at >= {}"
)


async def failed(
    *,
    db: Database,
    policy: LoginPolicy,
    tenant_id: UUID | None,
    tenant_slug: str,
    now: datetime,
) -> None:
    """A failed login (already counted for its account by ``admit``): count it for the tenant
    and alert on-call once when a burst of them crosses ``burst_failures``; forget accounts
    whose last failure is older than the window."""
    async with db.transaction():
        await sql.fetch(LoginThrottle, _FORGET, now - timedelta(seconds=policy.window_seconds))
        if tenant_id is None:
            return  # no such tenant: nobody to alert
        await sql.fetch(LoginBurst, _BURST_ENSURE, uuid4(), tenant_id, now)
        lock = "" if db.is_sqlite else " FOR UPDATE"
        row = await sql.fetch_one(LoginBurst, _BURST_READ + lock, tenant_id)
        assert row is not None  # just ensured
        started = _moment(row["window_started_at"])
        window = timedelta(seconds=policy.burst_window_seconds)
        if started <= now - window:
            started, failures = now, 1
        else:
            failures = row["failures"] + 1
        alerted_at = _aware(row["alerted_at"])
        quiet = alerted_at is not None and alerted_at > now - ALERT_QUIET
        if failures >= policy.burst_failures and not quiet:
            accounts = await sql.fetch_one(LoginThrottle, _ACCOUNTS, tenant_slug, started)
            count = int(accounts["accounts"]) if accounts else 0
            minutes = max(1, round(policy.burst_window_seconds / 60))
            await raise_alert(
                tenant_id=tenant_id,
                kind=LOGIN_BURST,
                message=f"{failures} failed logins within {minutes} min across {count} "
                "account names: someone may be guessing passwords",
                details={"failures": failures, "minutes": minutes, "accounts": count},
                now=now,
            )
            alerted_at = now
        await sql.fetch(LoginBurst, _BURST_COUNT, started, failures, alerted_at, tenant_id)


def _moment(value: datetime | str) -> datetime:
    """A timestamp from raw SQL as an aware datetime (naive ones are UTC)."""
    return as_utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def _aware(value: datetime | str | None) -> datetime | None:
    return None if value is None else _moment(value)
