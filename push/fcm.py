"""FCM HTTP v1 over HTTP/2 (push.http2, on h2) with a service-account OAuth token (google-auth).

pyfcm, the package the design card names, is blocking ``requests``, sleeps inside the event
loop on a 429 and maps every 400 to one error (README). Here one HTTP/2 connection carries
every send; google-auth is blocking too, so its token refresh runs in a worker thread, one
refresh at a time, shared by all sends; a 401 forces one refresh before it counts as a failure.
"""

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import google.auth.exceptions
import google.auth.transport.urllib3
import msgspec
import urllib3
from google.oauth2 import service_account

from kernel.clock import utcnow
from push.http2 import Response
from push.http2_client import Http2Client, Origin, tls_context
from push.providers import (
    BREAKS_THROUGH,
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

SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
MAX_PAYLOAD_BYTES = 4000  # FCM's limit on a message's data
_TOKEN_DEAD = {"UNREGISTERED", "SENDER_ID_MISMATCH"}
_PROVIDER_AUTH = {"THIRD_PARTY_AUTH_ERROR"}
_TRANSIENT = {"UNAVAILABLE", "INTERNAL", "QUOTA_EXCEEDED"}
_OUTAGE = {"UNAVAILABLE", "INTERNAL"}  # FCM's side failed (a quota is about us or a device)
_FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
_BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"


@dataclass(frozen=True, slots=True)
class FcmConfig:
    service_account: Mapping[str, str]  # the key file Firebase issues (JSON)
    project_id: str = ""  # the key file's project unless given
    endpoint: str = "https://fcm.googleapis.com"
    ca_file: str | None = None  # a private CA (tests, proxies) for FCM and the token endpoint
    timeout_seconds: float = 10.0


class AccessToken:
    """The OAuth access token FCM wants, from google-auth's service-account credentials."""

    def __init__(self, config: FcmConfig) -> None:
        # google-auth ships no type hints for these two calls.
        self.credentials = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            dict(config.service_account), scopes=[SCOPE]
        )
        pool = urllib3.PoolManager(
            ca_certs=config.ca_file, timeout=urllib3.Timeout(total=config.timeout_seconds)
        )
        self._request = google.auth.transport.urllib3.Request(pool)  # type: ignore[no-untyped-call]
        self._lock = asyncio.Lock()
        self.refreshes = 0  # observable for tests and metrics

    async def current(self) -> str:
        if not self.credentials.valid:  # none yet, or within google-auth's expiry margin
            await self._refresh(rejected=None)
        return str(self.credentials.token)

    async def replace(self, rejected: str) -> None:
        """FCM refused ``rejected``: fetch another unless a concurrent send already did."""
        await self._refresh(rejected=rejected)

    async def _refresh(self, *, rejected: str | None) -> None:
        async with self._lock:
            token = self.credentials.token
            if self.credentials.valid and (rejected is None or token != rejected):
                return
            await asyncio.to_thread(self.credentials.refresh, self._request)
            self.refreshes += 1


# The Android notification channels the app creates (README): urgent work (and a critical
# escalation: Android has no critical level of its own) sounds through Do Not Disturb where the
# user allowed it; everything else uses the ordinary channel.
CHANNEL_URGENT, CHANNEL_DEFAULT = "fieldops_urgent", "fieldops_work_orders"


def message_of(item: Outgoing, now: datetime) -> dict[str, Any]:
    """The v1 ``Message``: data only, so ``onMessageReceived`` runs in the background too and
    the app acknowledges receipt before it shows the notification itself (a message with a
    ``notification`` block is shown by the system instead, and the app never hears of it).
    The data carries what the app shows (title, body, channel, tag: ``tag`` replaces a shown
    notification the way ``apns-collapse-id`` does on iOS) and the app's routing ids; Android
    options carry priority, TTL and the collapse key."""
    ttl = max(0, int((item.expires_at - now).total_seconds()))
    android: dict[str, Any] = {
        "priority": "NORMAL" if item.priority == NORMAL else "HIGH",
        "ttl": f"{ttl}s",
    }
    if item.collapse_key:
        android["collapse_key"] = item.collapse_key
    shown = {
        "title": item.title,
        "body": item.body,
        "channel_id": CHANNEL_URGENT if item.priority in BREAKS_THROUGH else CHANNEL_DEFAULT,
        "tag": item.collapse_key,
        # Android has no critical level: the app is told "urgent", a value every version knows.
        "urgency": URGENT if item.priority == CRITICAL else item.priority,
    }
    data = {key: str(value) for key, value in item.data.items()}
    return {"token": item.push_token, "data": {**data, **shown}, "android": android}


