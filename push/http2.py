"""A lean HTTP/2 client for the push providers: one TLS connection per origin, every push a
stream on it, h2 (the protocol library httpx uses too) for the framing.

Through httpx most of a push's CPU went to httpcore's connection pool (which rescans every
queued request for each one), anyio locks and request models, not to HTTP/2 (figures:
bench/RESULTS.md, from bench/push_relay.py). A push needs little of that: a POST of a few
hundred bytes, its status, headers and small body.
This keeps what a push does need: ALPN ``h2`` over TLS, the server's concurrent-stream limit,
flow control both ways, a timeout per request (the stream is reset, the connection kept),
GOAWAY (streams the server never saw fail as retryable, the next request reconnects) and
reconnects after a lost connection, and a PING when the server has been silent a while.
This module is one connection (the protocol); ``push.http2_client`` keeps one per origin.
"""

import asyncio
import contextlib
from dataclasses import dataclass, field
from typing import Any, cast

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import hpack

PING_TIMEOUT = 5.0  # seconds for a PING ACK (keep-alive, or after a stream timed out)

# Our own request headers are built well-formed, so h2's per-header normalisation and checks
# (a large share of the client's CPU when profiled) are skipped for them; answers are still
# validated.
_CONFIG = h2.config.H2Configuration(
    client_side=True,
    header_encoding="utf-8",
    validate_outbound_headers=False,
    normalize_outbound_headers=False,
)


class _PlainLiteralEncoder(hpack.Encoder):
    """HPACK without Huffman-coding the literals (RFC 7541 makes it optional): a push's
    unique values (device token path, apns-id, collapse id) cost a pure-Python Huffman pass
    each, the largest CPU item of a send (measured), to save some 60 bytes on the wire."""

    def encode(self, headers: Any, huffman: bool = False) -> bytes:  # noqa: ARG002 - ignored
        return super().encode(headers, huffman=False)


class Http2Error(Exception):
    """The request failed in transport; the server may or may not have processed it."""


class Http2Timeout(Http2Error):
    """No complete answer in time (the stream was reset)."""


class Http2NotSent(Http2Error):
    """The server never processed the request (refused stream, above a GOAWAY's last stream,
    or the connection went while it waited for a stream): safe to send again at once."""


class _ClientConnection(h2.connection.H2Connection):
    """h2 treats a received GOAWAY as the end of the connection and rejects every frame after
    it, but a graceful GOAWAY (a server draining, as APNs and Google's front ends do) still
    answers the streams up to its ``last_stream_id``: keep reading those. No new stream is
    opened on it (the connection is marked unusable)."""

    def _receive_goaway_frame(self, frame: Any) -> tuple[list[Any], list[h2.events.Event]]:
        frames, events = super()._receive_goaway_frame(frame)
        self.state_machine.state = h2.connection.ConnectionState.CLIENT_OPEN
        return frames, events


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class _Stream:
    future: asyncio.Future[Response]
    outgoing: bytes = b""  # request body still waiting for flow-control window
    status: int = 0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)
    timer: asyncio.TimerHandle | None = None


