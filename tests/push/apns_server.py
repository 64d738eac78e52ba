"""A local APNs: HTTP/2 over TLS on 127.0.0.1 (h2 + a trustme CA), speaking Apple's protocol.

It checks what Apple checks (ES256 provider token signed by the configured key, with the right
``kid`` and ``iss`` and at most an hour old; ``apns-topic``; payload at most 4096 bytes) and
answers the way Apple frames it: 200 is headers only; an error is headers plus one JSON DATA
frame ``{"reason": ...}`` (410 adds ``timestamp``). Per-token scripts play outages: an error
status, ``Retry-After``, a stall (no answer), or GOAWAY.
"""

import asyncio
import contextlib
import json
import ssl
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import h2.config
import h2.connection
import h2.events
import jwt
import trustme
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

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


@dataclass
class Received:
    token: str
    headers: dict[str, str]
    payload: dict[str, Any]
    status: int = 0


@dataclass
class ApnsServer:
    public_key_pem: str
    team_id: str
    key_id: str
    scripts: dict[str, list[Reply]] = field(default_factory=dict)  # token -> replies
    received: list[Received] = field(default_factory=list)
    tokens_seen: set[str] = field(default_factory=set)  # provider JWTs presented
    clock: Callable[[], float] = time.time  # tests may move time (token age)
    record: bool = True  # keep every request (a long benchmark turns it off)

    async def start(self) -> None:
        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        context.set_alpn_protocols(["h2"])
        self._ca_file = tempfile.NamedTemporaryFile(suffix=".pem")  # noqa: SIM115 - kept open
        ca.cert_pem.write_to_path(self._ca_file.name)
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=context)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"https://127.0.0.1:{port}"

    @property
    def ca_file(self) -> str:
        return self._ca_file.name

    async def stop(self) -> None:
        self._server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)
        self._ca_file.close()

    def script(self, token: str, *replies: Reply) -> None:
        self.scripts[token] = list(replies)

    def _next_reply(self, token: str) -> Reply:
        replies = self.scripts.get(token)
        if not replies:
            return Reply()
        return replies.pop(0) if len(replies) > 1 else replies[0]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        config = h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        connection = h2.connection.H2Connection(config=config)
        connection.initiate_connection()
        writer.write(connection.data_to_send())
        streams: dict[int, tuple[dict[str, str], bytearray]] = {}
        try:
            while data := await reader.read(65535):
                for event in connection.receive_data(data):
                    if isinstance(event, h2.events.RequestReceived):
                        streams[event.stream_id] = (dict(event.headers), bytearray())
                    elif isinstance(event, h2.events.DataReceived):
                        streams[event.stream_id][1].extend(event.data)
                        connection.acknowledge_received_data(
                            event.flow_controlled_length, event.stream_id
                        )
                    elif isinstance(event, h2.events.StreamEnded):
                        headers, body = streams.pop(event.stream_id)
                        if not self._respond(connection, event.stream_id, headers, bytes(body)):
                            writer.write(connection.data_to_send())
                            await writer.drain()
                            writer.close()
                            return
                writer.write(connection.data_to_send())
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    def _respond(
        self,
        connection: h2.connection.H2Connection,
        stream_id: int,
        headers: dict[str, str],
        body: bytes,
    ) -> bool:
        """Answer one request; False when the connection must end (GOAWAY)."""
        path = headers.get(":path", "")
        token = path.removeprefix("/3/device/")
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            payload = {}
        record = Received(token, headers, payload)
        if self.record:
            self.received.append(record)
        reply = self._check(headers, body, path) or self._next_reply(token)
        record.status = reply.status
        if reply.goaway:
            connection.close_connection()
            return False
        if reply.stall:
            return True
        answer = [(":status", str(reply.status)), ("apns-id", headers.get("apns-id", ""))]
        if reply.status == 200:
            answer.append(("apns-unique-id", str(uuid.uuid4())))
            connection.send_headers(stream_id, answer, end_stream=True)
            return True
        answer.append(("content-type", "application/json"))
        if reply.retry_after is not None:
            answer.append(("retry-after", str(reply.retry_after)))
        error: dict[str, Any] = {"reason": reply.reason}
        if reply.timestamp_ms is not None:
            error["timestamp"] = reply.timestamp_ms
        connection.send_headers(stream_id, answer)
        connection.send_data(stream_id, json.dumps(error).encode(), end_stream=True)
        return True

    def _check(self, headers: dict[str, str], body: bytes, path: str) -> Reply | None:
        if headers.get(":method") != "POST" or not path.startswith("/3/device/"):
            return Reply(405 if headers.get(":method") != "POST" else 404, "BadPath")
        authorization = headers.get("authorization", "")
        if not authorization.startswith("bearer "):
            return Reply(403, "MissingProviderToken")
        token = authorization.removeprefix("bearer ")
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(
                token, self.public_key_pem, algorithms=["ES256"], options={"verify_iat": False}
            )
        except jwt.PyJWTError:
            return Reply(403, "InvalidProviderToken")
        if header.get("kid") != self.key_id or claims.get("iss") != self.team_id:
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
