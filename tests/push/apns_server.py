"""A local APNs: HTTP/2 over TLS on 127.0.0.1 (h2 + a trustme CA), speaking Apple's protocol.

It checks what Apple checks (ES256 provider token signed by the configured key, with the right
``kid`` and ``iss`` and at most an hour old; ``apns-topic``; payload at most 4096 bytes) and
answers the way Apple frames it: 200 is headers only; an error is headers plus one JSON DATA
frame ``{"reason": ...}`` (410 adds ``timestamp``). Per-token scripts play outages: an error
status, ``Retry-After``, a stall (no answer), or GOAWAY.
"""

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.push.h2_server import LocalH2Server, Response, Scripts

TEAM_ID, KEY_ID = "TEAM123456", "KEY1234567"


def es256_key_pair() -> tuple[str, str]:
    """A fresh provider key as Apple issues it (PKCS#8 PEM) and its public half, for the
    server to verify tokens with."""
    key = ec.generate_private_key(ec.SECP256R1())
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@dataclass
class Reply:
    status: int = 200
    reason: str = ""
    retry_after: int | None = None
    timestamp_ms: int | None = None
    stall: bool = False  # never answer: the client's timeout fires
    goaway: bool = False  # end the connection with GOAWAY instead of answering
    drain: bool = False  # a graceful GOAWAY naming this stream last, then the answer
    refuse: bool = False  # RST_STREAM REFUSED_STREAM (not processed)
    freeze: bool = False  # the connection goes silent (no answers, no PING ACKs)


@dataclass
class Received:
    token: str
    headers: dict[str, str]
    payload: dict[str, Any]
    status: int = 0


@dataclass
class ApnsServer(LocalH2Server):
    public_key_pem: str
    team_id: str
    key_id: str
    scripts: Scripts[Reply] = field(default_factory=lambda: Scripts(Reply))
    received: list[Received] = field(default_factory=list)
    tokens_seen: set[str] = field(default_factory=set)  # provider JWTs presented
    clock: Callable[[], float] = time.time  # tests may move time (token age)
    record: bool = True  # keep every request (a long benchmark turns it off)
    # Consulted before the scripts: a reply for every token, e.g. while a timed outage lasts.
    override: Callable[[], Reply | None] = lambda: None
    _verified: dict[str, dict[str, Any]] = field(default_factory=dict)

    def script(self, token: str, *replies: Reply) -> None:
        self.scripts.set(token, replies)

    def answer(self, headers: dict[str, str], body: bytes) -> Response:
        path = headers.get(":path", "")
        token = path.removeprefix("/3/device/")
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            payload = {}
        record = Received(token, headers, payload)
        if self.record:
            self.received.append(record)
        reply = self._check(headers, body, path) or self.override() or self.scripts.next(token)
        record.status = reply.status
        if reply.goaway or reply.stall or reply.refuse or reply.freeze:
            return Response(
                stall=reply.stall, goaway=reply.goaway, refuse=reply.refuse, freeze=reply.freeze
            )
        answer = [("apns-id", headers.get("apns-id", ""))]
        if reply.status == 200:
            answer.append(("apns-unique-id", str(uuid.uuid4())))
            return Response(200, answer, drain=reply.drain)
        answer.append(("content-type", "application/json"))
        if reply.retry_after is not None:
            answer.append(("retry-after", str(reply.retry_after)))
        error: dict[str, Any] = {"reason": reply.reason}
        if reply.timestamp_ms is not None:
            error["timestamp"] = reply.timestamp_ms
        return Response(reply.status, answer, json.dumps(error).encode())

    def _verify(self, token: str) -> dict[str, Any] | None:
        """The token's claims if our key signed it for our team, else None. Like Apple, the
        signature is checked once per token (its age at every request)."""
        try:
            header = jwt.get_unverified_header(token)
            claims: dict[str, Any] = jwt.decode(
                token, self.public_key_pem, algorithms=["ES256"], options={"verify_iat": False}
            )
        except jwt.PyJWTError:
            return None
        if header.get("kid") != self.key_id or claims.get("iss") != self.team_id:
            return None
        self._verified[token] = claims
        return claims

    def _check(self, headers: dict[str, str], body: bytes, path: str) -> Reply | None:
        if headers.get(":method") != "POST" or not path.startswith("/3/device/"):
            return Reply(405 if headers.get(":method") != "POST" else 404, "BadPath")
        authorization = headers.get("authorization", "")
        if not authorization.startswith("bearer "):
            return Reply(403, "MissingProviderToken")
        token = authorization.removeprefix("bearer ")
        claims = self._verified.get(token) or self._verify(token)
        if claims is None:
            return Reply(403, "InvalidProviderToken")
        age = self.clock() - int(claims.get("iat", 0))
        if age < -60:
            return Reply(403, "InvalidProviderToken")  # issued in the future
        if age > 3600:
            return Reply(403, "ExpiredProviderToken")
        self.tokens_seen.add(token)
        if not headers.get("apns-topic"):
            return Reply(400, "MissingTopic")
        if headers.get("apns-push-type") not in {"alert", "background", "voip", "location"}:
            return Reply(400, "InvalidPushType")
        if len(body) > 4096:
            return Reply(413, "PayloadTooLarge")
        return None