class Connection(asyncio.Protocol):
    """One HTTP/2 connection; requests wait for a free stream when the server's limit is hit."""

    def __init__(self, authority: str, keepalive: float, ping_timeout: float) -> None:
        self.authority, self.keepalive, self.ping_timeout = authority, keepalive, ping_timeout
        self.loop = asyncio.get_running_loop()  # protocols are made inside the loop
        self.heard = self.loop.time()  # when the server last sent anything
        self._idle: asyncio.TimerHandle | None = None  # the keep-alive check
        self.h2 = _ClientConnection(config=_CONFIG)
        self.h2.encoder = _PlainLiteralEncoder()
        self.streams: dict[int, _Stream] = {}
        self.transport: asyncio.Transport | None = None
        self.usable = True  # False after GOAWAY or loss: new requests take a new connection
        self.settled = asyncio.Event()  # the server's SETTINGS (its stream limit) arrived
        self._waiting: list[asyncio.Future[None]] = []
        self._ping: asyncio.TimerHandle | None = None  # a liveness PING awaiting its ACK

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Duck-typed: uvloop's TLS transport has every method used here but does not derive
        # from asyncio.Transport, and uvicorn serves the API on uvloop.
        self.transport = cast(asyncio.Transport, transport)
        self.h2.initiate_connection()
        self._flush()
        self._idle = self.loop.call_later(self.keepalive, self._check_idle)

    def connection_lost(self, exc: Exception | None) -> None:
        self.usable = False
        self._stop_timers()
        self._fail_all(Http2Error(f"connection lost: {exc or 'closed by the server'}"))

    def data_received(self, data: bytes) -> None:
        self.heard = self.loop.time()  # any frame is a sign of life
        try:
            events = self.h2.receive_data(data)
        except h2.exceptions.ProtocolError as error:
            self.usable = False
            self._fail_all(Http2Error(f"protocol error: {error}"))
            if self.transport is not None:
                self.transport.close()
            return
        for event in events:
            self._handle(event)
        self._flush()

    def _handle(self, event: h2.events.Event) -> None:
        if isinstance(event, h2.events.ResponseReceived | h2.events.TrailersReceived):
            stream = self.streams.get(event.stream_id)
            if stream is not None:
                for raw_name, raw_value in event.headers:
                    name, value = _text(raw_name), _text(raw_value)
                    if name == ":status":
                        stream.status = int(value)
                    else:
                        stream.headers[name] = value
        elif isinstance(event, h2.events.DataReceived):
            self.h2.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            stream = self.streams.get(event.stream_id)
            if stream is not None:
                stream.body.extend(event.data)
        elif isinstance(event, h2.events.StreamEnded):
            stream = self._finish(event.stream_id)
            if stream is not None and stream.outgoing:  # answered before our body was sent
                self._reset(event.stream_id, h2.errors.ErrorCodes.NO_ERROR)
            if stream is not None and not stream.future.done():
                response = Response(stream.status, stream.headers, bytes(stream.body))
                stream.future.set_result(response)
        elif isinstance(event, h2.events.StreamReset):
            refused = event.error_code == h2.errors.ErrorCodes.REFUSED_STREAM
            kind = Http2NotSent if refused else Http2Error
            self._fail(event.stream_id, kind(f"stream reset by the server ({event.error_code!r})"))
        elif isinstance(event, h2.events.WindowUpdated):
            self._resume_bodies()
        elif isinstance(event, h2.events.ConnectionTerminated):  # GOAWAY
            self.usable = False
            last = event.last_stream_id if event.last_stream_id is not None else 0
            for stream_id in [s for s in self.streams if s > last]:
                self._fail(stream_id, Http2NotSent(f"GOAWAY ({event.error_code!r})"))
            self._wake()  # waiting requests go elsewhere
            if not self.streams and self.transport is not None:
                self.transport.close()
        elif isinstance(event, h2.events.RemoteSettingsChanged):
            self.settled.set()
            self._resume_bodies()  # a larger initial window comes without WindowUpdated
            self._wake()
        elif isinstance(event, h2.events.PingAckReceived) and self._ping is not None:
            self._ping.cancel()
            self._ping = None

    async def request(
        self,
        method: str,
        path: str,
        headers: list[tuple[str, str]],
        body: bytes,
        answer_within: float,
    ) -> Response:
        loop = asyncio.get_running_loop()
        while self.usable and len(self.streams) >= self.h2.remote_settings.max_concurrent_streams:
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiting.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # the free stream it was given goes to the next one
                raise
        if not self.usable:
            raise Http2NotSent("the connection closed before the request was sent")
        try:
            stream_id = self.h2.get_next_available_stream_id()
        except h2.exceptions.NoAvailableStreamIDError:  # 2^30 streams on one connection
            self.usable = False
            raise Http2NotSent("stream ids exhausted: a new connection is needed") from None
        request_headers = [
            (":method", method),
            (":scheme", "https"),
            (":authority", self.authority),
            (":path", path),
            *headers,
            ("content-length", str(len(body))),
        ]
        stream = _Stream(loop.create_future(), outgoing=body)
        self.streams[stream_id] = stream
        try:
            self.h2.send_headers(stream_id, request_headers, end_stream=not body)
            if body:
                self._send_body(stream_id, stream)
        except h2.exceptions.ProtocolError as error:  # e.g. the server lowered its stream limit
            self._finish(stream_id)
            raise Http2NotSent(f"cannot open a stream: {error!r}") from None
        self._flush()
        stream.timer = loop.call_later(answer_within, self._expire, stream_id)
        return await stream.future

    def close(self) -> None:
        self.usable = False
        self._stop_timers()
        if self.transport is not None and not self.transport.is_closing():
            self.h2.close_connection()
            self._flush()
            self.transport.close()

    def _send_body(self, stream_id: int, stream: _Stream) -> None:
        while stream.outgoing:
            window = min(
                self.h2.local_flow_control_window(stream_id), self.h2.max_outbound_frame_size
            )
            if window <= 0:
                return  # WindowUpdated resumes it
            chunk, stream.outgoing = stream.outgoing[:window], stream.outgoing[window:]
            self.h2.send_data(stream_id, chunk, end_stream=not stream.outgoing)

    def _resume_bodies(self) -> None:
        for stream_id, stream in list(self.streams.items()):
            if stream.outgoing:
                self._send_body(stream_id, stream)

    def _reset(self, stream_id: int, code: h2.errors.ErrorCodes) -> None:
        with contextlib.suppress(h2.exceptions.ProtocolError):  # closed meanwhile
            self.h2.reset_stream(stream_id, code)

    def _expire(self, stream_id: int) -> None:
        """A stream got no answer in time: reset it, and ask whether the connection itself is
        alive (a silently dropped TCP connection would otherwise time out every push)."""
        if stream_id in self.streams:
            self._fail(stream_id, Http2Timeout("no answer in time"))
            self._reset(stream_id, h2.errors.ErrorCodes.CANCEL)
            self._probe()

    def _check_idle(self) -> None:
        """Keep-alive: a connection a NAT or firewall dropped silently would otherwise cost
        the next pushes a full request timeout; a PING finds out while nobody waits."""
        now, due = self.loop.time(), self.heard + self.keepalive
        if now >= due:
            self._probe()
            due = now + self.keepalive
        self._idle = self.loop.call_later(due - now, self._check_idle)

    def _probe(self) -> None:
        """A PING, unless one is already out: no ACK within ``ping_timeout`` is death."""
        if self._ping is None and self.usable:
            self.h2.ping(b"liveness")
            self._ping = self.loop.call_later(self.ping_timeout, self._dead)
        self._flush()

    def _stop_timers(self) -> None:
        for timer in (self._idle, self._ping):
            if timer is not None:
                timer.cancel()
        self._idle = self._ping = None

    def _dead(self) -> None:
        """No PING ACK in time: the connection is gone; its streams fail, the next request
        connects anew."""
        self._ping = None
        self.usable = False
        if self.transport is not None:
            self.transport.abort()

    def _finish(self, stream_id: int) -> _Stream | None:
        stream = self.streams.pop(stream_id, None)
        if stream is not None:
            if stream.timer is not None:
                stream.timer.cancel()
            self._wake()
        return stream

    def _fail(self, stream_id: int, error: Http2Error) -> None:
        stream = self._finish(stream_id)
        if stream is not None and not stream.future.done():
            stream.future.set_exception(error)

    def _fail_all(self, error: Http2Error) -> None:
        for stream_id in list(self.streams):
            self._fail(stream_id, error)
        for waiter in self._waiting:
            if not waiter.done():
                waiter.set_result(None)
        self._waiting.clear()

    def _wake(self) -> None:
        """Let as many waiting requests try as there are free streams (all, once unusable)."""
        if not self.usable and not self.streams and self.transport is not None:
            self.transport.close()  # drained after a GOAWAY
        limit = self.h2.remote_settings.max_concurrent_streams
        free = limit - len(self.streams) if self.usable else len(self._waiting)
        while self._waiting and free > 0:
            waiter = self._waiting.pop(0)
            if not waiter.done():
                waiter.set_result(None)
                free -= 1

    def _flush(self) -> None:
        data = self.h2.data_to_send()
        if data and self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)


def _text(value: bytes | str) -> str:
    """h2 hands out ``str`` with ``header_encoding`` set (its hints say bytes)."""
    return value if isinstance(value, str) else value.decode()
