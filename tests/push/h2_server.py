"""The plumbing the local APNs and FCM share: HTTP/2 over TLS on 127.0.0.1 (h2 + a trustme CA).

A subclass answers one request at a time (``answer``); this class speaks the framing: headers
only, or headers plus one DATA frame; a stall (no answer, so the client's timeout fires); or
GOAWAY, which ends the connection the way a provider does when it sheds load.
"""

import asyncio
import contextlib
import ssl
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

import h2.config
import h2.connection
import h2.events
import trustme
from h2.errors import ErrorCodes
from hyperframe.frame import GoAwayFrame


@dataclass
class Response:
    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stall: bool = False
    goaway: bool = False
    # A graceful GOAWAY naming this stream as the last one, then the answer (a draining server)
    drain: bool = False
    refuse: bool = False  # RST_STREAM REFUSED_STREAM: the request was not processed
    freeze: bool = False  # stop reading and writing, connection left open (a dead NAT path)


R = TypeVar("R")


class Scripts(Generic[R]):
    """Per-token replies, in order (the last one repeats); other tokens get the default."""

    def __init__(self, default: Callable[[], R]) -> None:
        self.default = default
        self.replies: dict[str, list[R]] = {}

    def set(self, token: str, replies: Iterable[R]) -> None:
        self.replies[token] = list(replies)

    def next(self, token: str) -> R:
        replies = self.replies.get(token)
        if not replies:
            return self.default()
        return replies.pop(0) if len(replies) > 1 else replies[0]


class LocalH2Server:
    url = ""
    connections = 0  # accepted so far (a client that reconnects shows here)
    pings = 0  # PINGs received (the client's keep-alive and liveness checks)

    def answer(self, headers: dict[str, str], body: bytes) -> Response:
        raise NotImplementedError

    async def start(self) -> None:
        ca = trustme.CA()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
        context.set_alpn_protocols(["h2"])
        self._ca_file = tempfile.NamedTemporaryFile(suffix=".pem")  # noqa: SIM115 - kept open
        ca.cert_pem.write_to_path(self._ca_file.name)
        self._stopping = asyncio.Event()  # frozen connections thaw (and close) at stop
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=context)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"https://127.0.0.1:{port}"

    @property
    def ca_file(self) -> str:
        return self._ca_file.name

    async def stop(self) -> None:
        self._stopping.set()
        self._server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._server.wait_closed(), 2)
        self._ca_file.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        config = h2.config.H2Configuration(client_side=False, header_encoding="utf-8")
        connection = h2.connection.H2Connection(config=config)
        connection.initiate_connection()
        writer.write(connection.data_to_send())
        streams: dict[int, tuple[dict[str, str], bytearray]] = {}
        try:
            while data := await reader.read(65535):
                for event in connection.receive_data(data):
                    if isinstance(event, h2.events.PingReceived):
                        self.pings += 1
                    elif isinstance(event, h2.events.RequestReceived):
                        streams[event.stream_id] = (dict(event.headers), bytearray())
                    elif isinstance(event, h2.events.DataReceived):
                        streams[event.stream_id][1].extend(event.data)
                        connection.acknowledge_received_data(
                            event.flow_controlled_length, event.stream_id
                        )
                    elif isinstance(event, h2.events.StreamEnded):
                        headers, body = streams.pop(event.stream_id)
                        response = self.answer(headers, bytes(body))
                        if response.freeze:  # until the server stops (not cancelled at exit)
                            await self._stopping.wait()
                            return
                        if response.goaway:
                            connection.close_connection()
                            writer.write(connection.data_to_send())
                            await writer.drain()
                            return
                        if response.drain:  # raw, so this side's h2 still sends the answer
                            writer.write(connection.data_to_send())
                            goaway = GoAwayFrame(stream_id=0)
                            goaway.last_stream_id = event.stream_id
                            writer.write(goaway.serialize())
                        if response.refuse:
                            connection.reset_stream(event.stream_id, ErrorCodes.REFUSED_STREAM)
                        elif not response.stall:
                            _send(connection, event.stream_id, response)
                writer.write(connection.data_to_send())
                await writer.drain()
        except (ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()


def _send(connection: h2.connection.H2Connection, stream_id: int, response: Response) -> None:
    headers = [(":status", str(response.status)), *response.headers]
    if not response.body:
        connection.send_headers(stream_id, headers, end_stream=True)
        return
    connection.send_headers(stream_id, headers)
    connection.send_data(stream_id, response.body, end_stream=True)
