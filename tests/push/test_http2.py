"""The providers' HTTP/2 client against the local APNs: many streams beyond the server's limit
and its flow-control windows, a stalled stream, refused and non-HTTP/2 servers, keep-alive.

Every test runs the client on asyncio and on uvloop (``fieldops serve`` runs on uvloop, whose
transports are not asyncio's classes): the client on a fresh loop in a worker thread, the
local servers on pytest's loop (tests/push/loops.py)."""

import asyncio
import ssl
import time
import uuid

import pytest
import trustme

from push.apns import ProviderToken
from push.http2 import Http2Error, Http2Timeout
from push.http2_client import Http2Client, Origin, tls_context
from tests.push.apns_server import Reply
from tests.push.loops import LOOPS, on_loop

pytestmark = pytest.mark.parametrize("loop_kind", LOOPS)


def request(config, token: str, size: int = 200) -> tuple[str, list[tuple[str, str]], bytes]:
    headers = [
        ("authorization", f"bearer {ProviderToken(config).current()}"),
        ("apns-topic", "com.example.fieldops"),
        ("apns-push-type", "alert"),
        ("apns-id", str(uuid.uuid4())),
    ]
    payload = b'{"aps":{"alert":"' + b"x" * size + b'"}}'
    return f"/3/device/{token}", headers, payload


async def test_streams_beyond_the_servers_limit_and_window_wait_their_turn(
    apns, loop_kind: str
) -> None:
    server, config = apns
    origin = Origin.of(config.production_url)
    # 600 pushes of 4 KB at once: six times the server's 100 concurrent streams and 37 times
    # the 64 KiB connection window it opens with.
    sends = [request(config, uuid.uuid4().hex, size=4000) for _ in range(600)]

    async def client_side() -> None:
        client = Http2Client(ssl_context=tls_context(config.ca_file), timeout=5)
        responses = await asyncio.gather(*(client.post(origin, *send) for send in sends))
        assert {r.status for r in responses} == {200}
        assert len(client._all) == 1  # all on one connection
        await client.close()

    await on_loop(loop_kind, client_side)
    assert len(server.received) == 600
    assert server.connections == 1


async def test_a_stalled_stream_times_out_and_the_connection_carries_on(
    apns, loop_kind: str
) -> None:
    server, config = apns
    origin = Origin.of(config.production_url)
    stalled = uuid.uuid4().hex
    server.script(stalled, Reply(stall=True))

    async def client_side() -> None:
        client = Http2Client(ssl_context=tls_context(config.ca_file), timeout=0.3)
        with pytest.raises(Http2Timeout):
            await client.post(origin, *request(config, stalled))
        answer = await client.post(origin, *request(config, uuid.uuid4().hex))
        assert answer.status == 200
        assert len(client._all) == 1
        await client.close()

    await on_loop(loop_kind, client_side)
    assert server.connections == 1


async def test_goaway_fails_the_stream_and_the_next_request_reconnects(
    apns, loop_kind: str
) -> None:
    server, config = apns
    origin = Origin.of(config.production_url)
    going = uuid.uuid4().hex
    server.script(going, Reply(goaway=True))

    async def client_side() -> None:
        client = Http2Client(ssl_context=tls_context(config.ca_file), timeout=2)
        with pytest.raises(Http2Error):
            await client.post(origin, *request(config, going))
        assert (await client.post(origin, *request(config, uuid.uuid4().hex))).status == 200
        await client.close()

    await on_loop(loop_kind, client_side)
    assert server.connections == 2


async def test_refused_and_non_http2_servers_are_transport_errors(loop_kind: str) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    context.set_alpn_protocols(["http/1.1"])
    http1 = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0, ssl=context)
    origin = Origin("127.0.0.1", http1.sockets[0].getsockname()[1], "")

    async def client_side(expected: str) -> None:
        client_context = ssl.create_default_context()
        ca.configure_trust(client_context)
        client = Http2Client(ssl_context=client_context, timeout=1, connect_timeout=1)
        with pytest.raises(Http2Error, match=expected):
            await client.post(origin, "/", [], b"")
        await client.close()

    await on_loop(loop_kind, lambda: client_side("does not speak HTTP/2"))
    http1.close()
    await http1.wait_closed()
    await on_loop(loop_kind, lambda: client_side("cannot connect"))


