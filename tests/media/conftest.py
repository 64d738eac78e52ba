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


def _s3_config(kind: str, moto_endpoint: str) -> S3Config:
    bucket = f"t-{uuid.uuid4().hex}"
    if kind == "moto":
        return S3Config(moto_endpoint, moto_endpoint, "test", "test", bucket)
    endpoint = os.environ["S3_TEST_ENDPOINT"]
    access = os.environ.get("S3_TEST_ACCESS_KEY", "minioadmin")
    return S3Config(
        endpoint, endpoint, access, os.environ.get("S3_TEST_SECRET_KEY", "minioadmin"), bucket
    )


@pytest.fixture(params=STORES)
async def under_test(
    request: pytest.FixtureRequest, client: Client, moto_endpoint: str
) -> AsyncIterator[StoreUnderTest]:
    if request.param == "local":
        yield StoreUnderTest(client.app.state.services.media, client, checks_signatures=True)
        return
    store = S3Store(_s3_config(request.param, moto_endpoint))
    await store.ensure_bucket()
    async with httpx.AsyncClient(timeout=30) as http:
        yield StoreUnderTest(store, http, checks_signatures=request.param == "minio")


@pytest.fixture(params=STORES)
async def each_store(
    request: pytest.FixtureRequest, client: Client, moto_endpoint: str
) -> AsyncIterator[str]:
    """The app's object store for one test: its local directory, S3 (moto) through the real
    minio client, or a real MinIO (``S3_TEST_ENDPOINT``), so the upload, verification and
    evidence suites run against each."""
    if request.param == "local":
        yield "local"
        return
    store = S3Store(_s3_config(request.param, moto_endpoint))
    await store.ensure_bucket()
    services = client.app.state.services
    client.app.state.services = dataclasses.replace(services, media=store)
    try:
        yield "moto"
    finally:
        client.app.state.services = services
