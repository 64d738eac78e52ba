"""Fixtures of the push tests: a local APNs (HTTP/2, TLS, ES256 checks) and its config."""

from collections.abc import AsyncIterator

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from push.apns import ApnsConfig
from tests.push.apns_server import ApnsServer

TEAM, KEY_ID = "TEAM123456", "KEY1234567"


@pytest.fixture
async def apns() -> AsyncIterator[tuple[ApnsServer, ApnsConfig]]:
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
    server = ApnsServer(public_key_pem=public, team_id=TEAM, key_id=KEY_ID)
    await server.start()
    config = ApnsConfig(
        team_id=TEAM,
        key_id=KEY_ID,
        private_key_pem=private,
        production_url=server.url,
        sandbox_url=server.url,
        ca_file=server.ca_file,
        timeout_seconds=1.0,
    )
    yield server, config
    await server.stop()
