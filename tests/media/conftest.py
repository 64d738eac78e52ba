"""The object stores under test: the app's local store (its links served by the app), S3
through the real minio client against moto's S3 server on 127.0.0.1, and a real MinIO when
``S3_TEST_ENDPOINT`` (plus ``S3_TEST_ACCESS_KEY`` / ``S3_TEST_SECRET_KEY``) names one."""

import dataclasses
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from moto.server import ThreadedMotoServer

from media.store import ObjectStore, S3Config, S3Store
from tests.factories import Client


@dataclass
class StoreUnderTest:
    store: ObjectStore
    http: httpx.AsyncClient  # reaches the store's signed links
    checks_signatures: bool  # moto accepts any signature and expiry (DESIGN.md)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


STORES = ["local", "moto"] + (["minio"] if os.environ.get("S3_TEST_ENDPOINT") else [])


@pytest.fixture(params=STORES)
async def under_test(
    request: pytest.FixtureRequest, client: Client, moto_endpoint: str
) -> AsyncIterator[StoreUnderTest]:
    if request.param == "local":
        yield StoreUnderTest(client.app.state.services.media, client, checks_signatures=True)
        return
    if request.param == "moto":
        config = S3Config(moto_endpoint, moto_endpoint, "test", "test", f"t-{uuid.uuid4().hex}")
    else:
        endpoint = os.environ["S3_TEST_ENDPOINT"]
        config = S3Config(
            endpoint,
            endpoint,
            os.environ.get("S3_TEST_ACCESS_KEY", "minioadmin"),
            os.environ.get("S3_TEST_SECRET_KEY", "minioadmin"),
            f"t-{uuid.uuid4().hex}",
        )
    store = S3Store(config)
    await store.ensure_bucket()
    async with httpx.AsyncClient(timeout=30) as http:
        yield StoreUnderTest(store, http, checks_signatures=request.param == "minio")


@pytest.fixture(params=["local", "moto"])
async def each_store(
    request: pytest.FixtureRequest, client: Client, moto_endpoint: str
) -> AsyncIterator[str]:
    """The app's object store for one test: its local directory, or S3 (moto) through the
    real minio client, so the upload, verification and evidence suites run against both."""
    if request.param == "local":
        yield "local"
        return
    config = S3Config(moto_endpoint, moto_endpoint, "test", "test", f"t-{uuid.uuid4().hex}")
    store = S3Store(config)
    await store.ensure_bucket()
    services = client.app.state.services
    client.app.state.services = dataclasses.replace(services, media=store)
    try:
        yield "moto"
    finally:
        client.app.state.services = services
