"""The providers' HTTP/2 client against the local APNs: many streams beyond the server's limit
and its flow-control windows, a stalled stream, refused and non-HTTP/2 servers."""

import asyncio
import ssl
import uuid

import pytest
import trustme

from push import http2
from push.apns import ProviderToken
from push.http2 import Http2Client, Http2Error, Http2Timeout, Origin, tls_context
from tests.push.apns_server import Reply


def request(config, token: str, size: int = 200) -> tuple[str, list[tuple[str, str]], bytes]:
    headers = [
        ("authorization", f"bearer {ProviderToken(config).current()}"),
        ("apns-topic", "com.example.fieldops"),
        ("apns-push-type", "alert"),
        ("apns-id", str(uuid.uuid4())),
    ]
    payload = b'{"aps":{"alert":"' + b"x" * size + b'"}}'
    return f"/3/device/{token}", headers, payload


async def test_streams_beyond_the_servers_limit_and_window_wait_their_turn(apns) -> None:
    server, config = apns
    client = Http2Client(ssl_context=tls_context(config.ca_file), timeout=5)
    origin = Origin.of(config.production_url)
    # 600 pushes of 4 KB at once: six times the server's 100 concurrent streams and 37 times
    # the 64 KiB connection window it opens with.
    sends = [request(config, uuid.uuid4().hex, size=4000) for _ in range(600)]
    responses = await asyncio.gather(*(client.post(origin, *send) for send in sends))
    assert {r.status for r in responses} == {200}
    assert len(server.received) == 600
    assert len(client._all) == 1  # all on one connection
    await client.close()


async def test_a_stalled_stream_times_out_and_the_connection_carries_on(apns) -> None:
    server, config = apns
    client = Http2Client(ssl_context=tls_context(config.ca_file), timeout=0.3)
    origin = Origin.of(config.production_url)
    stalled = uuid.uuid4().hex
    server.script(stalled, Reply(stall=True))
    with pytest.raises(Http2Timeout):
        await client.post(origin, *request(config, stalled))
    answer = await client.post(origin, *request(config, uuid.uuid4().hex))
    assert answer.status == 200
    assert len(client._all) == 1
    await client.close()


async def test_goaway_fails_the_stream_and_the_next_request_reconnects(apns) -> None:
    server, config = apns
    client = Http2Client(ssl_context=tls_context(config.ca_file), timeout=2)
    origin = Origin.of(config.production_url)
    going = uuid.uuid4().hex
    server.script(going, Reply(goaway=True))
    with pytest.raises(Http2Error):
        await client.post(origin, *request(config, going))
    assert (await client.post(origin, *request(config, uuid.uuid4().hex))).status == 200
    await client.close()


async def test_refused_and_non_http2_servers_are_transport_errors() -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    context.set_alpn_protocols(["http/1.1"])
    http1 = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0, ssl=context)
    port = http1.sockets[0].getsockname()[1]
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    client = Http2Client(ssl_context=client_context, timeout=1, connect_timeout=1)
    with pytest.raises(Http2Error, match="does not speak HTTP/2"):
        await client.post(Origin("127.0.0.1", port, ""), "/", [], b"")
    http1.close()
    await http1.wait_closed()
    with pytest.raises(Http2Error, match="cannot connect"):
        await client.post(Origin("127.0.0.1", port, ""), "/", [], b"")
    await client.close()


async def test_a_draining_goaway_still_delivers_the_streams_it_names(apns) -> None:
    server, config = apns
    client = Http2Client(ssl_context=tls_context(config.ca_file), timeout=2)
    origin = Origin.of(config.production_url)
    draining = uuid.uuid4().hex
    server.script(draining, Reply(200, drain=True))
    assert (await client.post(origin, *request(config, draining))).status == 200
    # The drained connection takes no new stream: the next request connects anew.
    assert (await client.post(origin, *request(config, uuid.uuid4().hex))).status == 200
    assert len(server.received) == 2
    await client.close()


async def test_a_refused_stream_is_sent_again_at_once(apns) -> None:
    server, config = apns
    client = Http2Client(ssl_context=tls_context(config.ca_file), timeout=2)
    origin = Origin.of(config.production_url)
    refused = uuid.uuid4().hex
    server.script(refused, Reply(refuse=True), Reply(200))
    assert (await client.post(origin, *request(config, refused))).status == 200
    assert [r.token for r in server.received] == [refused, refused]
    await client.close()


async def test_a_silent_connection_is_detected_by_ping_and_replaced(apns, monkeypatch) -> None:
    server, config = apns
    monkeypatch.setattr(http2, "PING_TIMEOUT", 0.3)
    client = Http2Client(ssl_context=tls_context(config.ca_file), timeout=0.3)
    origin = Origin.of(config.production_url)
    frozen = uuid.uuid4().hex
    server.script(frozen, Reply(freeze=True))
    with pytest.raises(Http2Timeout):
        await client.post(origin, *request(config, frozen))
    await asyncio.sleep(0.5)  # no PING ACK: the connection is given up
    assert (await client.post(origin, *request(config, uuid.uuid4().hex))).status == 200
    await client.close()
