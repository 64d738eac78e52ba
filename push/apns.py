"""APNs over HTTP/2 (push.http2, on h2) with an ES256 provider token (PyJWT).

apns2, the package the design card names, does not import on Python 3.11 (its dependency
``hyper`` uses ``collections.Iterable``): see README. One HTTP/2 connection per environment is
shared by all sends, so concurrent deliveries are streams on it, not new TLS handshakes.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import jwt
import msgspec

from push.http2 import Response
from push.http2_client import Http2Client, Origin, tls_context
from push.providers import (
    CRITICAL,
    NORMAL,
    OUTAGE_STATUS,
    RETRY_STATUS,
    URGENT,
    Answer,
    Outgoing,
    Verdict,
    post,
    retry_after_seconds,
)

MAX_PAYLOAD_BYTES = 4096
# Apple rejects provider tokens older than an hour and throttles refreshes more frequent than
# every 20 minutes (TooManyProviderTokenUpdates): refresh at 40, never before 20.
TOKEN_REFRESH_SECONDS = 40 * 60
TOKEN_MIN_AGE_SECONDS = 20 * 60

_TOKEN_DEAD = {"BadDeviceToken", "DeviceTokenNotForTopic", "Unregistered", "ExpiredToken"}
_PROVIDER_AUTH = {
    "InvalidProviderToken",
    "ExpiredProviderToken",
    "MissingProviderToken",
    "BadCertificate",
    "BadCertificateEnvironment",
}


@dataclass(frozen=True, slots=True)
class ApnsConfig:
    team_id: str
    key_id: str
    private_key_pem: str  # the .p8 key Apple issues (ES256)
    production_url: str = "https://api.push.apple.com"
    sandbox_url: str = "https://api.sandbox.push.apple.com"
    ca_file: str | None = None  # a private CA (tests, proxies); the system store otherwise
    timeout_seconds: float = 10.0


class ProviderToken:
    """The shared provider JWT: made on first use, refreshed when 40 minutes old; a forced
    refresh (after ExpiredProviderToken) happens only once it is at least 20 minutes old."""

    def __init__(self, config: ApnsConfig, clock: Callable[[], float] = time.time) -> None:
        self.config, self.clock = config, clock
        self._token: str | None = None
        self._issued_at = 0.0
        self.generated = 0  # how many tokens were made (observable for tests and metrics)

    def current(self) -> str:
        if self._token is None or self.clock() - self._issued_at >= TOKEN_REFRESH_SECONDS:
            self._make()
        assert self._token is not None
        return self._token

    def refresh_if_allowed(self, rejected: str) -> bool:
        """After Apple refused ``rejected``: True when there is another token to try (a
        concurrent send already made one, or this one is old enough to replace)."""
        if self._token != rejected:
            return True
        if self.clock() - self._issued_at < TOKEN_MIN_AGE_SECONDS:
            return False
        self._make()
        return True

    def _make(self) -> None:
        self._issued_at = self.clock()
        self._token = jwt.encode(
            {"iss": self.config.team_id, "iat": int(self._issued_at)},
            self.config.private_key_pem,
            algorithm="ES256",
            headers={"kid": self.config.key_id},
        )
        self.generated += 1


_INTERRUPTION = {CRITICAL: "critical", URGENT: "time-sensitive"}
_CRITICAL_SOUND = {"critical": 1, "name": "default", "volume": 1.0}


def payload_of(item: Outgoing) -> bytes:
    """Apple's ``aps`` dictionary plus the app's routing data as top-level custom keys.

    ``mutable-content`` lets the app's notification service extension run for every push, in
    the background too: that is where the app acknowledges receipt (without it every P0 would
    look unacknowledged). An urgent push is ``time-sensitive``: it breaks through Focus modes;
    a critical one (an escalation stage that asked for it; the app holds Apple's entitlement)
    also sounds, at full volume, on a muted phone.
    """
    aps: dict[str, object] = {
        "alert": {"title": item.title, "body": item.body},
        "sound": _CRITICAL_SOUND if item.priority == CRITICAL else "default",
        "mutable-content": 1,
        "interruption-level": _INTERRUPTION.get(item.priority, "active"),
    }
    if item.collapse_key:
        aps["thread-id"] = item.collapse_key  # groups a work order's pushes on the lock screen
    return msgspec.json.encode({**item.data, "aps": aps})


class ApnsProvider:
    name = "apns"

    def __init__(
        self,
        config: ApnsConfig,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.token = ProviderToken(config, clock)
        self.client = Http2Client(
            ssl_context=tls_context(config.ca_file), timeout=config.timeout_seconds
        )
        self.origins = {
            "production": Origin.of(config.production_url),
            "sandbox": Origin.of(config.sandbox_url),
        }

    async def close(self) -> None:
        await self.client.close()

    async def send(self, item: Outgoing) -> Answer:
        payload = payload_of(item)
        if len(payload) > MAX_PAYLOAD_BYTES:
            return Answer(
                Verdict.DEAD,
                reason=f"PayloadTooLarge: {len(payload)} bytes (checked before sending)",
            )
        token = self.token.current()
        answer = await self._post(item, payload, token)
        if answer.reason == "ExpiredProviderToken" and self.token.refresh_if_allowed(token):
            answer = await self._post(item, payload, self.token.current())
        return answer

    async def _post(self, item: Outgoing, payload: bytes, token: str) -> Answer:
        origin = self.origins["sandbox" if item.apns_environment == "sandbox" else "production"]
        headers = [
            ("authorization", f"bearer {token}"),
            ("apns-id", str(item.delivery_id)),
            ("apns-push-type", "alert"),
            # 10: at once (critical, urgent, high); 5: when the device sees fit (Apple's
            # advice for non-urgent alerts)
            ("apns-priority", "5" if item.priority == NORMAL else "10"),
            ("apns-expiration", str(int(item.expires_at.timestamp()))),
            ("apns-topic", item.app_bundle_id),
        ]
        if item.collapse_key:
            headers.append(("apns-collapse-id", item.collapse_key))
        path = f"/3/device/{item.push_token}"
        return await post(self.client, origin, path, headers, payload, classify)


def classify(response: Response) -> Answer:
    """Apple's answer as a verdict: 200 has no body; an error has one JSON DATA frame."""
    status = response.status
    if status == 200:
        return Answer(Verdict.DELIVERED, status)
    text = response.body.decode(errors="replace")
    try:
        body = msgspec.json.decode(response.body) if response.body else {}
    except msgspec.DecodeError:
        body = {}
    reason = str(body.get("reason", "")) if isinstance(body, dict) else ""
    retry_after = retry_after_seconds(response.headers.get("retry-after"))
    if reason in _TOKEN_DEAD:
        stamp = body.get("timestamp") if isinstance(body, dict) else None
        since = datetime.fromtimestamp(stamp / 1000, UTC) if isinstance(stamp, int) else None
        return Answer(Verdict.TOKEN_DEAD, status, reason, text, token_dead_since=since)
    if reason in _PROVIDER_AUTH or status == 403:
        return Answer(Verdict.PROVIDER_AUTH, status, reason, text)
    if status in RETRY_STATUS:
        outage = status in OUTAGE_STATUS
        return Answer(
            Verdict.RETRY, status, reason or f"HTTP {status}", text, retry_after, outage=outage
        )
    return Answer(Verdict.DEAD, status, reason or f"HTTP {status}", text)