class FcmProvider:
    name = "fcm"

    def __init__(
        self,
        config: FcmConfig,
        *,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.config, self.clock = config, clock
        self.token = AccessToken(config)
        project = config.project_id or config.service_account["project_id"]
        self.origin = Origin.of(config.endpoint)
        self.path = f"/v1/projects/{project}/messages:send"
        self.client = Http2Client(
            ssl_context=tls_context(config.ca_file), timeout=config.timeout_seconds
        )

    async def close(self) -> None:
        await self.client.close()

    async def send(self, item: Outgoing) -> Answer:
        message = message_of(item, self.clock())
        size = sum(len(k.encode()) + len(v.encode()) for k, v in message["data"].items())
        if size > MAX_PAYLOAD_BYTES:
            return Answer(Verdict.DEAD, reason=f"message too big: {size} bytes (checked before)")
        body = msgspec.json.encode({"message": message})
        try:
            token = await self.token.current()
            answer = await self._post(body, token)
            if answer.status_code == 401 and answer.reason == "UNAUTHENTICATED":
                await self.token.replace(token)  # revoked or expired early: once more
                answer = await self._post(body, await self.token.current())
        except google.auth.exceptions.RefreshError as error:
            retryable = getattr(error, "retryable", False)
            verdict = Verdict.RETRY if retryable else Verdict.PROVIDER_AUTH
            return Answer(verdict, reason=f"OAuth token refused: {error}"[:200])
        except google.auth.exceptions.TransportError as error:
            return Answer(Verdict.RETRY, reason=f"OAuth token endpoint: {error}"[:200])
        return answer

    async def _post(self, body: bytes, token: str) -> Answer:
        headers = [("authorization", f"Bearer {token}"), ("content-type", "application/json")]
        return await post(self.client, self.origin, self.path, headers, body, classify)


def classify(response: Response) -> Answer:
    """FCM's answer as a verdict, from the ``FcmError`` code where FCM gives one."""
    status = response.status
    text = response.body.decode(errors="replace")
    if status == 200:
        return Answer(Verdict.DELIVERED, status, response=text)
    grpc_status, error_code, fields = _error_of(response.body)
    reason = error_code or grpc_status or f"HTTP {status}"
    retry_after = retry_after_seconds(response.headers.get("retry-after"))
    if error_code in _TOKEN_DEAD or "message.token" in fields:
        return Answer(Verdict.TOKEN_DEAD, status, reason, text)
    if error_code in _PROVIDER_AUTH or status in (401, 403):
        return Answer(Verdict.PROVIDER_AUTH, status, reason, text)
    if error_code in _TRANSIENT or status in RETRY_STATUS:
        outage = error_code in _OUTAGE or status in OUTAGE_STATUS
        return Answer(Verdict.RETRY, status, reason, text, retry_after, outage=outage)
    return Answer(Verdict.DEAD, status, reason, text)


def _error_of(content: bytes) -> tuple[str, str, set[str]]:
    """(google.rpc.Status status, FcmError errorCode, BadRequest fields) of an error body."""
    try:
        error = msgspec.json.decode(content).get("error", {}) if content else {}
    except (msgspec.DecodeError, AttributeError):
        return "", "", set()
    if not isinstance(error, dict):
        return "", "", set()
    error_code, fields = "", set()
    for detail in error.get("details") or []:
        if not isinstance(detail, dict):
            continue
        if detail.get("@type") == _FCM_ERROR:
            error_code = str(detail.get("errorCode", ""))
        elif detail.get("@type") == _BAD_REQUEST:
            fields |= {str(v.get("field", "")) for v in detail.get("fieldViolations") or []}
    return str(error.get("status", "")), error_code, fields
