"""What a channel's provider is given and how its HTTP answers are read; the embedded ``log``
provider and the SMS gateway.

Providers classify every answer into ``push.providers.Answer`` (sent, retry, dead, refused
credentials), so the relay applies push's retry policy and circuit breaker to them. A 4xx
that says the address is wrong (no such phone, the follower left, the robot was removed) is
dead at once: retrying cannot help. Nothing here logs a message's text with its links in
clear, nor a URL that holds a key: only ``masked_text`` and the channel's name.
"""

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

import httpx
import msgspec

from push.providers import OUTAGE_STATUS, RETRY_STATUS, Answer, Verdict, retry_after_seconds

log = logging.getLogger("fieldops.notify")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message as a provider needs it, rendered now."""

    message_id: UUID
    tenant_id: UUID
    channel: str
    milestone: str
    address: str  # a phone or an open id ("" for a group robot)
    contact_name: str
    headline: str  # "工单 WO-… 已受理": a robot's title, a WeChat message's first line
    number: str
    status_words: str
    text: str  # with the real links: only ever sent to the provider
    masked_text: str  # the same with the tokens masked: what a log may show
    portal_link: str
    values: Mapping[str, str] = field(default_factory=dict)  # the placeholders' values


@dataclass(frozen=True, slots=True)
class Route:
    """Where a message goes and with what, opened for this send only."""

    endpoint: str
    secret: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)


class Provider(Protocol):
    """Sends through the relay's HTTP client (the relay closes it)."""

    name: str

    async def send(self, item: Outgoing, route: Route) -> Answer: ...


class LogProvider:
    """No channel reaches the recipient: the text (links masked) goes to the server log and
    the row says ``logged``, never ``sent``."""

    name = "log"

    def __init__(self, reason: str = "no channel reaches this recipient") -> None:
        self.reason = reason

    async def send(self, item: Outgoing, route: Route) -> Answer:  # noqa: ARG002 - no route
        log.info(
            "notify (log provider, not sent): %s message %s to %s: %s",
            item.milestone,
            item.message_id,
            item.contact_name or "the customer",
            item.masked_text,
        )
        return Answer(Verdict.LOGGED, reason=self.reason)


def by_status(response: httpx.Response) -> Answer | None:
    """The answer an HTTP status gives on its own; None for a 2xx (the body decides)."""
    code, body = response.status_code, response.text[:4000]
    if response.is_success:
        return None
    if code in RETRY_STATUS:
        wait = retry_after_seconds(response.headers.get("retry-after"))
        return Answer(
            Verdict.RETRY,
            code,
            f"HTTP {code}",
            body,
            retry_after_seconds=wait,
            outage=code in OUTAGE_STATUS,
        )
    if code in (401, 403):
        return Answer(Verdict.PROVIDER_AUTH, code, "the provider refused our credentials", body)
    if code == 408:
        return Answer(Verdict.RETRY, code, "the provider timed out reading the request", body)
    return Answer(Verdict.DEAD, code, f"refused for good (HTTP {code})", body)


async def post(
    client: httpx.AsyncClient, url: str, body: Any, headers: Mapping[str, str] | None = None
) -> httpx.Response | Answer:
    """POST ``body`` as JSON; a transport failure (timeout, refused, reset) is a retry and
    counts towards the provider's outage. Never the URL in the answer: it may hold a key."""
    raw = body if isinstance(body, bytes) else msgspec.json.encode(body)
    try:
        return await client.post(
            url,
            content=raw,
            headers={"content-type": "application/json; charset=utf-8", **(headers or {})},
        )
    except httpx.TimeoutException as error:
        return Answer(Verdict.RETRY, reason=f"timeout: {type(error).__name__}", outage=True)
    except httpx.HTTPError as error:
        return Answer(Verdict.RETRY, reason=f"connection: {type(error).__name__}", outage=True)


def json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        decoded = msgspec.json.decode(response.content)
    except msgspec.DecodeError:
        return {}
    return decoded if isinstance(decoded, dict) else {}


def sms_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Hex HMAC-SHA256 over ``timestamp``, a newline and the body, keyed by the secret."""
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


class SmsGateway:
    """A generic JSON SMS gateway (the tenant's, or a relay to their SMS vendor): a POST to
    the channel's endpoint of ``{"phone", "sign", "text", "reference"}``, or with the
    channel's ``template_code`` ``{"phone", "sign", "template", "params", "reference"}`` (the
    placeholders' values). ``reference`` is the message's id, the same on a resend, so the
    gateway can drop a duplicate. Headers ``X-Timestamp`` (Unix seconds) and ``X-Signature``
    (``sms_signature`` with the channel's secret). A 2xx took it; 400, 404 and 422 are a bad
    number or text (dead at once), 401 and 403 refused credentials, 429 and 5xx a retry."""

    name = "sms"

    def __init__(
        self, client: httpx.AsyncClient, *, wall_clock: Callable[[], float] = time.time
    ) -> None:
        self.client, self.wall_clock = client, wall_clock

    async def send(self, item: Outgoing, route: Route) -> Answer:
        body: dict[str, Any] = {
            "phone": item.address,
            "sign": str(route.options.get("sign_name") or ""),
            "reference": str(item.message_id),
        }
        template = str(route.options.get("template_code") or "")
        if template:
            body["template"], body["params"] = template, dict(item.values)
        else:
            body["text"] = item.text
        raw = msgspec.json.encode(body)
        timestamp = str(int(self.wall_clock()))
        headers = {
            "x-timestamp": timestamp,
            "x-signature": sms_signature(route.secret, timestamp, raw),
        }
        response = await post(self.client, route.endpoint, raw, headers)
        if isinstance(response, Answer):
            return response
        return by_status(response) or Answer(
            Verdict.DELIVERED, response.status_code, "", response.text[:4000]
        )
