"""The client side of push.http2: one connection per origin (APNs production and sandbox,
FCM), opened once and shared by every send; a request the server never processed (refused,
beyond a GOAWAY) is sent once more at once."""

import asyncio
import ssl
import urllib.parse
from dataclasses import dataclass

from push.http2 import PING_TIMEOUT, Connection, Http2Error, Http2NotSent, Response


@dataclass(frozen=True, slots=True)
class Origin:
    host: str
    port: int
    prefix: str  # a path the configured URL carries (usually empty)

    @classmethod
    def of(cls, url: str) -> "Origin":
        parts = urllib.parse.urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"an https:// URL is needed, got {url!r}")
        return cls(parts.hostname, parts.port or 443, parts.path.rstrip("/"))


def tls_context(ca_file: str | None) -> ssl.SSLContext:
    """The system's CAs, or a private CA (tests, a proxy)."""
    return ssl.create_default_context(cafile=ca_file)


class Http2Client:
    """HTTP/2 to a few origins (APNs production and sandbox, FCM), one connection each."""

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext,
        timeout: float,
        connect_timeout: float = 10.0,
        keepalive_seconds: float = 30.0,  # PING after this long without a frame from the server
        ping_timeout: float = PING_TIMEOUT,
    ) -> None:
        ssl_context.set_alpn_protocols(["h2"])
        self.ssl_context, self.timeout, self.connect_timeout = ssl_context, timeout, connect_timeout
        self.keepalive, self.ping_timeout = keepalive_seconds, ping_timeout
        self._connections: dict[tuple[str, int], Connection] = {}
        self._all: set[Connection] = set()  # including replaced ones still finishing streams
        self._connecting: dict[tuple[str, int], asyncio.Future[Connection]] = {}

    async def post(
        self, origin: Origin, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> Response:
        """One request; one the server never processed (refused, beyond a GOAWAY) is sent
        once more at once, on a fresh connection if that one is gone."""
        try:
            return await self._post(origin, origin.prefix + path, headers, body)
        except Http2NotSent:
            return await self._post(origin, origin.prefix + path, headers, body)

    async def _post(
        self, origin: Origin, path: str, headers: list[tuple[str, str]], body: bytes
    ) -> Response:
        connection = self._connections.get((origin.host, origin.port))
        if connection is None or not connection.usable:
            connection = await self._connect(origin.host, origin.port)
        return await connection.request("POST", path, headers, body, self.timeout)

    async def close(self) -> None:
        for connection in self._all:
            connection.close()
        self._connections.clear()
        self._all.clear()

    async def _connect(self, host: str, port: int) -> Connection:
        """One connection attempt at a time per origin; concurrent requests share it."""
        key = (host, port)
        pending = self._connecting.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[Connection] = asyncio.get_running_loop().create_future()
        self._connecting[key] = future
        try:
            connection = await self._open(host, port)
            self._connections[key] = connection
            self._all = {c for c in self._all if c.transport and not c.transport.is_closing()}
            self._all.add(connection)
            future.set_result(connection)
            return connection
        except BaseException as error:  # waiters must hear of any failure, cancellation too
            failure = error if isinstance(error, Http2Error) else Http2Error(repr(error))
            future.set_exception(failure)
            future.exception()  # retrieved: waiters re-raise it, nobody else needs to
            raise
        finally:
            del self._connecting[key]

    async def _open(self, host: str, port: int) -> Connection:
        authority = host if port == 443 else f"{host}:{port}"
        loop = asyncio.get_running_loop()
        try:
            transport, connection = await asyncio.wait_for(
                loop.create_connection(
                    lambda: Connection(authority, self.keepalive, self.ping_timeout),
                    host,
                    port,
                    ssl=self.ssl_context,
                    server_hostname=host,
                ),
                self.connect_timeout,
            )
        except (OSError, TimeoutError, ssl.SSLError) as error:
            raise Http2Error(f"cannot connect to {authority}: {error!r}") from None
        if transport.get_extra_info("ssl_object").selected_alpn_protocol() != "h2":
            transport.close()
            raise Http2Error(f"{authority} does not speak HTTP/2 (ALPN)")
        try:  # its SETTINGS say how many streams it takes: none is opened before
            await asyncio.wait_for(connection.settled.wait(), self.connect_timeout)
        except TimeoutError:
            transport.close()
            raise Http2Error(f"{authority} sent no HTTP/2 SETTINGS") from None
        return connection
