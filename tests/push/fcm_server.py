"""A local FCM HTTP v1 endpoint and the OAuth token endpoint google-auth talks to.

``OAuthServer`` (HTTP/1.1 in a thread, like Google's) takes the service account's RS256 JWT
assertion (the ``jwt-bearer`` grant), checks its signature, issuer, audience and scope, and
hands out an access token valid for an hour. ``FcmServer`` (HTTP/2 over TLS) accepts
``POST /v1/projects/{project}/messages:send`` only with a live access token and a well-formed
message, and answers as FCM does: ``{"name": ...}``, or a ``google.rpc.Status`` error with an
``FcmError`` detail (and ``google.rpc.BadRequest`` field violations for a bad argument).
Per-token scripts play outages, quota, dead tokens, stalls and GOAWAY.
"""

import json
import re
import secrets
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.push.h2_server import LocalH2Server, Response, Scripts

PROJECT_ID = "fieldops-test"
SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
CLIENT_EMAIL = f"push@{PROJECT_ID}.iam.gserviceaccount.com"
AUDIENCE = "https://oauth2.googleapis.com/token"  # google-auth signs this whatever token_uri is
_GRPC_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
_FCM_ERROR = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
_BAD_REQUEST = "type.googleapis.com/google.rpc.BadRequest"
_TTL = re.compile(r"^\d+(\.\d{1,9})?s$")


