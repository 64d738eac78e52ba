"""Fixtures of the push tests: a local APNs (HTTP/2, TLS, ES256 checks), a local FCM v1 with
its OAuth token endpoint, and the providers' configs pointing at them."""

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from kernel.clock import utcnow
from push.apns import ApnsConfig
from push.fcm import FcmConfig
from push.providers import LogProvider
from push.relay import Relay
from tests.factories import Client
from tests.push.apns_server import KEY_ID, TEAM_ID, ApnsServer, es256_key_pair
from tests.push.fcm_server import FcmServer, OAuthServer, service_account


@pytest.fixture(autouse=True)
async def empty_push_queue(client: Client) -> None:
    """Relays take every due delivery of every tenant: what earlier tests left in the shared
    database (pending, or due later) is settled first, so a test's relay sees only its own."""
    log = LogProvider()
    later = Relay(
        db=client.app.state.services.db,
        providers={"apns": log, "fcm": log},
        clock=lambda: utcnow() + timedelta(hours=1),  # later retries too; none expired
    )
    while await later.run_once():
        pass


@pytest.fixture
async def apns() -> AsyncIterator[tuple[ApnsServer, ApnsConfig]]:
    private, public = es256_key_pair()
    server = ApnsServer(public_key_pem=public, team_id=TEAM_ID, key_id=KEY_ID)
    await server.start()
    config = ApnsConfig(
        team_id=TEAM_ID,
        key_id=KEY_ID,
        private_key_pem=private,
        production_url=server.url,
        sandbox_url=server.url,
        ca_file=server.ca_file,
        timeout_seconds=1.0,
    )
    yield server, config
    await server.stop()


@pytest.fixture
async def fcm() -> AsyncIterator[tuple[FcmServer, FcmConfig]]:
    oauth = OAuthServer()
    oauth.start()
    info, public = service_account(oauth.token_uri)
    oauth.public_key_pem = public
    server = FcmServer(oauth=oauth)
    await server.start()
    config = FcmConfig(
        service_account=info, endpoint=server.url, ca_file=server.ca_file, timeout_seconds=1.0
    )
    yield server, config
    await server.stop()
    oauth.stop()
