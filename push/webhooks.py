"""On-call channels and their wire formats: the server log, a generic JSON webhook, and the
DingTalk and WeCom group robots (signed, with @-mentions).

A channel gets one digest per post (the sender paces it); a post that the receiver did not take,
including a robot's refusal in a 200 answer (``errcode`` ≠ 0: sending too fast, a wrong
signature …), raises, so the sender retries it.
"""

import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode

import httpx
import msgspec

log = logging.getLogger("fieldops.alerts")

STYLES = ("generic", "dingtalk", "wecom")
# What each robot takes in a text message (bytes of UTF-8): WeCom documents 2048; DingTalk
# refuses messages over about 20,000. A digest longer than that is cut at a line.
_MAX_BYTES = {"dingtalk": 18_000, "wecom": 2_000}


@dataclass(frozen=True, slots=True)
class Digest:
    """One post: every alert the channel has not taken yet, and their text (a section per
    tenant, each in its tenant's language)."""

    text: str
    alerts: list[dict[str, Any]]


class Channel(Protocol):
    @property
    def name(self) -> str:
        """Recorded in an alert's ``delivered_to`` when this channel took it."""

    async def post(self, digest: Digest) -> None:
        """Deliver the digest; raise when the channel did not take it."""


class Refused(Exception):
    """The webhook answered, but did not take the post."""


class LogChannel:
    """The embedded default: an ERROR line in the server log, where operators look."""

    name = "log"

    async def post(self, digest: Digest) -> None:
        log.error("ALERT\n%s", digest.text, extra={"alerts": digest.alerts})


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}"))."""
    message = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def fit(text: str, max_bytes: int) -> str:
    """``text`` cut at a line boundary to at most ``max_bytes`` of UTF-8 (with a "…" line)."""
    if len(text.encode()) <= max_bytes:
        return text
    kept: list[str] = []
    size = len("…".encode())
    for line in text.split("\n"):
        size += len(line.encode()) + 1
        if size > max_bytes:
            break
        kept.append(line)
    return "\n".join([*kept, "…"])


@dataclass
class WebhookChannel:
    """``generic``: the digest as JSON (``text``, ``count`` and ``alerts``). ``dingtalk`` and
    ``wecom``: a group robot's text message mentioning ``at_mobiles`` (``at_all``: everyone);
    DingTalk's URL is signed per post when the robot has a ``secret`` (加签); WeCom's key is in
    its URL. Both robots answer ``errcode`` 0 when they took it."""

    style: str
    url: str
    client: httpx.AsyncClient
    secret: str = ""
    at_mobiles: tuple[str, ...] = ()
    at_all: bool = False
    label: str = ""  # tells two robots of one style apart in ``delivered_to``
    wall_clock: Callable[[], float] = time.time  # DingTalk checks the signed time (±1 h)

    @property
    def name(self) -> str:
        return self.label or f"{self.style} webhook"

    async def post(self, digest: Digest) -> None:
        response = await self.client.post(
            self._url(),
            content=msgspec.json.encode(self.body(digest)),
            headers={"content-type": "application/json; charset=utf-8"},
        )
        # Never the URL in the error: it holds the robot's token, and errors are shown to
        # dispatchers (GET /push/alerts).
        if not response.is_success:
            raise Refused(f"HTTP {response.status_code}: {response.text[:200]}")
        if self.style == "generic":
            return
        try:
            answer = msgspec.json.decode(response.content)
        except msgspec.DecodeError:
            answer = None
        if not isinstance(answer, dict) or answer.get("errcode") != 0:
            raise Refused(f"{self.style} refused it: {response.text[:200]}")

    def body(self, digest: Digest) -> dict[str, Any]:
        if self.style == "generic":
            return {"text": digest.text, "count": len(digest.alerts), "alerts": digest.alerts}
        text = fit(digest.text, _MAX_BYTES[self.style])
        if self.style == "dingtalk":
            if self.at_mobiles:  # DingTalk highlights a mention only when the text has it too
                text += "\n" + " ".join(f"@{mobile}" for mobile in self.at_mobiles)
            return {
                "msgtype": "text",
                "text": {"content": text},
                "at": {"atMobiles": list(self.at_mobiles), "isAtAll": self.at_all},
            }
        mentioned = [*self.at_mobiles, *(["@all"] if self.at_all else [])]
        return {"msgtype": "text", "text": {"content": text, "mentioned_mobile_list": mentioned}}

    def _url(self) -> str:
        if self.style != "dingtalk" or not self.secret:
            return self.url
        timestamp = int(self.wall_clock() * 1000)
        query = urlencode({"timestamp": timestamp, "sign": dingtalk_sign(self.secret, timestamp)})
        return f"{self.url}{'&' if '?' in self.url else '?'}{query}"
