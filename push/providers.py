"""What a provider is given and what it answers; the embedded ``log`` provider.

Providers classify the answer (delivered, retry, token dead, dead) so the relay applies one
retry policy to all of them. APNs and FCM speak HTTP/2 to the real services (their own
modules); ``log`` is the default when no credentials are configured: it writes the
notification to the server log and records it as ``logged``, never as ``delivered``.
"""

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

from kernel.clock import as_utc, utcnow
from push.http2 import Http2Error, Http2Timeout, Response
from push.http2_client import Http2Client, Origin

log = logging.getLogger("fieldops.push")


class Verdict(StrEnum):
    DELIVERED = "delivered"  # the provider accepted it
    LOGGED = "logged"  # no provider configured: written to the log only
    RETRY = "retry"  # transient: try again later
    TOKEN_DEAD = "token_dead"  # the device's token is no longer valid: disable it
    DEAD = "dead"  # permanent for this notification (bad payload, too large ...)
    PROVIDER_AUTH = "provider_auth"  # the provider refuses our credentials: every send fails
    HELD = "held"  # not sent: the provider's circuit is open


# HTTP statuses worth another try, and those that say the provider itself failed (a 429 is
# about us or one device, not an outage).
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
OUTAGE_STATUS = frozenset({500, 502, 503, 504})

# How urgently a notification must reach the device: URGENT (a P0: wakes the device and breaks
# through Focus / Do Not Disturb), HIGH (at once), NORMAL (when the device sees fit).
URGENT, HIGH, NORMAL = "urgent", "high", "normal"
# CRITICAL: an APNs critical alert, which sounds even when the phone is muted. Only apps holding
# Apple's critical-alerts entitlement may use it, so it is never derived from a work order's
# priority: a tenant's escalation stage asks for it explicitly. On Android it is URGENT.
CRITICAL = "critical"
BREAKS_THROUGH = frozenset({CRITICAL, URGENT})  # the priorities that break through Focus / DND


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One delivery as a provider needs it."""

    delivery_id: UUID
    device_id: UUID
    platform: str
    push_token: str
    apns_environment: str
    app_bundle_id: str
    locale: str
    kind: str
    title: str
    body: str
    data: dict[str, Any]
    priority: str
    collapse_key: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class Answer:
    verdict: Verdict
    status_code: int | None = None
    reason: str = ""
    response: str = ""  # the provider's body, kept on the delivery for whoever investigates
    retry_after_seconds: float | None = None
    token_dead_since: datetime | None = None  # APNs 410: when Apple learned it was dead
    outage: bool = False  # the provider itself failed (5xx, timeout, lost connection)


class Provider(Protocol):
    name: str

    async def send(self, item: Outgoing) -> Answer: ...

    async def close(self) -> None: ...


class LogProvider:
    """The embedded default: no credentials, so nothing leaves the server."""

    name = "log"

    async def send(self, item: Outgoing) -> Answer:
        log.info(
            "push (log provider, not sent): delivery %s to %s device %s: %s",
            item.delivery_id,
            item.platform,
            item.device_id,
            item.title,
        )
        return Answer(Verdict.LOGGED, reason="no push provider configured")

    async def close(self) -> None:
        """Nothing is open."""


def retry_after_seconds(value: str | None, *, now: Callable[[], datetime] = utcnow) -> float | None:
    """A ``Retry-After`` header in seconds. RFC 9110 §10.2.3 allows delta-seconds (what APNs
    and FCM send) or an HTTP-date (what a proxy or load balancer in front may send): a date
    is the seconds from ``now``, never negative. Anything else gives no hint (None)."""
    if value is None:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = as_utc(parsedate_to_datetime(value))  # a date without a zone is GMT
        except (TypeError, ValueError):
            return None
        return max(0.0, (when - now()).total_seconds())
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


async def post(
    client: Http2Client,
    origin: Origin,
    path: str,
    headers: list[tuple[str, str]],
    body: bytes,
    classify: Callable[[Response], Answer],
) -> Answer:
    """One request to a provider, its answer classified; a transport failure (timeout,
    connection reset or refused, GOAWAY) is a transient one."""
    try:
        response = await client.post(origin, path, headers, body)
    except Http2Timeout as error:
        return Answer(Verdict.RETRY, reason=f"timeout: {error}", outage=True)
    except Http2Error as error:
        return Answer(Verdict.RETRY, reason=f"connection: {error}", outage=True)
    return classify(response)