def service_account(token_uri: str) -> tuple[dict[str, str], str]:
    """A service-account key file's contents, as the Firebase console downloads it, and the
    public half of its key (for the token endpoint to verify assertions with)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
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
    info = {
        "type": "service_account",
        "project_id": PROJECT_ID,
        "private_key_id": secrets.token_hex(20),
        "private_key": private,
        "client_email": CLIENT_EMAIL,
        "client_id": "100000000000000000001",
        "token_uri": token_uri,
    }
    return info, public


@dataclass
class OAuthServer:
    """Google's token endpoint for the ``urn:ietf:params:oauth:grant-type:jwt-bearer`` grant."""

    public_key_pem: str = ""
    lifetime_seconds: int = 3600
    delay_seconds: float = 0.0  # a slow endpoint: the event loop must not wait for it
    refuse: str = ""  # e.g. "invalid_grant": the key was revoked
    issued: dict[str, float] = field(default_factory=dict)  # access token -> expiry
    requests: int = 0

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                form = urllib.parse.parse_qs(self.rfile.read(length).decode())
                status, body = owner.grant(form)
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.token_uri = f"http://127.0.0.1:{self._http.server_port}/token"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def grant(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        self.requests += 1
        time.sleep(self.delay_seconds)
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return 400, {"error": "unsupported_grant_type"}
        if self.refuse:
            return 400, {"error": self.refuse, "error_description": "Invalid JWT Signature."}
        try:
            claims = jwt.decode(
                form.get("assertion", [""])[0],
                self.public_key_pem,
                algorithms=["RS256"],
                audience=AUDIENCE,
            )
        except jwt.PyJWTError as error:
            return 400, {"error": "invalid_grant", "error_description": str(error)}
        if claims.get("iss") != CLIENT_EMAIL or SCOPE not in str(claims.get("scope", "")):
            return 400, {"error": "invalid_scope"}
        token = "ya29.local-" + secrets.token_urlsafe(24)
        self.issued[token] = time.time() + self.lifetime_seconds
        return 200, {
            "access_token": token,
            "expires_in": self.lifetime_seconds,
            "token_type": "Bearer",
        }

    def revoke_all(self) -> None:
        """Every access token handed out so far stops working (as after a key rotation)."""
        self.issued.clear()


@dataclass
class FcmReply:
    status: int = 200
    error_code: str = ""  # the FcmError detail: UNREGISTERED, QUOTA_EXCEEDED ...
    field_violation: str = ""  # a google.rpc.BadRequest field, e.g. "message.token"
    retry_after: int | None = None
    stall: bool = False
    goaway: bool = False


@dataclass
class FcmReceived:
    token: str
    headers: dict[str, str]
    message: dict[str, Any]
    status: int = 0


@dataclass
class FcmServer(LocalH2Server):
    oauth: OAuthServer = field(default_factory=OAuthServer)
    project_id: str = PROJECT_ID
    scripts: Scripts[FcmReply] = field(default_factory=lambda: Scripts(FcmReply))
    received: list[FcmReceived] = field(default_factory=list)

    def script(self, token: str, *replies: FcmReply) -> None:
        self.scripts.set(token, replies)

    def answer(self, headers: dict[str, str], body: bytes) -> Response:
        try:
            message = json.loads(body).get("message", {}) if body else {}
        except (ValueError, AttributeError):
            message = {}
        record = FcmReceived(str(message.get("token", "")), headers, message)
        self.received.append(record)
        reply = self._check(headers, message) or self.scripts.next(record.token)
        record.status = reply.status
        if reply.stall or reply.goaway:
            return Response(stall=reply.stall, goaway=reply.goaway)
        if reply.status == 200:
            name = f"projects/{self.project_id}/messages/0:{secrets.token_hex(8)}"
            return Response(200, [("content-type", "application/json")], _json({"name": name}))
        extra = [("content-type", "application/json; charset=UTF-8")]
        if reply.retry_after is not None:
            extra.append(("retry-after", str(reply.retry_after)))
        return Response(reply.status, extra, _json({"error": _status(reply)}))

    def _check(self, headers: dict[str, str], message: dict[str, Any]) -> FcmReply | None:
        if headers.get(":path") != f"/v1/projects/{self.project_id}/messages:send":
            return FcmReply(404)
        bearer = headers.get("authorization", "").removeprefix("Bearer ")
        if self.oauth.issued.get(bearer, 0) < time.time():
            return FcmReply(401)
        if not message.get("token"):
            return FcmReply(400, "INVALID_ARGUMENT", "message.token")
        android = message.get("android", {})
        if android.get("priority", "NORMAL") not in {"NORMAL", "HIGH"}:
            return FcmReply(400, "INVALID_ARGUMENT", "message.android.priority")
        if "ttl" in android and not _TTL.match(str(android["ttl"])):
            return FcmReply(400, "INVALID_ARGUMENT", "message.android.ttl")
        data = message.get("data", {})
        if not all(isinstance(value, str) for value in data.values()):
            return FcmReply(400, "INVALID_ARGUMENT", "message.data")
        if any(key in _RESERVED or key.startswith(("google.", "gcm.")) for key in data):
            return FcmReply(400, "INVALID_ARGUMENT", "message.data")
        if sum(len(key.encode()) + len(value.encode()) for key, value in data.items()) > 4000:
            return FcmReply(400, "INVALID_ARGUMENT", "message")  # "Message is too big"
        return None


_RESERVED = {"from", "notification", "message_type"}  # FCM refuses these data keys


def _status(reply: FcmReply) -> dict[str, Any]:
    """The ``google.rpc.Status`` FCM puts in the body of an error."""
    details: list[dict[str, Any]] = []
    if reply.error_code:
        details.append({"@type": _FCM_ERROR, "errorCode": reply.error_code})
    if reply.field_violation:
        violation = {"field": reply.field_violation, "description": "Invalid value"}
        details.append({"@type": _BAD_REQUEST, "fieldViolations": [violation]})
    status: dict[str, Any] = {
        "code": reply.status,
        "message": f"local FCM: {reply.error_code or _GRPC_STATUS.get(reply.status, 'error')}",
        "status": _GRPC_STATUS.get(reply.status, "UNKNOWN"),
    }
    if details:
        status["details"] = details
    return status


def _json(value: object) -> bytes:
    return json.dumps(value).encode()
