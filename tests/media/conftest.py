"""The object stores under test for the store contract itself (tests/conftest.py has the
``each_store`` fixture the upload, verification and evidence suites run under)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from media.store import ObjectStore, S3Store
from tests.factories import Client
from tests.s3 import STORES, s3_config


@dataclass
class StoreUnderTest:
    store: ObjectStore
    http: httpx.AsyncClient  # reaches the store's signed links
    checks_signatures: bool  # moto accepts any signature and expiry


@pytest.fixture(params=STORES)
async def under_test(
    request: pytest.FixtureRequest, client: Client, moto_endpoint: str
) -> AsyncIterator[StoreUnderTest]:
    if request.param == "local":
        yield StoreUnderTest(client.app.state.services.media, client, checks_signatures=True)
        return
    store = S3Store(s3_config(request.param, moto_endpoint))
    await store.ensure_bucket()
    async with httpx.AsyncClient(timeout=30) as http:
        yield StoreUnderTest(store, http, checks_signatures=request.param == "minio")