async def test_a_draining_goaway_still_delivers_the_streams_it_names(apns, loop_kind: str) -> None:
    server, config = apns
    origin = Origin.of(config.production_url)
    draining = uuid.uuid4().hex
    server.script(draining, Reply(200, drain=True))

    async def client_side() -> None:
        client = Http2Client(ssl_context=tls_context(config.ca_file), timeout=2)
        assert (await client.post(origin, *request(config, draining))).status == 200
        # The drained connection takes no new stream: the next request connects anew.
        assert (await client.post(origin, *request(config, uuid.uuid4().hex))).status == 200
        await client.close()

    await on_loop(loop_kind, client_side)
    assert len(server.received) == 2
    assert server.connections == 2


async def test_a_refused_stream_is_sent_again_at_once(apns, loop_kind: str) -> None:
    server, config = apns
    origin = Origin.of(config.production_url)
    refused = uuid.uuid4().hex
    server.script(refused, Reply(refuse=True), Reply(200))

    async def client_side() -> None:
        client = Http2Client(ssl_context=tls_context(config.ca_file), timeout=2)
        assert (await client.post(origin, *request(config, refused))).status == 200
        await client.close()

    await on_loop(loop_kind, client_side)
    assert [r.token for r in server.received] == [refused, refused]


async def test_a_silent_connection_is_detected_by_ping_and_replaced(apns, loop_kind: str) -> None:
    """A stream timeout PINGs (the keep-alive is far off here): no ACK, a new connection."""
    server, config = apns
    origin = Origin.of(config.production_url)
    frozen = uuid.uuid4().hex
    server.script(frozen, Reply(freeze=True))

    async def client_side() -> None:
        client = Http2Client(ssl_context=tls_context(config.ca_file), timeout=0.3, ping_timeout=0.3)
        with pytest.raises(Http2Timeout):
            await client.post(origin, *request(config, frozen))
        await asyncio.sleep(0.5)  # no PING ACK: the connection is given up
        assert (await client.post(origin, *request(config, uuid.uuid4().hex))).status == 200
        await client.close()

    await on_loop(loop_kind, client_side)
    assert server.connections == 2


async def test_an_idle_connection_is_pinged_and_kept(apns, loop_kind: str) -> None:
    """Keep-alive PINGs on a quiet but healthy connection are answered: it stays in use."""
    server, config = apns
    origin = Origin.of(config.production_url)

    async def client_side() -> None:
        client = Http2Client(
            ssl_context=tls_context(config.ca_file),
            timeout=2,
            keepalive_seconds=0.1,
            ping_timeout=0.5,
        )
        assert (await client.post(origin, *request(config, uuid.uuid4().hex))).status == 200
        await asyncio.sleep(0.75)  # idle: a PING about every 0.1 s, each one ACKed
        assert (await client.post(origin, *request(config, uuid.uuid4().hex))).status == 200
        await client.close()

    await on_loop(loop_kind, client_side)
    assert server.pings >= 4
    assert server.connections == 1


async def test_a_connection_gone_silent_is_found_by_keepalive_not_by_the_timeout(
    apns, loop_kind: str
) -> None:
    """A NAT that dropped the connection silently: the keep-alive PING gets no ACK, so the
    connection is aborted within keep-alive + PING timeout instead of the 10 s request
    timeout, and the next push goes out at once on a new connection."""
    server, config = apns
    origin = Origin.of(config.production_url)
    frozen = uuid.uuid4().hex
    server.script(frozen, Reply(freeze=True))

    async def client_side() -> float:
        client = Http2Client(
            ssl_context=tls_context(config.ca_file),
            timeout=10,
            keepalive_seconds=0.2,
            ping_timeout=0.2,
        )
        started = time.monotonic()
        with pytest.raises(Http2Error, match="connection lost") as lost:
            await client.post(origin, *request(config, frozen))
        assert not isinstance(lost.value, Http2Timeout)
        assert (await client.post(origin, *request(config, uuid.uuid4().hex))).status == 200
        elapsed = time.monotonic() - started
        assert len(client._all) == 1  # the dead connection is gone, the new one in use
        await client.close()
        return elapsed

    elapsed = await on_loop(loop_kind, client_side)
    assert elapsed < 2.0, f"took {elapsed:.1f} s: the request timeout, not the keep-alive"
    assert server.connections == 2
